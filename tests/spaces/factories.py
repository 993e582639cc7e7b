"""Spaces for the stories: built through the directory's and spaces' own services."""

from __future__ import annotations

from datetime import date, time, timedelta

from django.utils import timezone

from keepwell.directory import services as directory
from keepwell.spaces import services
from keepwell.spaces.models import Space
from keepwell.spaces.times import aware, local
from tests.factories import PostcodeLocationFactory

WEEKDAYS_9_TO_5 = {day: (time(9, 0), time(17, 0)) for day in range(5)}


def make_space(owner, *, name="Garden Room", postcode="WB1 1AA", lat=53.045, lon=-1.48, **fields):
    PostcodeLocationFactory(postcode=postcode, latitude=lat, longitude=lon)
    venue = directory.Venue(address_1=f"1 {owner.name} Road", town="Wellbrook", postcode=postcode)
    location = directory.place_venue(owner, venue)
    fields.setdefault("capacity", 20)
    fields.setdefault("hours", WEEKDAYS_9_TO_5)
    return services.create_space(owner=owner, location=location, name=name, **fields)


def next_weekday(weekday: int, *, after: date | None = None) -> date:
    """The next such weekday at least two days away (so a booking is never in the past)."""
    day = (after or local(timezone.now()).date()) + timedelta(days=2)
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def slot(day: date, start: str, end: str):
    (sh, sm), (eh, em) = (map(int, start.split(":")), map(int, end.split(":")))
    return aware(day, time(sh, sm)), aware(day, time(eh, em))


def book(space: Space, organisation, by, day: date, start="14:00", end="16:00", **kwargs):
    s, e = slot(day, start, end)
    kwargs.setdefault("people", 10)
    kwargs.setdefault("title", "Chair yoga")
    return services.request_booking(
        space, organisation=organisation, by=by, start=s, end=e, **kwargs
    )

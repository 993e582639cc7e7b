"""Wellbrook's spaces: the health centre's Community Room and Quiet Room with a term of weekly
bookings (halfway through: six weeks held, six to come), a request waiting for Dr Shah and
one she declined; and the Northgate Hub's community garden, booked on Saturdays.

Loading twice changes nothing: spaces are found by owner and name, bookings by space and
title, and the services write nothing for what is already there.
"""

from __future__ import annotations

from datetime import time, timedelta

from django.utils import timezone

from keepwell.directory import services as directory
from keepwell.directory.models import Organisation, Service
from keepwell.spaces import services
from keepwell.spaces.models import Booking, Space
from keepwell.spaces.times import aware, local

WEEKDAYS = range(5)
TERM_WEEKS = 12

# owner slug, area of the building, address, spaces:
#   (name, kind, capacity, facilities, hours {weekday: (opens, closes)}, pence an hour)
BUILDINGS = [
    (
        "wellbrook-health-centre",
        "town-centre",
        "Wellbrook Health Centre, 2 Station Road",
        [
            (
                "Community Room",
                "room",
                24,
                {"step_free": True, "hearing_loop": True, "kitchen": True},
                {day: (time(9), time(20)) for day in WEEKDAYS},
                2000,
            ),
            (
                "Quiet Room",
                "room",
                8,
                {"step_free": True, "quiet_room": True},
                {day: (time(9), time(17)) for day in WEEKDAYS},
                1200,
            ),
        ],
    ),
    (
        "northgate-hub",
        "northgate",
        "The Northgate Hub, 14 Mill Lane",
        [
            (
                "Community garden",
                "outdoor",
                30,
                {"step_free": True, "garden": True, "other_facilities": "Raised beds, tool shed"},
                {2: (time(10), time(16)), 5: (time(10), time(16)), 6: (time(11), time(15))},
                0,
            ),
        ],
    ),
]

# A weekly booking for the whole term: space, group slug, title, weekday, start, end,
# people, shown by name on the public timetable
TERM = [
    ("Community Room", "wellbrook-mutual-aid", "Chair yoga", 1, "14:00", "15:30", 16, True),
    ("Community Room", "mind-in-wellbrook", "Peer support group", 3, "18:00", "19:30", 10, False),
    ("Quiet Room", "age-concern-wellbrook", "Carers' coffee morning", 2, "10:00", "11:30", 8, True),
    ("Community garden", "wellbrook-allotment-society", "Growing together", 5, "10:00", "12:00",
     20, True),
]  # fmt: skip
# One-offs still to come: one waits for a decision, one was declined.
LATER = [
    ("Community Room", "wellbrook-pensioners-forum", "Forum meeting", 4, "14:00", "16:00", 20,
     "wait", ""),
    ("Community Room", "good-food-wellbrook", "Cooking demonstration", 0, "12:00", "14:00", 18,
     "decline", "The kitchen is being refitted that week: try the week after"),
]  # fmt: skip


def _spaces(place) -> dict[str, Space]:
    found = {}
    for owner_slug, area, address, specs in BUILDINGS:
        owner = Organisation.objects.get(slug=owner_slug)
        name, _, street = address.partition(", ")
        postcode = place.postcodes[area][0].postcode
        for title, kind, capacity, facilities, hours, pence in specs:
            space = Space.objects.filter(owner=owner, name=title).first()
            if space is None:
                location = directory.place_venue(
                    owner,
                    directory.Venue(
                        address_1=street, town="Wellbrook", postcode=postcode, name=name
                    ),
                )
                space = services.create_space(
                    owner=owner,
                    location=location,
                    name=title,
                    kind=kind,
                    capacity=capacity,
                    hours=hours,
                    price_pence_per_hour=pence,
                    free_for_community=True,
                    is_demo=True,
                    **facilities,
                )
            found[title] = space
    return found


def _at(day, text: str):
    hours, minutes = map(int, text.split(":"))
    return aware(day, time(hours, minutes))


def load(place) -> None:
    spaces = _spaces(place)
    admin, connector = place.users["admin"], place.users["connector"]
    # The term began six weeks ago, on a Monday.
    today = local(timezone.now()).date()
    term_start = today - timedelta(days=today.weekday(), weeks=6)
    for name, slug, title, weekday, start, end, people, public in TERM:
        space = spaces[name]
        if Booking.objects.filter(space=space, title=title).exists():
            continue
        group = Organisation.objects.get(slug=slug)
        day = term_start + timedelta(days=weekday)
        made = services.request_booking(
            space,
            organisation=group,
            by=place.users["coordinator"] if slug == "wellbrook-mutual-aid" else admin,
            title=title,
            start=_at(day, start),
            end=_at(day, end),
            people=people,
            weeks=TERM_WEEKS,
            service=Service.objects.filter(organisation=group).order_by("pk").first(),
            public=public,
            now=_at(term_start, "00:00") - timedelta(days=14),
        )
        approver = connector if space.owner.slug == "wellbrook-health-centre" else admin
        services.decide(made[0], by=approver, approve=True)
    next_week = today + timedelta(days=7 - today.weekday())
    for name, slug, title, weekday, start, end, people, outcome, reason in LATER:
        space = spaces[name]
        if Booking.objects.filter(space=space, title=title).exists():
            continue
        day = next_week + timedelta(days=weekday)
        [booking] = services.request_booking(
            space,
            organisation=Organisation.objects.get(slug=slug),
            by=admin,
            title=title,
            start=_at(day, start),
            end=_at(day, end),
            people=people,
        )
        if outcome == "decline":
            services.decide(booking, by=connector, approve=False, reason=reason)
    services.feed_of(Organisation.objects.get(slug="wellbrook-mutual-aid"))

"""Spaces URLs × personas. The Garden Room belongs to Wellbrook Health Centre, where Priya (an
NHS connector) decides its bookings; Sam books it for Wellbrook Mutual Aid, whose area leads
Ana and Tom may book too. Alex is platform admin; Olly coordinates a group elsewhere. The
public sees spaces, their timetables and calendars, and nothing about who booked."""

from __future__ import annotations

from keepwell.spaces import services
from keepwell.spaces.models import Booking, Space
from tests.permissions import NOT_ALLOWED, NOT_FOUND, OK, REDIRECT, SIGNED_IN_ONLY, Row
from tests.spaces.factories import book, make_space, next_weekday

EVERYONE = OK
OWNER = {**SIGNED_IN_ONLY, "alex": OK, "priya": OK}
GROUP = {**SIGNED_IN_ONLY, "alex": OK, "sam": OK, "ana": OK, "tom": OK}
BOTH = {**GROUP, "priya": OK}
BOOKERS = {**BOTH, "olly": OK}
APPROVERS = {**SIGNED_IN_ONLY, "alex": OK, "priya": OK, "sam": OK, "olly": OK}


def _room(world) -> Space:
    return Space.objects.first() or make_space(world.practice)


def room(world):
    return {"space_id": _room(world).pk}


def room_uuid(world):
    return {"uuid": _room(world).uuid}


def booking(world):
    found = Booking.objects.filter(status="requested").first()
    if found is None:
        found = book(_room(world), world.mutual_aid, world.sam, next_weekday(1))[0]
    return {"booking_id": found.pk}


def group(world):
    return {"slug": world.mutual_aid.slug}


def owner(world):
    _room(world)
    return {"slug": world.practice.slug}


def token(world):
    return {"token": services.feed_of(world.mutual_aid).token}


MATRIX = [
    Row("spaces:search", {}, default=EVERYONE),
    Row(
        "spaces:search",
        {},
        default=EVERYONE,
        query="people=5&date=2031-01-07&start_time=10:00&end_time=11:00",
    ),
    Row("spaces:space", {}, default=EVERYONE, kwargs=room),
    Row("spaces:space_calendar", {}, default=EVERYONE, kwargs=room_uuid),
    Row("spaces:group_calendar", {}, default=EVERYONE, kwargs=token),
    Row("spaces:mine", {**SIGNED_IN_ONLY}, default=OK),
    Row("spaces:book", BOOKERS, kwargs=room),
    Row("spaces:approvals", APPROVERS),
    Row("spaces:booking", BOTH, kwargs=booking),
    Row("spaces:decide", OWNER, kwargs=booking),
    Row("spaces:cancel", BOTH, kwargs=booking),
    Row("spaces:group", GROUP, kwargs=group),
    Row("spaces:new_feed", {**SIGNED_IN_ONLY}, default=NOT_ALLOWED, kwargs=group),
    Row(
        "spaces:new_feed",
        {**GROUP, "alex": REDIRECT, "sam": REDIRECT, "ana": REDIRECT, "tom": REDIRECT},
        kwargs=group,
        method="post",
    ),
    Row("spaces:estate", OWNER, kwargs=owner),
    Row("spaces:new_space", OWNER, kwargs=owner),
    Row("spaces:edit_space", OWNER, kwargs=room),
]

# A wrong calendar address finds nothing, for anyone.
MATRIX.append(
    Row("spaces:group_calendar", {}, default=NOT_FOUND, kwargs=lambda world: {"token": "nope"})
)

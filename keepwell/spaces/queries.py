"""Reads of spaces: free rooms near a postcode, a space's timetable, a group's bookings and
how an owner's estate is used."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Exists, OuterRef

from keepwell.directory.models import Location, OrganisationKind
from keepwell.places.geo import bounding_box, haversine_km
from keepwell.spaces.models import Booking, Space
from keepwell.spaces.times import aware, local

SEARCH_LIMIT = 50
# Bookings by these are the owner's own or the council's, not the community's.
_STATUTORY = [
    OrganisationKind.GP_PRACTICE,
    OrganisationKind.PCN,
    OrganisationKind.ICS,
    OrganisationKind.COUNCIL,
]


@dataclass(frozen=True)
class Found:
    space: Space
    km: float | None


def free_spaces(
    *,
    people: int,
    start: datetime,
    end: datetime,
    step_free: bool = False,
    near: tuple[float, float] | None = None,
    km: float = 3.0,
    limit: int = SEARCH_LIMIT,
) -> list[Found]:
    """Listed spaces (at addresses that may be public) that hold ``people``, are open for
    the whole of start-end and have no booking holding any of it; nearest first."""
    s, e = local(start), local(end)
    qs = (
        Space.objects.listed()
        .for_people(people)
        .filter(
            location__confidential=False,
            opening_hours__weekday=s.weekday(),
            opening_hours__opens__lte=s.time(),
            opening_hours__closes__gte=e.time(),
        )
        .exclude(
            Exists(
                Booking.objects.holding()
                .filter(space=OuterRef("pk"))
                .overlapping(start, end)
                .values("pk")
            )
        )
        .select_related("location", "owner")
    )
    if step_free:
        qs = qs.filter(step_free=True)
    if s.date() != e.date():
        return []
    if near is None:
        return [Found(space, None) for space in qs.order_by("name", "pk")[:limit]]
    min_lat, max_lat, min_lon, max_lon = bounding_box(near[0], near[1], km)
    # The buildings in the box first (a few among thousands), then only their spaces are
    # checked for bookings: a planner left to choose (SQLite's, without statistics) checks
    # every space's bookings before it looks at where the space is.
    nearby = list(
        Location.objects.filter(
            confidential=False,
            latitude__range=(min_lat, max_lat),
            longitude__range=(min_lon, max_lon),
        ).values_list("pk", flat=True)
    )
    if not nearby:
        return []
    candidates = list(qs.filter(location_id__in=nearby))
    if not candidates:
        return []
    distances = haversine_km(
        near[0],
        near[1],
        [c.location.latitude for c in candidates],
        [c.location.longitude for c in candidates],
    )
    found = [Found(c, float(d)) for c, d in zip(candidates, distances, strict=True) if d <= km]
    found.sort(key=lambda f: (f.km, f.space.name))
    return found[:limit]


@dataclass
class Slot:
    start: datetime
    end: datetime
    label: str  # "Booked", "Waiting for the owner", or the group and title if public


@dataclass
class Day:
    day: date
    opens: str  # "09:00 to 17:00", or "" when closed
    slots: list[Slot] = field(default_factory=list)


def timetable(space: Space, first: date, days: int = 7) -> list[Day]:
    """What a space's days hold, for anyone to read: who booked shows only when the group
    chose to be named and the booking is approved."""
    hours = {h.weekday: h for h in space.opening_hours.all()}
    midnight = datetime.min.time()
    start, end = aware(first, midnight), aware(first + timedelta(days=days), midnight)
    bookings = (
        Booking.objects.holding()
        .filter(space=space)
        .overlapping(start, end)
        .select_related("organisation")
        .order_by("start")
    )
    out = []
    for n in range(days):
        day = first + timedelta(days=n)
        opening = hours.get(day.weekday())
        opens = f"{opening.opens:%H:%M} to {opening.closes:%H:%M}" if opening else ""
        out.append(Day(day, opens))
    for booking in bookings:
        index = (local(booking.start).date() - first).days
        if 0 <= index < days:
            out[index].slots.append(Slot(booking.start, booking.end, public_label(booking)))
    return out


def public_label(booking: Booking) -> str:
    if booking.status == Booking.Status.REQUESTED:
        return "Held: waiting for the owner"
    if booking.public:
        return f"{booking.organisation.name}: {booking.title}"
    return "Booked"


def approvals(user_org_ids, *, everyone: bool = False):
    """Requests waiting for a decision on spaces these organisations own, one row per series."""
    qs = Booking.objects.filter(status=Booking.Status.REQUESTED)
    if not everyone:
        qs = qs.filter(space__owner_id__in=user_org_ids)
    rows = qs.select_related("space__location", "organisation", "service").order_by("start", "pk")
    firsts: dict[object, Booking] = {}
    weeks: dict[object, int] = defaultdict(int)
    for booking in rows:
        key = booking.series or booking.pk
        firsts.setdefault(key, booking)
        weeks[key] += 1
    return [(booking, weeks[key]) for key, booking in firsts.items()]


def group_bookings(organisation, *, since: datetime):
    return (
        Booking.objects.filter(organisation=organisation, end__gte=since)
        .select_related("space__location", "service")
        .order_by("start", "pk")
    )


@dataclass
class Estate:
    months: list[date]
    # building -> hours per month, in the order of ``months``
    buildings: list[tuple[str, list[float]]]
    # what the sessions were: (what, groups, sessions, hours)
    sessions: list[tuple[str, str, int, float]]
    total_hours: float


def estate_use(owner, *, first_month: date, months: int = 12) -> Estate:
    """Hours that community groups have booked (approved) in the owner's spaces, by building
    and month, and what those sessions were (the directory service each was for)."""
    month_starts = []
    year, month = first_month.year, first_month.month
    for _ in range(months + 1):
        month_starts.append(date(year, month, 1))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    start = aware(month_starts[0], datetime.min.time())
    end = aware(month_starts[-1], datetime.min.time())
    bookings = (
        Booking.objects.filter(
            space__owner=owner, status=Booking.Status.APPROVED, start__gte=start, start__lt=end
        )
        .exclude(organisation__kind__in=_STATUTORY)
        .select_related("space__location", "organisation", "service")
    )
    index = {d: i for i, d in enumerate(month_starts[:-1])}
    by_building: dict[str, list[float]] = {}
    by_what: dict[str, list] = {}
    total = 0.0
    for booking in bookings:
        hours = booking.minutes / 60
        total += hours
        s = local(booking.start)
        building = str(booking.space.location)
        row = by_building.setdefault(building, [0.0] * months)
        row[index[date(s.year, s.month, 1)]] += hours
        what = f"{booking.title} ({booking.service.name})" if booking.service else booking.title
        entry = by_what.setdefault(what, [set(), 0, 0.0])
        entry[0].add(booking.organisation.name)
        entry[1] += 1
        entry[2] += hours
    sessions = sorted(
        ((what, ", ".join(sorted(g)), n, h) for what, (g, n, h) in by_what.items()),
        key=lambda r: (-r[3], r[0]),
    )
    return Estate(month_starts[:-1], sorted(by_building.items()), sessions, total)

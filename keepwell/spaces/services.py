"""Spaces use cases: the only writers of spaces' tables, each in one transaction.

Bookings are about organisations and rooms, not about people, so these writes need no
audit rows (as the directory's do not); who asked, decided and cancelled is on the booking.

Never a double booking: ``request_booking`` locks the space's row (PostgreSQL), checks every
week asked for against the bookings that hold their time, and writes them all or none. On
SQLite the transaction begins IMMEDIATE (keepwell/settings.py), so the check and the insert
hold the database's one write lock together; on PostgreSQL the exclusion constraint stands
behind the check, and a clash it catches is refused like any other.
"""

from __future__ import annotations

import uuid
from datetime import datetime, time

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from keepwell.accounts.models import Role
from keepwell.spaces import messages
from keepwell.spaces.models import Booking, GroupFeed, OpeningHours, Space
from keepwell.spaces.times import describe, local, weekly

MAX_WEEKS = 52
# Who decides a space's bookings: the owning organisation's coordinators and its NHS staff
# (a practice manager is an NHS connector), and platform admins.
APPROVER_ROLES = (Role.COORDINATOR, Role.NHS_CONNECTOR)
# Who books for a group: those who run its work day to day.
BOOKER_ROLES = (Role.COORDINATOR, Role.NHS_CONNECTOR, Role.AREA_LEAD)


class BookingRefused(Exception):
    """A booking that cannot be made or changed, with every reason in plain words."""

    def __init__(self, reasons: list[str]):
        super().__init__("; ".join(reasons))
        self.reasons = reasons


# --- who may --------------------------------------------------------------------------------


def approves(user, space: Space) -> bool:
    if not user.is_authenticated:
        return False
    return user.is_platform_admin or space.owner_id in user.organisation_ids(*APPROVER_ROLES)


def approves_any(user) -> bool:
    return user.is_authenticated and (
        user.is_platform_admin or bool(user.organisation_ids(*APPROVER_ROLES))
    )


def books_for(user, organisation_id: int) -> bool:
    if not user.is_authenticated:
        return False
    return user.is_platform_admin or organisation_id in user.organisation_ids(*BOOKER_ROLES)


def booking_organisation_ids(user) -> set[int]:
    return user.organisation_ids(*BOOKER_ROLES) if user.is_authenticated else set()


# --- spaces ---------------------------------------------------------------------------------


@transaction.atomic
def create_space(*, owner, location, name: str, capacity: int, hours=None, **fields) -> Space:
    """A new space; ``hours`` maps a weekday (0 = Monday) to (opens, closes)."""
    if location.organisation_id != owner.pk:
        raise ValueError("a space is in one of its owner's own buildings")
    space = Space.objects.create(
        owner=owner, location=location, name=name, capacity=capacity, **fields
    )
    if hours:
        _write_hours(space, hours)
    return space


@transaction.atomic
def update_space(space: Space, *, hours=None, **fields) -> Space:
    """Change what a space says; ``hours`` (as ``create_space``) replaces its opening hours.
    Bookings already made stand: they were checked against the hours of their day."""
    location = fields.get("location")
    if location is not None and location.organisation_id != space.owner_id:
        raise ValueError("a space is in one of its owner's own buildings")
    for name, value in fields.items():
        setattr(space, name, value)
    space.save(update_fields=list(fields))
    if hours is not None:
        space.opening_hours.all().delete()
        _write_hours(space, hours)
    return space


def _write_hours(space: Space, hours: dict[int, tuple[time, time]]) -> None:
    OpeningHours.objects.bulk_create(
        OpeningHours(space=space, weekday=day, opens=opens, closes=closes)
        for day, (opens, closes) in sorted(hours.items())
    )


# --- bookings -------------------------------------------------------------------------------


def price_pence(space: Space, organisation, minutes: int) -> int:
    if space.free_for_community and organisation.is_community:
        return 0
    return (minutes * space.price_pence_per_hour + 30) // 60  # to the nearest penny


def _refusals(space: Space, slots, *, people: int, now: datetime) -> list[str]:
    reasons = []
    if people > space.capacity:
        reasons.append(
            f"{space.name} holds {space.capacity} people: you expect {people}. "
            "Choose a bigger space or expect fewer people"
        )
    if not space.is_listed:
        reasons.append(f"{space.name} is not open for bookings")
    hours = {h.weekday: h for h in space.opening_hours.all()}
    for start, end in slots:
        s, e = local(start), local(end)
        when = describe(start, end)
        opening = hours.get(s.weekday())
        if start < now:
            reasons.append(f"{when}: that time has passed")
        elif s.date() != e.date():
            reasons.append(f"{when}: a booking starts and ends on the same day")
        elif opening is None:
            reasons.append(f"{when}: {space.name} is closed on {s:%A}s")
        elif s.time() < opening.opens or e.time() > opening.closes:
            reasons.append(
                f"{when}: outside the opening hours, {opening.opens:%H:%M} to "
                f"{opening.closes:%H:%M} on {s:%A}s"
            )
    return reasons


def clashes(space: Space, slots, *, ignore_series=None) -> list[tuple[datetime, datetime]]:
    """The slots asked for that a holding booking already has (one query for all of them)."""
    if not slots:
        return []
    overlap = Q()
    for start, end in slots:
        overlap |= Q(start__lt=end, end__gt=start)
    taken = list(
        Booking.objects.holding().filter(space=space).filter(overlap).values_list("start", "end")
    )
    return [(s, e) for s, e in slots if any(ts < e and te > s for ts, te in taken)]


def request_booking(
    space: Space,
    *,
    organisation,
    by,
    title: str,
    start: datetime,
    end: datetime,
    people: int,
    weeks: int = 1,
    service=None,
    public: bool = False,
    now: datetime | None = None,
) -> list[Booking]:
    """Ask for a time, or the same time for ``weeks`` weeks: every week is booked, or none
    is and ``BookingRefused`` names each week that cannot be had and why."""
    if not 1 <= weeks <= MAX_WEEKS:
        raise BookingRefused([f"Book from 1 to {MAX_WEEKS} weeks at a time"])
    if start >= end:
        raise BookingRefused(["The end time must be after the start time"])
    now = now or timezone.now()
    slots = weekly(start, end, weeks)
    with transaction.atomic():
        # One request at a time per space on PostgreSQL (SQLite already has one writer).
        space = Space.objects.select_for_update().get(pk=space.pk)
        reasons = _refusals(space, slots, people=people, now=now)
        reasons += [f"{describe(s, e)}: already booked" for s, e in clashes(space, slots)]
        if reasons:
            raise BookingRefused(reasons)
        series = uuid.uuid4() if weeks > 1 else None
        rows = [
            Booking(
                space=space,
                organisation=organisation,
                title=title,
                service=service,
                people=people,
                public=public,
                start=s,
                end=e,
                price_pence=price_pence(space, organisation, int((e - s).total_seconds() // 60)),
                series=series,
                requested_by=by,
                requested_at=now,
            )
            for s, e in slots
        ]
        try:
            with transaction.atomic():
                made = Booking.objects.bulk_create(rows)
        except IntegrityError as exc:
            if "booking_never_overlaps" not in str(exc):
                raise
            taken = ["Another group took that time a moment ago: choose another"]
            raise BookingRefused(taken) from None
        messages.tell_owner_requested(made[0], weeks=weeks, by=by)
        return made


def _series_of(booking: Booking, *, whole_series: bool, statuses) -> list[Booking]:
    if whole_series and booking.series:
        qs = Booking.objects.filter(series=booking.series, status__in=statuses)
    else:
        qs = Booking.objects.filter(pk=booking.pk, status__in=statuses)
    return list(qs.select_for_update().order_by("start"))


@transaction.atomic
def decide(
    booking: Booking, *, by, approve: bool, reason: str = "", whole_series: bool = True
) -> list[Booking]:
    """Approve or decline a request (with its other weeks, unless ``whole_series`` is False).
    Declining needs a reason: the group is told it."""
    if not approve and not reason.strip():
        raise BookingRefused(["Say why the booking is declined: the group will be told"])
    chosen = _series_of(booking, whole_series=whole_series, statuses=[Booking.Status.REQUESTED])
    if not chosen:
        raise BookingRefused(["This booking has already been decided or cancelled"])
    now = timezone.now()
    status = Booking.Status.APPROVED if approve else Booking.Status.DECLINED
    Booking.objects.filter(pk__in=[b.pk for b in chosen]).update(
        status=status, decided_by=by, decided_at=now, decision_reason=reason.strip()
    )
    for item in chosen:
        item.status, item.decided_by, item.decided_at = status, by, now
        item.decision_reason = reason.strip()
    messages.tell_group_decided(chosen, by=by)
    return chosen


@transaction.atomic
def cancel(booking: Booking, *, by, reason: str = "", whole_series: bool = False) -> list[Booking]:
    """Cancel a booking still to come (and its later weeks, if asked): its time is free again.
    Whoever did not cancel is told: the owner when the group cancels, else the group."""
    now = timezone.now()
    chosen = [
        b
        for b in _series_of(booking, whole_series=whole_series, statuses=Booking.HOLDING)
        if b.end > now and b.start >= booking.start
    ]
    if not chosen:
        raise BookingRefused(["Only a booking still to come can be cancelled"])
    Booking.objects.filter(pk__in=[b.pk for b in chosen]).update(
        status=Booking.Status.CANCELLED, cancelled_by=by, cancelled_at=now, cancel_reason=reason
    )
    for item in chosen:
        item.status, item.cancelled_by, item.cancelled_at = Booking.Status.CANCELLED, by, now
        item.cancel_reason = reason
    messages.tell_cancelled(chosen, by=by, by_owner=approves(by, booking.space))
    return chosen


# --- a group's calendar address -------------------------------------------------------------


def feed_of(organisation) -> GroupFeed:
    feed, _ = GroupFeed.objects.get_or_create(organisation=organisation)
    return feed


@transaction.atomic
def renew_feed(organisation) -> GroupFeed:
    """A new calendar address for the group: whoever had the old one reads nothing more."""
    GroupFeed.objects.filter(organisation=organisation).delete()
    return GroupFeed.objects.create(organisation=organisation)

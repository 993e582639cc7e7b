"""Rooms and outdoor spaces in NHS and community buildings, and the bookings groups make.

A space sits at a directory location (the building) and belongs to an organisation (the
owner), whose coordinators and NHS staff decide its bookings.

Never a double booking: two bookings of one space that are requested or approved never
overlap in time. A requested booking holds its slot too, so the owner can always approve
what is waiting without finding it now clashes, and two groups are never both told "we
have your request" for the same hour. PostgreSQL enforces the rule itself with an exclusion
constraint on (space, tstzrange(start, end)) (migration 0002, PostgreSQL only: SQLite has
no such constraint); on both databases the service checks for clashes inside the writing
transaction, which on SQLite begins IMMEDIATE and so holds the one write lock.
"""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


def pounds(pence: int) -> str:
    """ "£12" or "£12.50": whole pence shown as people write money."""
    whole, part = divmod(pence, 100)
    return f"£{whole:,}.{part:02d}" if part else f"£{whole:,}"


class SpaceQuerySet(models.QuerySet):
    def listed(self):
        return self.filter(is_listed=True)

    def for_people(self, people: int):
        return self.filter(capacity__gte=people)

    def owned_by(self, organisation_ids):
        return self.filter(owner_id__in=organisation_ids)


class Space(models.Model):
    class Kind(models.TextChoices):
        ROOM = "room", "Room"
        HALL = "hall", "Hall"
        OUTDOOR = "outdoor", "Outdoor space"

    uuid = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(
        "directory.Organisation", on_delete=models.CASCADE, related_name="spaces"
    )
    location = models.ForeignKey(
        "directory.Location", on_delete=models.CASCADE, related_name="spaces"
    )
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.ROOM)
    description = models.TextField(blank=True)
    capacity = models.PositiveSmallIntegerField(help_text="The most people it holds")
    step_free = models.BooleanField("Step-free access", default=False)
    hearing_loop = models.BooleanField(default=False)
    quiet_room = models.BooleanField("Quiet or sensory room", default=False)
    kitchen = models.BooleanField(default=False)
    garden = models.BooleanField(default=False)
    other_facilities = models.CharField(max_length=300, blank=True)
    price_pence_per_hour = models.PositiveIntegerField(default=0)
    free_for_community = models.BooleanField(
        "Free for community groups",
        default=False,
        help_text="Community groups pay nothing; others pay the hourly price",
    )
    is_listed = models.BooleanField("Open for bookings", default=True)
    is_demo = models.BooleanField(default=False, editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    objects = SpaceQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        indexes = [
            models.Index(fields=["is_listed", "capacity"], name="space_listed_capacity"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def facilities(self) -> list[str]:
        found = [
            label
            for flag, label in (
                (self.step_free, "Step-free access"),
                (self.hearing_loop, "Hearing loop"),
                (self.quiet_room, "Quiet or sensory room"),
                (self.kitchen, "Kitchen"),
                (self.garden, "Garden"),
            )
            if flag
        ]
        return found + ([self.other_facilities] if self.other_facilities else [])

    @property
    def price_label(self) -> str:
        if not self.price_pence_per_hour:
            return "Free"
        price = f"{pounds(self.price_pence_per_hour)} an hour"
        return f"{price}, free for community groups" if self.free_for_community else price


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


class OpeningHours(models.Model):
    """When a space can be booked on one weekday (local time); a day without a row is closed."""

    space = models.ForeignKey(Space, on_delete=models.CASCADE, related_name="opening_hours")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    opens = models.TimeField()
    closes = models.TimeField()

    class Meta:
        ordering = ["weekday"]
        constraints = [
            models.UniqueConstraint(fields=["space", "weekday"], name="opening_one_per_day"),
            models.CheckConstraint(
                condition=Q(opens__lt=models.F("closes")), name="opening_opens_first"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}-{self.closes:%H:%M}"


class BookingQuerySet(models.QuerySet):
    def holding(self):
        """Bookings that hold their time: nobody else may have it."""
        return self.filter(status__in=Booking.HOLDING)

    def overlapping(self, start, end):
        return self.filter(start__lt=end, end__gt=start)


class Booking(models.Model):
    class Status(models.TextChoices):
        REQUESTED = "requested", "Waiting for the owner"
        APPROVED = "approved", "Approved"
        DECLINED = "declined", "Declined"
        CANCELLED = "cancelled", "Cancelled"

    HOLDING = (Status.REQUESTED, Status.APPROVED)

    space = models.ForeignKey(Space, on_delete=models.CASCADE, related_name="bookings")
    organisation = models.ForeignKey(
        "directory.Organisation", on_delete=models.CASCADE, related_name="space_bookings"
    )
    title = models.CharField(max_length=150)
    service = models.ForeignKey(
        "directory.Service",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="space_bookings",
        help_text="The service or activity the session is for",
    )
    people = models.PositiveSmallIntegerField("People expected")
    public = models.BooleanField(
        "Show the group's name on the public timetable",
        default=False,
        help_text="Otherwise the timetable says only that the time is booked",
    )
    start = models.DateTimeField()
    end = models.DateTimeField()
    price_pence = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.REQUESTED)
    # Weekly repeats share a series: requested, and usually decided, together.
    series = models.UUIDField(null=True, blank=True, db_index=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.CharField(max_length=500, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=500, blank=True)
    is_demo = models.BooleanField(default=False, editable=False)

    objects = BookingQuerySet.as_manager()

    class Meta:
        ordering = ["start", "id"]
        indexes = [
            # "Is this space free then?" reads a space's bookings that end after the start.
            models.Index(fields=["space", "end"], name="booking_space_end"),
            models.Index(fields=["organisation", "start"], name="booking_org_start"),
            models.Index(fields=["status", "space"], name="booking_status_space"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(start__lt=models.F("end")), name="booking_ends"),
        ]

    def __str__(self) -> str:
        return f"{self.title} in {self.space} at {self.start:%Y-%m-%d %H:%M}"

    @property
    def is_holding(self) -> bool:
        return self.status in self.HOLDING

    @property
    def price_label(self) -> str:
        return pounds(self.price_pence) if self.price_pence else "Free"

    @property
    def minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)


def new_feed_token() -> str:
    return secrets.token_urlsafe(24)


class GroupFeed(models.Model):
    """A group's calendar address: whoever holds the link reads the group's bookings (times,
    rooms and titles only), as calendar apps cannot sign in. A new address ends the old one."""

    organisation = models.OneToOneField(
        "directory.Organisation", on_delete=models.CASCADE, related_name="space_feed"
    )
    token = models.CharField(max_length=64, unique=True, default=new_feed_token)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Calendar of {self.organisation}"

"""The communication audit's own tables: channels logged by hand, the 12-month review of
what worked, and the roll-ups the audit page reads (see keepwell/messaging/report.py)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

# Defined before the package imports this module (see models/__init__.py).
from keepwell.messaging.models import Purpose


class HandChannel(models.TextChoices):
    LEAFLET = "leaflet", "Leaflets delivered"
    PRESCRIPTION_BAG = "prescription_bag", "Sheet with prescriptions"
    FOOD_PARCEL = "food_parcel", "Sheet with food parcels"
    POSTER = "poster", "Poster"
    WHATSAPP = "whatsapp", "WhatsApp group post"
    FACEBOOK = "facebook", "Facebook group post"
    LOCAL_PAPER = "local_paper", "Local paper"
    RADIO = "radio", "Radio slot"
    DOORSTEP = "doorstep", "Doorstep visits"
    PHONE_TREE = "phone_tree", "Phone tree"
    FAITH = "faith", "Faith group notice"
    OTHER = "other", "Other"


class HandLog(models.Model):
    """A channel keepwell does not send itself, logged by hand so the audit covers it."""

    channel = models.CharField(max_length=20, choices=HandChannel.choices)
    happened_on = models.DateField()
    language = models.CharField(max_length=12, default="en")
    purpose = models.CharField(max_length=20, choices=Purpose.choices, default=Purpose.NEWS)
    audience = models.CharField(max_length=200, blank=True)
    area = models.ForeignKey(
        "places.Area", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reach = models.PositiveIntegerField(help_text="About how many people it reached")
    replies = models.PositiveIntegerField(default=0)
    delivered_by = models.CharField(max_length=200, blank=True)
    organisation = models.ForeignKey(
        "directory.Organisation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    broadcast = models.ForeignKey(
        "Broadcast", on_delete=models.SET_NULL, null=True, blank=True, related_name="hand_logs"
    )
    notes = models.TextField(blank=True)
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    logged_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-happened_on", "-id"]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} on {self.happened_on}: about {self.reach}"


class ChannelReview(models.Model):
    """The 12-month review of one channel: what worked, why, who is best to deliver it."""

    channel = models.CharField(max_length=20)  # a Channel or a HandChannel value
    period_start = models.DateField()
    period_end = models.DateField()
    what_worked = models.TextField()
    why = models.TextField()
    best_messenger = models.CharField(max_length=300)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-period_end", "channel"]

    def __str__(self) -> str:
        return f"Review of {self.channel} to {self.period_end}"


class Counted(models.Model):
    """What a tally counts, and of which messages: the columns ``MessageTally`` (a day) and
    ``MonthTally`` (a month) share."""

    channel = models.CharField(max_length=10)
    language = models.CharField(max_length=12)
    purpose = models.CharField(max_length=20)
    audience = models.CharField(max_length=40, blank=True)
    area = models.ForeignKey(
        "places.Area", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Who sent them: a coordinator's audit counts only their organisations' messages.
    sender_organisation = models.ForeignKey(
        "directory.Organisation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    messages = models.PositiveIntegerField(default=0)
    sent = models.PositiveIntegerField(default=0)
    delivered = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    replied = models.PositiveIntegerField(default=0)
    acted = models.PositiveIntegerField(default=0)
    fallbacks = models.PositiveIntegerField(default=0)
    calls = models.PositiveIntegerField(default=0)
    calls_answered = models.PositiveIntegerField(default=0)
    cost_pence = models.PositiveBigIntegerField(default=0)

    class Meta:
        abstract = True


class MessageTally(Counted):
    """One day's messages counted by channel, language, purpose, audience and area: what the
    communication audit reads instead of millions of ``Message`` rows (see ``report.py``).
    A day is written whole (its rows deleted and counted again), never added to."""

    day = models.DateField()  # the Europe/London date the message was queued

    class Meta:
        ordering = ["day", "channel"]
        indexes = [models.Index(fields=["day"], name="message_tally_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.channel} {self.language} {self.purpose}: {self.messages}"


class MonthTally(Counted):
    """A whole month's ``MessageTally`` rows added up, written by the rollup whenever every
    day of the month has been tallied: a year's audit reads twelve months of these, not
    365 days. ``month`` is the month's first day."""

    month = models.DateField()

    class Meta:
        ordering = ["month", "channel"]
        indexes = [models.Index(fields=["month"], name="month_tally_month")]

    def __str__(self) -> str:
        return f"{self.month:%B %Y} {self.channel} {self.language} {self.purpose}: {self.messages}"


class Unreached(models.Model):
    """A message of a tallied day that no channel got through: it failed for good and
    nothing was tried after it. Written by the rollup beside the day's tallies, so the
    audit counts people no channel reaches from a few rows instead of every message."""

    message_id = models.BigIntegerField(primary_key=True)
    day = models.DateField()  # the Europe/London date the message was queued
    person_id = models.BigIntegerField()
    purpose = models.CharField(max_length=20)
    area_id = models.BigIntegerField(null=True, blank=True)
    sender_organisation_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["day", "person_id", "purpose"], name="unreached_day"),
        ]

    def __str__(self) -> str:
        return f"{self.day}: message {self.message_id}"


class TalliedDay(models.Model):
    """A day whose ``MessageTally`` rows have been written: the audit reads its tallies
    (today and days never rolled up are counted live). ``final`` once the tally was counted
    after the day had settled (receipts, replies and call outcomes come in late)."""

    day = models.DateField(primary_key=True)
    tallied_at = models.DateTimeField(default=timezone.now)
    final = models.BooleanField(default=False)

    class Meta:
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{self.day}{' (final)' if self.final else ''}"

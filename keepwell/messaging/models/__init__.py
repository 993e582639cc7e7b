"""Messaging: the one seam through which keepwell speaks to people, and hears back.

* ``Message``: the outbox. One row per recipient x channel, written in the transaction of
  the event that causes it, unique by ``idempotency_key`` (event, recipient, channel).
  Its states follow GOV.UK Notify's; each state it reaches is timed.
* ``InboundMessage`` and ``Receipt``: what came back (texts received, delivery receipts),
  every one kept (Notify keeps status for 7 days only).
* ``Preference`` and ``PurposeChoice``: how a person wants to be reached, and whether
  they agree to be reached at all for each purpose, on what lawful basis.
* ``Template``: the words, as data, per kind, channel and language, versioned, approved by
  a named reviewer before they send.
* ``Broadcast`` / ``BroadcastText``: one message to an audience, in several languages.
* ``HandLog`` and ``ChannelReview``: channels keepwell does not send itself (leaflets,
  WhatsApp groups, posters, radio) and the 12-month review of what worked.
* ``ProviderState`` and ``FakeSend``: the sender's shared throttle, and the local fake
  provider's record of what it would have sent.
"""

from __future__ import annotations

from datetime import time

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Channel(models.TextChoices):
    SMS = "sms", "Text message"
    EMAIL = "email", "Email"
    LETTER = "letter", "Letter"
    INBOX = "inbox", "keepwell inbox"
    PHONE = "phone", "Phone call by a coordinator"
    FHIR = "fhir", "FHIR message to another system"


# Channels a provider (GOV.UK Notify, or the local fake) sends; the rest are people's work.
PROVIDER_CHANNELS = (Channel.SMS, Channel.EMAIL, Channel.LETTER)
DIGITAL_CHANNELS = (Channel.SMS, Channel.EMAIL)
# Messages to other systems (a BaRS reply to a GP system): nobody's preferences, quiet
# hours or language, and none of the communication audit's figures about people.
SYSTEM_CHANNELS = (Channel.FHIR,)
PEOPLE_CHANNELS = tuple(c for c in Channel if c not in SYSTEM_CHANNELS)


class Purpose(models.TextChoices):
    CARE = "care", "About their own help, referral or wellbeing"
    VOLUNTEERING = "volunteering", "About the volunteering they do"
    WORK = "work", "About their work (staff, referrers, safeguarding contacts)"
    NEWS = "news", "News and broadcasts"


class LawfulBasis(models.TextChoices):
    CONSENT = "consent", "Consent (UK GDPR 6(1)(a))"
    PUBLIC_TASK = "public_task", "Public task (UK GDPR 6(1)(e))"
    LEGITIMATE_INTERESTS = "legitimate_interests", "Legitimate interests (UK GDPR 6(1)(f))"


# Each purpose's lawful basis, and whether someone is reached until they say otherwise
# (opt-out) or only once they have said yes (opt-in: news and broadcasts).
PURPOSE_BASIS = {
    Purpose.CARE: LawfulBasis.PUBLIC_TASK,
    Purpose.VOLUNTEERING: LawfulBasis.LEGITIMATE_INTERESTS,
    Purpose.WORK: LawfulBasis.LEGITIMATE_INTERESTS,
    Purpose.NEWS: LawfulBasis.CONSENT,
}
OPTED_IN_BY_DEFAULT = {
    Purpose.CARE: True,
    Purpose.VOLUNTEERING: True,
    Purpose.WORK: True,
    Purpose.NEWS: False,
}


class Status(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    DELIVERED = "delivered", "Delivered"
    PERMANENT_FAILURE = "permanent-failure", "Failed: not deliverable"
    TEMPORARY_FAILURE = "temporary-failure", "Failed: tried and gave up"
    TECHNICAL_FAILURE = "technical-failure", "Failed: technical problem"
    CANCELLED = "cancelled", "Cancelled"


FAILED = (Status.PERMANENT_FAILURE, Status.TEMPORARY_FAILURE, Status.TECHNICAL_FAILURE)
FINAL = (Status.DELIVERED, *FAILED, Status.CANCELLED)


class CallOutcome(models.TextChoices):
    GOT_THROUGH = "got_through", "Got through and passed the message on"
    LEFT_MESSAGE = "left_message", "Left a voicemail or a message with someone"
    NO_ANSWER = "no_answer", "No answer"
    WRONG_NUMBER = "wrong_number", "Wrong or unobtainable number"
    NO_NUMBER = "no_number", "No phone number: visit or write"


class MessageQuerySet(models.QuerySet):
    def inbox_for(self, user, org_ids):
        """In-app messages addressed to the user, or to an organisation they work for."""
        return self.filter(channel=Channel.INBOX).filter(
            Q(user=user) | Q(organisation_id__in=org_ids)
        )

    def unread(self):
        return self.filter(read_at__isnull=True)


class Message(models.Model):
    """One message to one recipient on one channel: the outbox row."""

    id = models.BigAutoField(primary_key=True)
    # Unique per event, recipient and channel: writing the same event twice adds nothing
    # (the constraint message_idempotency_key: a plain unique index, no LIKE index beside it).
    idempotency_key = models.CharField(max_length=255)
    event = models.CharField(max_length=120)
    kind = models.CharField(max_length=60)  # the template key, e.g. "task_offer"
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    urgent = models.BooleanField(default=False)

    # Who it is for: a person, a user, an organisation's staff, or a named contact.
    # The foreign keys' own indexes are left out where an index in Meta leads with the same
    # column or covers only the rows that have one: every index costs each event's insert.
    person = models.ForeignKey(
        "people.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # message_person
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # message_user_inbox
    )
    organisation = models.ForeignKey(
        "directory.Organisation",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # message_org_inbox
    )
    recipient_label = models.CharField(max_length=200, blank=True)
    # The address used: E.164 phone number or email; letters keep their lines in ``address``.
    to = models.CharField(max_length=320, blank=True)
    address = models.JSONField(default=list, blank=True)

    # Who is speaking, and to whom in the audit's terms.
    sender_organisation = models.ForeignKey(
        "directory.Organisation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # message_sender_organisation
    )
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # message_sent_by
    )
    audience = models.CharField(max_length=40, blank=True)
    area = models.ForeignKey(
        "places.Area", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    broadcast = models.ForeignKey(
        "Broadcast",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="messages",
        db_index=False,  # message_broadcast
    )
    # What it is about, by name and id (no foreign key across rooms): ("referral", 42).
    about_type = models.CharField(max_length=40, blank=True)
    about_id = models.BigIntegerField(null=True, blank=True)
    # The message whose failure led to this one (the next channel, or a phone call).
    fallback_of = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="fallbacks",
        db_index=False,  # message_fallback_of
    )

    # The words.
    language = models.CharField(max_length=12, default="en")
    # Not indexed: nothing looks messages up by template, and templates are versioned, not
    # deleted.
    template = models.ForeignKey(
        "Template",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    language_fallback = models.BooleanField(default=False)  # their language had no approved text
    large_print = models.BooleanField(default=False)
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=300, blank=True)
    # The placeholders' values, kept so a fallback channel can be written in its own words;
    # redacted with the body.
    context = models.JSONField(default=dict, blank=True)
    # Channels still to try, in the person's order, if this one fails for good.
    next_channels = models.JSONField(default=list, blank=True)
    sms_encoding = models.CharField(max_length=5, blank=True)  # "GSM-7" or "UCS-2"
    sms_parts = models.PositiveSmallIntegerField(default=0)
    cost_pence = models.PositiveIntegerField(default=0)  # estimated
    redacted_at = models.DateTimeField(null=True, blank=True)

    # Its life, each state timed.
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    status_detail = models.CharField(max_length=300, blank=True)
    queued_at = models.DateTimeField(default=timezone.now)
    sending_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # When it may next be tried: quiet hours, a schedule, or a retry's backoff.
    next_attempt_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveSmallIntegerField(default=0)
    lease_token = models.CharField(max_length=36, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    provider = models.CharField(max_length=20, blank=True)  # "notify", "fake", "inbox", "phone"
    provider_id = models.CharField(max_length=64, blank=True)  # index message_provider_id

    # What came of it.
    read_at = models.DateTimeField(null=True, blank=True)  # inbox
    replied_at = models.DateTimeField(null=True, blank=True)
    acted_at = models.DateTimeField(null=True, blank=True)  # offer answered, referral contacted
    call_outcome = models.CharField(max_length=20, choices=CallOutcome.choices, blank=True)
    call_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # message_call_by
    )
    call_at = models.DateTimeField(null=True, blank=True)
    call_notes = models.TextField(blank=True)

    objects = MessageQuerySet.as_manager()

    class Meta:
        ordering = ["-queued_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="message_due"),
            models.Index(fields=["queued_at"], name="message_queued_at"),
            models.Index(fields=["person", "queued_at"], name="message_person"),
            models.Index(fields=["channel", "status"], name="message_channel_status"),
            # Partial indexes hold only the rows that have the value, so the common insert
            # (a person's message, not yet sent) skips them. Each lookup names the column
            # with = or IN, which both databases take as "is not null".
            models.Index(
                fields=["user", "read_at"],
                name="message_user_inbox",
                condition=Q(user__isnull=False),
            ),
            models.Index(
                fields=["organisation", "read_at"],
                name="message_org_inbox",
                condition=Q(organisation__isnull=False),
            ),
            models.Index(
                fields=["about_type", "about_id"],
                name="message_about",
                condition=Q(about_id__isnull=False),
            ),
            models.Index(fields=["lease_token"], name="message_lease"),
            # The sender's rolling window: what went to a provider in the last minute.
            models.Index(
                fields=["provider", "sent_at"],
                name="message_sent_window",
                condition=Q(sent_at__isnull=False),
            ),
            models.Index(
                fields=["sent_by"], name="message_sent_by", condition=Q(sent_by__isnull=False)
            ),
            models.Index(
                fields=["fallback_of"],
                name="message_fallback_of",
                condition=Q(fallback_of__isnull=False),
            ),
            models.Index(
                fields=["call_by"], name="message_call_by", condition=Q(call_by__isnull=False)
            ),
            models.Index(
                fields=["broadcast"],
                name="message_broadcast",
                condition=Q(broadcast__isnull=False),
            ),
            models.Index(
                fields=["sender_organisation"],
                name="message_sender_organisation",
                condition=Q(sender_organisation__isnull=False),
            ),
            # Callbacks find a message by its provider's id (no LIKE index beside it).
            models.Index(fields=["provider_id"], name="message_provider_id"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["idempotency_key"], name="message_idempotency_key"),
            models.CheckConstraint(
                condition=Q(person__isnull=False)
                | Q(user__isnull=False)
                | Q(organisation__isnull=False)
                | ~Q(to=""),
                name="message_has_recipient",
            ),
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in Status]), name="message_status_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.kind} #{self.pk}: {self.status}"

    @property
    def is_final(self) -> bool:
        return self.status in FINAL

    @property
    def has_failed(self) -> bool:
        return self.status in FAILED

    @property
    def reference(self) -> str:
        """What Notify is told and answers with: the outbox id, never personal data."""
        return str(self.pk)


class Receipt(models.Model):
    """A delivery receipt, kept as it came (Notify keeps status for only 7 days)."""

    provider = models.CharField(max_length=20)
    provider_id = models.CharField(max_length=64)
    reference = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=30)
    message = models.ForeignKey(
        Message, on_delete=models.SET_NULL, null=True, blank=True, related_name="receipts"
    )
    payload = models.JSONField(default=dict)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "provider_id", "status"], name="receipt_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.provider_id}: {self.status}"


class InboundMessage(models.Model):
    """A text message received: a reply, an answer to an offer, STOP or START, or a plea."""

    class Handling(models.TextChoices):
        OFFER_YES = "offer_yes", "Accepted a task offer"
        OFFER_NO = "offer_no", "Declined a task offer"
        STOP = "stop", "Asked to stop messages"
        START = "start", "Asked to start messages again"
        HELP_REQUEST = "help_request", "Asked for help: a new request in triage"
        COORDINATORS = "coordinators", "For the coordinators to answer"
        KEYWORD = "keyword", "Handled by its first word (IDEA, ISSUE, ...)"

    provider = models.CharField(max_length=20)
    provider_id = models.CharField(max_length=64)
    from_number = models.CharField(max_length=30)  # E.164
    to_number = models.CharField(max_length=30, blank=True)
    body = models.TextField(blank=True)
    received_at = models.DateTimeField(default=timezone.now)
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    in_reply_to = models.ForeignKey(
        Message, on_delete=models.SET_NULL, null=True, blank=True, related_name="replies"
    )
    handled_as = models.CharField(max_length=20, choices=Handling.choices, blank=True)
    about_type = models.CharField(max_length=40, blank=True)
    about_id = models.BigIntegerField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    redacted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["person", "received_at"], name="inbound_person")]
        constraints = [
            models.UniqueConstraint(fields=["provider", "provider_id"], name="inbound_once")
        ]

    def __str__(self) -> str:
        return f"Text from {self.from_number} at {self.received_at:%Y-%m-%d %H:%M}"


class Preference(models.Model):
    """How a person would like to be reached. No row: keepwell works from their record."""

    person = models.OneToOneField(
        "people.Person", on_delete=models.CASCADE, related_name="messaging_preference"
    )
    # Channel codes in order of preference, e.g. ["sms", "letter"].
    channels = models.JSONField(default=list, blank=True)
    # Language codes in order of preference, e.g. ["pt", "en"].
    languages = models.JSONField(default=list, blank=True)
    large_print = models.BooleanField(default=False)
    quiet_from = models.TimeField(default=time(21, 0))
    quiet_until = models.TimeField(default=time(8, 0))
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    def __str__(self) -> str:
        return f"Messaging preferences of person {self.person_id}"


class PurposeChoice(models.Model):
    """A person's yes or no to being messaged for one purpose. The latest row stands."""

    class How(models.TextChoices):
        ONLINE = "online", "Online, by the person"
        PHONE = "phone", "By phone"
        IN_PERSON = "in_person", "In person"
        SMS = "sms", "By text message (STOP or START)"
        WRITTEN = "written", "In writing"
        ON_BEHALF = "on_behalf", "By someone acting for them"

    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="messaging_choices"
    )
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    allowed = models.BooleanField()
    lawful_basis = models.CharField(max_length=30, choices=LawfulBasis.choices)
    how = models.CharField(max_length=20, choices=How.choices)
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["person", "purpose", "at"], name="purpose_choice_latest")]

    def __str__(self) -> str:
        return f"{self.person_id} {self.purpose}: {'yes' if self.allowed else 'no'}"


class Template(models.Model):
    """The words for one kind of message, channel and language: a version, as data.

    Bodies use Notify's ``((placeholder))`` syntax. Only an approved version sends; the
    newest approved one wins. A translator fills in a draft, a named reviewer approves it.
    """

    class State(models.TextChoices):
        DRAFT = "draft", "Waiting for a translation"
        IN_REVIEW = "in_review", "Translated, waiting for review"
        APPROVED = "approved", "Approved"
        RETIRED = "retired", "Replaced by a newer version"

    key = models.CharField(max_length=60)
    # "" is any channel; a channel's own row (a text with YES or NO) wins over it.
    channel = models.CharField(max_length=10, choices=Channel.choices, blank=True)
    language = models.CharField(max_length=12)
    version = models.PositiveIntegerField(default=1)
    description = models.CharField(max_length=300, blank=True)  # for the translator
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField(blank=True)
    state = models.CharField(max_length=12, choices=State.choices, default=State.DRAFT)
    translated_by = models.CharField(max_length=120, blank=True)
    translated_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["key", "channel", "language", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["key", "channel", "language", "version"], name="template_version_once"
            ),
            models.CheckConstraint(
                condition=~Q(state="approved") | Q(reviewed_by__isnull=False),
                name="template_approved_has_reviewer",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key} / {self.channel} / {self.language} v{self.version}"


class Broadcast(models.Model):
    """One message to an audience the sender may reach, in several languages."""

    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        SCHEDULED = "scheduled", "Scheduled"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        CANCELLED = "cancelled", "Cancelled"

    title = models.CharField(max_length=200)
    purpose = models.CharField(max_length=20, choices=Purpose.choices, default=Purpose.NEWS)
    # Who it goes to: a kind ("volunteers", "group_members", "timebank_members",
    # "referred_to_service", "residents") and its parameters (area, skill, language...).
    audience_kind = models.CharField(max_length=40)
    audience_params = models.JSONField(default=dict, blank=True)
    link = models.URLField(max_length=300, blank=True)
    organisation = models.ForeignKey(
        "directory.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    state = models.CharField(max_length=12, choices=State.choices, default=State.DRAFT)
    scheduled_for = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    recipients = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


class BroadcastText(models.Model):
    """A broadcast's words in one language (English is always there)."""

    broadcast = models.ForeignKey(Broadcast, on_delete=models.CASCADE, related_name="texts")
    language = models.CharField(max_length=12)
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField()

    class Meta:
        ordering = ["language"]
        constraints = [
            models.UniqueConstraint(fields=["broadcast", "language"], name="broadcast_text_once")
        ]

    def __str__(self) -> str:
        return f"{self.broadcast_id} in {self.language}"


# The audit's and the providers' tables, and other rooms' translated words, live beside
# this module; callers import them here.
from keepwell.messaging.models.audit import (  # noqa: E402
    ChannelReview,
    Counted,
    HandChannel,
    HandLog,
    MessageTally,
    MonthTally,
    TalliedDay,
    Unreached,
)
from keepwell.messaging.models.providers import FakeSend, ProviderState  # noqa: E402
from keepwell.messaging.models.words import TranslatedWords  # noqa: E402

__all__ = [
    "ChannelReview",
    "Counted",
    "FakeSend",
    "HandChannel",
    "HandLog",
    "MessageTally",
    "MonthTally",
    "ProviderState",
    "TalliedDay",
    "TranslatedWords",
    "Unreached",
]

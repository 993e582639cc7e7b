"""Closed-loop referrals, both ways: the NHS to community services, the community to a GP
practice, and residents referring themselves.

"It's not good enough just to refer patients into the community": every change of status is
attributed, timed, and lands in the referrer's inbox, so whoever referred hears back.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from keepwell.people.models import ContactChannel


class Direction(models.TextChoices):
    TO_COMMUNITY = "to_community", "NHS to community"
    TO_PRACTICE = "to_practice", "Community to GP practice"
    SELF = "self", "Self-referral"


class Status(models.TextChoices):
    SENT = "sent", "Sent"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    CONTACTED = "contacted", "Contacted"
    ENGAGED = "engaged", "Engaged"
    COMPLETED = "completed", "Completed"
    CLOSED = "closed", "Closed"


# What may follow what. A referral ends declined, completed or closed.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    Status.SENT: (Status.ACCEPTED, Status.DECLINED, Status.CLOSED),
    Status.ACCEPTED: (Status.CONTACTED, Status.ENGAGED, Status.CLOSED),
    Status.CONTACTED: (Status.ENGAGED, Status.CLOSED),
    Status.ENGAGED: (Status.COMPLETED, Status.CLOSED),
    Status.DECLINED: (),
    Status.COMPLETED: (),
    Status.CLOSED: (),
}
OPEN_STATUSES = frozenset({Status.SENT, Status.ACCEPTED, Status.CONTACTED, Status.ENGAGED})
FINISHED_STATUSES = frozenset({Status.DECLINED, Status.COMPLETED, Status.CLOSED})
# The nhsuk-tag colour for each status.
STATUS_TAG = {
    Status.SENT: "nhsuk-tag--blue",
    Status.ACCEPTED: "nhsuk-tag--aqua-green",
    Status.DECLINED: "nhsuk-tag--red",
    Status.CONTACTED: "nhsuk-tag--purple",
    Status.ENGAGED: "nhsuk-tag--green",
    Status.COMPLETED: "nhsuk-tag--grey",
    Status.CLOSED: "nhsuk-tag--white",
}


class Urgency(models.TextChoices):
    ROUTINE = "routine", "Routine"
    SOON = "soon", "Soon (within a week)"
    URGENT = "urgent", "Urgent (within a day or two)"


class Theme(models.TextChoices):
    """What the conversation was about, for the service and for learning what works."""

    LONELINESS = "loneliness", "Loneliness or isolation"
    MENTAL_WELLBEING = "mental_wellbeing", "Low mood, worry or stress"
    MONEY = "money", "Money, benefits or debt"
    FOOD = "food", "Food"
    HOUSING = "housing", "Housing"
    PHYSICAL_ACTIVITY = "physical_activity", "Being active"
    CARING = "caring", "Caring for someone"
    BEREAVEMENT = "bereavement", "Bereavement"
    DIGITAL = "digital", "Getting online"
    WORK = "work", "Work, learning or volunteering"
    LONG_TERM_CONDITION = "long_term_condition", "Living with a long-term condition"
    PRACTICAL = "practical", "Practical help at home"


class AcceptsFrom(models.TextChoices):
    ANYONE = "anyone", "Anyone: NHS, community organisations and residents"
    NHS = "nhs", "NHS organisations only"
    LISTED = "listed", "Only the organisations listed"


class ReferralPolicy(models.Model):
    """A service's door: who may refer to it. Whether it accepts referrals at all and whether
    it is taking new people live on the directory's Service; this adds "from whom"."""

    service = models.OneToOneField(
        "directory.Service", on_delete=models.CASCADE, related_name="referral_policy"
    )
    accepts_from = models.CharField(
        "Who may refer", max_length=10, choices=AcceptsFrom.choices, default=AcceptsFrom.ANYONE
    )
    organisations = models.ManyToManyField(
        "directory.Organisation", blank=True, related_name="+", verbose_name="Organisations"
    )
    accepts_self_referrals = models.BooleanField("Residents may refer themselves", default=True)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"{self.service}: {self.get_accepts_from_display()}"


class ReferralQuerySet(models.QuerySet):
    def incoming_for(self, organisation_ids):
        return self.filter(to_organisation_id__in=organisation_ids)

    def outgoing_for(self, organisation_ids, user=None):
        q = Q(from_organisation_id__in=organisation_ids)
        if user is not None:
            q |= Q(referred_by=user)
        return self.filter(q)

    def open(self):
        return self.filter(status__in=OPEN_STATUSES)

    def visible_to(self, user):
        """The referrals ``user`` may open, in one query whatever their number: those they
        made, those of the organisations whose records they hold, and those about people whose
        records they may open (the people room's own query). See ``can_view_referral`` in
        ``keepwell/referrals/rules.py``."""
        from keepwell.accounts.rules import is_staff_role
        from keepwell.people.models import Person
        from keepwell.referrals.rules import record_org_ids

        if not user.is_authenticated:
            return self.none()
        if user.is_platform_admin:
            return self
        q = Q(referred_by=user)
        org_ids = record_org_ids(user)
        if org_ids:
            q |= Q(to_organisation_id__in=org_ids) | Q(from_organisation_id__in=org_ids)
        if is_staff_role(user):
            q |= Q(person__in=Person.objects.visible_to(user).values("pk"))
        return self.filter(q)

    def for_list(self):
        return self.select_related(
            "person", "service", "to_organisation", "from_organisation", "referred_by"
        )

    def for_inbox(self):
        """Only what an inbox row shows: a page of 25 stays cheap to build."""
        return self.select_related(
            "person", "service", "to_organisation", "from_organisation"
        ).only(
            "id",
            "direction",
            "status",
            "urgency",
            "sent_at",
            "accept_by",
            "referrer_label",
            "person_id",
            "person__given_name",
            "person__family_name",
            "service__name",
            "to_organisation__name",
            "from_organisation__name",
        )


class Referral(models.Model):
    uuid = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    direction = models.CharField(max_length=20, choices=Direction.choices)
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="referrals")
    # To a community service (to_community, self); empty for a request to a practice.
    service = models.ForeignKey(
        "directory.Service",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals",
    )
    # Who receives it: the service's organisation, or the practice. Kept for the inbox.
    to_organisation = models.ForeignKey(
        "directory.Organisation", on_delete=models.PROTECT, related_name="referrals_in"
    )
    from_organisation = models.ForeignKey(
        "directory.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals_out",
    )
    referred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals_made",
    )
    # Who referred, in words: kept if the account is renamed; for self-referrals, the person.
    referrer_label = models.CharField(max_length=200, blank=True)
    # Where it came from: "web", "self", "fhir", "help:34" (a doorstep concern).
    source = models.CharField(max_length=50, blank=True)

    reason = models.TextField("Why you are referring", blank=True)
    what_matters = models.TextField("What matters to them, in their words", blank=True)
    themes = models.JSONField(default=list, blank=True)
    needs = models.TextField("What they need", blank=True)
    urgency = models.CharField(max_length=10, choices=Urgency.choices, default=Urgency.ROUTINE)
    preferred_channel = models.CharField(
        "Best way to contact them",
        max_length=20,
        choices=ContactChannel.choices,
        default=ContactChannel.PHONE,
    )
    language = models.ForeignKey(
        "people.Language", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    needs_interpreter = models.BooleanField(default=False)
    safety_notes = models.TextField(
        "Anything the service must know to keep everyone safe", blank=True
    )
    consent = models.ForeignKey(
        "people.Consent", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SENT)
    status_changed_at = models.DateTimeField(default=timezone.now)
    decline_reason = models.TextField(blank=True)
    suggested_services = models.ManyToManyField(
        "directory.Service", blank=True, related_name="+", verbose_name="Suggested instead"
    )
    close_reason = models.TextField(blank=True)

    sent_at = models.DateTimeField(default=timezone.now)
    # The working-day clock, fixed when it is sent so the reminder job is one indexed filter.
    accept_by = models.DateTimeField()
    escalate_by = models.DateTimeField()
    reminded_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ReferralQuerySet.as_manager()

    class Meta:
        ordering = ["-sent_at", "-id"]
        indexes = [
            models.Index(
                fields=["to_organisation", "status", "-sent_at"], name="referral_inbox_in"
            ),
            models.Index(
                fields=["from_organisation", "status", "-sent_at"], name="referral_inbox_out"
            ),
            models.Index(fields=["status", "accept_by"], name="referral_clock"),
            # The inbox with no status filter: newest first within the organisation.
            models.Index(
                fields=["to_organisation", "-sent_at", "-id"], name="referral_inbox_in_recent"
            ),
            models.Index(
                fields=["from_organisation", "-sent_at", "-id"], name="referral_inbox_out_recent"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(direction="to_practice") | Q(service__isnull=False),
                name="referral_service_unless_to_practice",
            ),
        ]

    def __str__(self) -> str:
        return f"Referral {self.pk} of {self.person} to {self.service or self.to_organisation}"

    @property
    def destination(self) -> str:
        if self.service_id:
            return f"{self.service.name} ({self.to_organisation.name})"
        return self.to_organisation.name

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def status_tag(self) -> str:
        return STATUS_TAG.get(self.status, "")

    @property
    def is_overdue(self) -> bool:
        return self.status == Status.SENT and self.accept_by <= timezone.now()

    @property
    def theme_labels(self) -> list[str]:
        labels = dict(Theme.choices)
        return [labels.get(code, code) for code in self.themes]

    def next_statuses(self) -> tuple[str, ...]:
        return TRANSITIONS.get(self.status, ())


class ReferralEvent(models.Model):
    """One change in a referral's life: who, when, from what to what, and why."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    by_label = models.CharField(max_length=200)
    from_status = models.CharField(max_length=10, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=10, choices=Status.choices)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.referral_id}: {self.from_status or 'new'} → {self.to_status}"


class BarsMessage(models.Model):
    """A BaRS message in or out, kept whole: nothing the sender said is lost."""

    class Direction(models.TextChoices):
        IN = "in", "Received"
        OUT = "out", "Sent"

    direction = models.CharField(max_length=3, choices=Direction.choices)
    # The MessageHeader's id (the Bundle's id when the header has none).
    message_id = models.CharField(max_length=100)
    # e.g. servicerequest-request, servicerequest-response.
    event = models.CharField(max_length=80)
    # new, update, cancel, validation...
    reason = models.CharField(max_length=20, blank=True)
    referral = models.ForeignKey(
        Referral,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="bars_messages",
    )
    # The ServiceRequest.identifier value: how an update or cancel finds its referral.
    service_request_id = models.CharField(max_length=200, blank=True)
    sender_ods = models.CharField(max_length=20, blank=True)
    # MessageHeader.source.endpoint: where replies go.
    source_endpoint = models.CharField(max_length=500, blank=True)
    destination_endpoint = models.CharField(max_length=500, blank=True)
    # The whole Bundle as received or sent.
    body = models.JSONField()
    # The HTTP status we answered and what we answered (so a repeat gets the same).
    answer_status = models.PositiveSmallIntegerField(null=True, blank=True)
    answer = models.JSONField(null=True, blank=True)
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["direction", "message_id"], name="bars_message_once"),
        ]
        # An update or cancel finds its referral by the sender's ServiceRequest identifier.
        indexes = [
            models.Index(fields=["service_request_id", "sender_ods"], name="bars_message_request"),
        ]

    def __str__(self) -> str:
        return f"BaRS {self.direction} {self.event} {self.message_id}"

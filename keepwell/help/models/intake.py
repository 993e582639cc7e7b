"""Intake: the public form (and its per-address limit) and NHS lists."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from keepwell.help.models.needs import NeedType
from keepwell.help.models.requests import HelpRequest


class PublicRequestStatus(models.TextChoices):
    NEEDS_TRIAGE = "needs_triage", "Needs triage"
    ACCEPTED = "accepted", "Recorded as a request"
    DISMISSED = "dismissed", "Dismissed"


class PublicRequest(models.Model):
    """Someone asked on the public form. Kept apart from people's records until a
    coordinator triages it, so the form never reveals whether anybody is known to us."""

    organisation = models.ForeignKey(
        "directory.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100, blank=True)
    phone = models.CharField(max_length=30)
    email = models.EmailField(blank=True)
    address = models.CharField(max_length=300, blank=True)
    postcode = models.CharField(max_length=8)
    need_type = models.ForeignKey(NeedType, on_delete=models.PROTECT, related_name="+")
    details = models.TextField(blank=True)
    language = models.ForeignKey(
        "people.Language", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    form_language = models.CharField(max_length=10, default="en-gb")
    on_behalf = models.BooleanField(default=False)
    requester_name = models.CharField(max_length=200, blank=True)
    requester_phone = models.CharField(max_length=30, blank=True)
    requester_relationship = models.CharField(max_length=100, blank=True)
    area = models.ForeignKey(
        "places.Area", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # A keyed hash of the sender's address: enough to rate-limit, useless to anyone else.
    client_hash = models.CharField(max_length=64, db_index=True)
    status = models.CharField(
        max_length=20, choices=PublicRequestStatus.choices, default="needs_triage"
    )
    help_request = models.ForeignKey(
        HelpRequest, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    triaged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    triaged_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"Web request {self.pk}: {self.need_type}"


class NhsList(models.Model):
    """A list of people an NHS partner asked the group to call, and the basis for sharing it."""

    organisation = models.ForeignKey(
        "directory.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The group that will make the calls",
    )
    shared_by = models.ForeignKey(
        "directory.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The NHS organisation that shared the list",
    )
    lawful_basis = models.CharField(max_length=30)
    sharing_basis = models.CharField(
        max_length=300, help_text="The agreement or notice, e.g. 'Data sharing agreement DSA-12'"
    )
    filename = models.CharField(max_length=200)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)
    rows = models.PositiveIntegerField(default=0)
    people_created = models.PositiveIntegerField(default=0)
    requests_created = models.PositiveIntegerField(default=0)
    duplicates = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-uploaded_at"]

    def __str__(self) -> str:
        return f"{self.filename} from {self.shared_by}"


class PublicRequestThrottle(models.Model):
    """Every submission of the public form, even ones we discard, for the per-address limit."""

    client_hash = models.CharField(max_length=64)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["client_hash", "at"], name="throttle_client_at")]

    def __str__(self) -> str:
        return f"{self.client_hash[:8]} at {self.at}"

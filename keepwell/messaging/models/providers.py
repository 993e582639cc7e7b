"""The providers' shared state: the sender's throttle, and the local fake provider's record
of what it would have sent."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone


class ProviderState(models.Model):
    """One row per provider: the lock senders take to share the rate limit, and any pause
    a 429 asked for. Lives in the database so every worker on every node sees it."""

    provider = models.CharField(max_length=20, primary_key=True)
    paused_until = models.DateTimeField(null=True, blank=True)
    rate_limited = models.PositiveIntegerField(default=0)  # 429s seen, ever
    last_rate_limited_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.provider


class FakeSend(models.Model):
    """What the local fake provider would have sent (demo and tests): Notify's shape."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    api_key = models.CharField(max_length=40)  # limits are per key, as Notify's are
    reference = models.CharField(max_length=64, db_index=True)
    channel = models.CharField(max_length=10)
    to = models.CharField(max_length=320, blank=True)
    address = models.JSONField(default=list, blank=True)
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField(blank=True)
    precompiled = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=30, default="created")
    status_at = models.DateTimeField(null=True, blank=True)
    receipt_sent = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["api_key", "created_at"], name="fakesend_window"),
            models.Index(fields=["receipt_sent", "status_at"], name="fakesend_receipts"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.reference}: {self.status}"

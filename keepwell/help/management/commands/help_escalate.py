"""``keepwell help-escalate``: escalate unacknowledged doorstep concerns, for cron."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils import timezone

from keepwell.help.services import escalate_overdue_concerns


class Command(BaseCommand):
    help = "Escalate doorstep concerns that nobody acknowledged in time."

    def handle(self, *args, **options):
        count = escalate_overdue_concerns(timezone.now())
        self.stdout.write(f"Escalated {count} concern(s)")

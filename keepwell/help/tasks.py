"""Background work for mutual aid (django-tasks; ``keepwell scheduler`` enqueues it)."""

from __future__ import annotations

from django.utils import timezone
from django_tasks import task

from keepwell.help.services import escalate_overdue_concerns


@task()
def escalate_concerns() -> int:
    """Escalate every doorstep concern nobody acknowledged in time; returns how many."""
    return escalate_overdue_concerns(timezone.now())

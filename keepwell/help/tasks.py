"""Background work for mutual aid (django-tasks; ``keepwell scheduler`` enqueues it)."""

from __future__ import annotations

from django.utils import timezone
from django_tasks import task

from keepwell.help.messages import remind_before_tasks, warn_expiring_checks
from keepwell.help.services import escalate_overdue_concerns


@task()
def escalate_concerns() -> int:
    """Escalate every doorstep concern nobody acknowledged in time; returns how many."""
    return escalate_overdue_concerns(timezone.now())


@task()
def remind_volunteers() -> int:
    """Remind volunteers of the tasks they hold that start soon; returns how many."""
    return remind_before_tasks(timezone.now())


@task()
def warn_expiring() -> int:
    """Warn volunteers and their coordinators of checks about to expire; returns how many."""
    return warn_expiring_checks(timezone.now())

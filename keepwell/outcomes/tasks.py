"""Background work for outcomes (django-tasks; `keepwell scheduler` enqueues it)."""

from __future__ import annotations

from django_tasks import task

from keepwell.outcomes import services


@task()
def followup_reminders_task() -> int:
    return services.send_followup_reminders()

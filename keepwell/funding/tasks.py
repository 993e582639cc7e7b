"""Background work for funding (django-tasks; `keepwell scheduler` enqueues it)."""

from __future__ import annotations

from django_tasks import task

from keepwell.funding import services


@task()
def report_reminders_task() -> int:
    return services.send_report_reminders()

"""Background work for referrals (django-tasks; `keepwell scheduler` enqueues it)."""

from __future__ import annotations

from django_tasks import task

from keepwell.referrals import services


@task()
def remind_and_escalate_task() -> dict[str, int]:
    result = services.remind_and_escalate()
    return {"reminded": result.reminded, "escalated": result.escalated}

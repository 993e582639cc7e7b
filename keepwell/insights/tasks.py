"""Insights' periodic work: keep the monthly roll-ups current."""

from __future__ import annotations

from django_tasks import task

from keepwell.insights import services


@task()
def refresh_insights() -> int:
    """Recount last month and this one (every quarter of an hour, see apps.py)."""
    return services.refresh().rows

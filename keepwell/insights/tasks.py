"""Insights' periodic work: keep the monthly roll-ups current."""

from __future__ import annotations

from django.utils import timezone
from django_tasks import task

from keepwell.insights import figures, services


@task()
def refresh_insights() -> int:
    """Recount last month and this one (every quarter of an hour, see apps.py), then make
    the pages most asked for, so the first visitor after a refresh does not wait."""
    rows = services.refresh().rows
    figures.warm(timezone.localdate())
    return rows

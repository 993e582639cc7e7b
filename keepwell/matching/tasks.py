"""Background work for matching (django-tasks; ``keepwell scheduler`` enqueues it)."""

from __future__ import annotations

from django_tasks import task

from keepwell.matching.services import run_scheduled


@task()
def suggest_matches() -> int:
    """Suggest matches for every group with tasks waiting; returns how many runs were made.
    The proposals wait on the matching page for a coordinator or area lead to accept."""
    return run_scheduled()

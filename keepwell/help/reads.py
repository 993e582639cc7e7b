"""What a help page shows of people's details, recorded in the audit log: one row per
record listed, in one INSERT. The pages call these; they do not write the log themselves."""

from __future__ import annotations

from keepwell.audit.models import Action, Purpose
from keepwell.audit.services import record_many


def listed_requests(rows, *, by, summary: str) -> None:
    """Help requests (or public requests, or people) listed while arranging help."""
    record_many(by, Action.READ, rows, purpose=Purpose.HELP_REQUEST, summary=summary)


def listed_concerns(concerns, *, by) -> None:
    record_many(by, Action.READ, concerns, purpose=Purpose.SAFEGUARDING, summary="Listed concerns")

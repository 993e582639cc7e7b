"""Reads of members' time bank records, logged: the pages call these, never the audit log."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models

from keepwell.audit import services as audit
from keepwell.audit.models import Action, Purpose
from keepwell.timebank.services.membership import _audit


def record_read(by, obj: models.Model, summary: str, *, export: bool = False) -> None:
    """``by`` saw (or, with ``export``, downloaded) an account or an invitation; logged when
    it is a person's (an organisation's account and the chest are no one's)."""
    _audit(by, Action.EXPORT if export else Action.READ, obj, summary)


def record_listed(by, objs: Iterable[models.Model], summary: str) -> None:
    """``by`` saw these in a list: one row each, in one INSERT."""
    audit.record_many(by, Action.READ, objs, purpose=Purpose.TIMEBANK, summary=summary)

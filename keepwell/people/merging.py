"""Merging two records of one person: what each capability holds, and how it moves.

The people app owns the record but not the rooms built on it (help requests, referrals,
outcomes, time bank accounts). Each room that holds rows pointing at a person announces,
in its AppConfig, ``person_merge = PersonMerge(...)`` naming three functions of its own:

* ``holds(person) -> str``: what it holds for that person, in words ("2 help requests"),
  or "" for nothing; shown side by side before a merge.
* ``refusal(keep, duplicate) -> str``: why the merge cannot happen yet, in words a
  coordinator can act on, or "" when it can. Every room is asked before anything changes.
* ``move(keep, duplicate, *, by) -> str``: move its rows from the duplicate to the kept
  record, inside the merge's transaction, and say what moved ("" for nothing).

Functions are named by dotted path because an AppConfig is read before models load.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module

from django.apps import apps


def _function(path: str):
    module, _, name = path.rpartition(".")
    return getattr(import_module(module), name)


@dataclass(frozen=True)
class PersonMerge:
    room: str
    holds: str
    refusal: str
    move: str

    def held_by(self, person) -> str:
        return _function(self.holds)(person)

    def refuses(self, keep, duplicate) -> str:
        return _function(self.refusal)(keep, duplicate)

    def moved(self, keep, duplicate, *, by) -> str:
        return _function(self.move)(keep, duplicate, by=by)


def handlers() -> list[PersonMerge]:
    found = [
        config.person_merge
        for config in apps.get_app_configs()
        if getattr(config, "person_merge", None) is not None
    ]
    return sorted(found, key=lambda handler: handler.room)


def counted(count: int, one: str, many: str | None = None) -> str:
    """ "1 referral", "2 referrals"; "" for none, so empty rooms say nothing."""
    if not count:
        return ""
    return f"{count} {one if count == 1 else (many or one + 's')}"


def joined(*parts: str) -> str:
    return ", ".join(part for part in parts if part)


def moved_to_kept(rows, keep, duplicate, *, by, purpose: str, note: str = "") -> int:
    """Point each of a room's ``rows`` (locked, from the duplicate) at the kept record and
    audit each move; ``note`` adds to the audit line. The room calls it on its own rows."""
    # Imported here: AppConfigs import this module before the models are ready.
    from keepwell.audit import services as audit
    from keepwell.audit.models import Action

    summary = f"Moved from record {duplicate.pk} when it was merged into this one{note}"
    for row in rows:
        row.person = keep
        row.save(update_fields=["person"])
        audit.record(by, Action.UPDATE, row, person_id=keep.pk, purpose=purpose, summary=summary)
    return len(rows)

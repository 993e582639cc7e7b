"""One person's story in one list: what every capability did with them, newest first.

The capabilities announce their entries in their AppConfig (``timeline_sources``, see
``keepwell/core/timeline.py``); this room orders them and audits the read, and knows none
of them. What the person could give (their strengths) is this room's own source.
"""

from __future__ import annotations

from keepwell.audit import services as audit
from keepwell.audit.models import Action, Purpose
from keepwell.core.timeline import Entry, timeline_sources
from keepwell.people.models import Person


def strength_entries(person: Person, user) -> list[Entry]:
    return [
        Entry(
            at=strength.recorded_at,
            kind="Strength",
            title=f"Could give: {strength.get_kind_display().lower()}",
            detail=strength.description,
        )
        for strength in person.strengths.all()
    ]


def for_person(person: Person, *, by) -> list[Entry]:
    """Everything the user may see, newest first, and an audit row saying who read it and
    why (their own story, or someone's in their care)."""
    own = person.user_id == by.pk
    entries: list[Entry] = []
    for source in timeline_sources():
        if by.has_perm(source.permission, person):
            entries += source.entries_for(person, by)
    entries.sort(key=lambda e: e.at, reverse=True)
    audit.record(
        by,
        Action.READ,
        person,
        purpose=Purpose.SUBJECT_ACCESS if own else Purpose.DIRECT_CARE,
        summary=f"Read the timeline ({len(entries)} entries)",
    )
    return entries

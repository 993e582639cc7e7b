"""What a capability adds to a person's timeline (the people room shows it).

An AppConfig may define ``timeline_sources = [TimelineSource(...), ...]``. Each names, by
dotted path (an AppConfig is read before models load), a function of its own room
``entries(person, user) -> list[Entry]`` built from that room's models, and the permission
the user needs on the person to see them. The people room collects, orders and audits the
entries without knowing the rooms that give them, as it does for ``person_links``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from importlib import import_module

from django.apps import apps


@dataclass
class Entry:
    at: datetime
    kind: str  # "Referral", "Help", "Wellbeing answers", "Strength"
    title: str  # what a coordinator would say: "Asked for help with shopping"
    detail: str = ""
    url: str = ""
    tag: str = ""
    tag_class: str = ""


@dataclass(frozen=True)
class TimelineSource:
    label: str
    entries: str  # "keepwell.help.timeline.entries"
    permission: str  # checked on the person
    # Entries at the same moment keep the sources' order.
    order: int = 50

    def entries_for(self, person, user) -> list[Entry]:
        module, _, name = self.entries.rpartition(".")
        return getattr(import_module(module), name)(person, user)


def timeline_sources() -> list[TimelineSource]:
    found: list[TimelineSource] = []
    for config in apps.get_app_configs():
        found.extend(getattr(config, "timeline_sources", ()))
    return sorted(found, key=lambda s: (s.order, s.label))

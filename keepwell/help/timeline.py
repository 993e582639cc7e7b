"""A person's help requests and doorstep concerns as entries of their timeline
(``keepwell.people``)."""

from __future__ import annotations

from keepwell.core.timeline import Entry
from keepwell.help.models import Concern, HelpRequest

# The newest of each kind; someone helped weekly for years would otherwise fill the page.
_LIMIT = 100


def _in_a_sentence(name: str) -> str:
    """A need's name mid-sentence: "shopping", but "IT equipment" keeps its capitals."""
    first = name.split(" ", 1)[0]
    return name if first.isupper() else name[:1].lower() + name[1:]


def _request_entries(person) -> list[Entry]:
    requests = (
        HelpRequest.objects.filter(person=person)
        .select_related("need_type")
        .order_by("-created_at")[:_LIMIT]
    )
    return [
        Entry(
            at=request.created_at,
            kind="Help",
            title=f"Asked for help with {_in_a_sentence(request.need_type.name)}",
            tag=request.get_status_display(),
            tag_class="nhsuk-tag--grey",
        )
        for request in requests
    ]


def _concern_entries(person) -> list[Entry]:
    concerns = Concern.objects.filter(person=person).order_by("-raised_at")[:_LIMIT]
    return [
        Entry(
            at=concern.raised_at,
            kind="Help",
            title=f"Concern raised: {concern.get_kind_display().lower()}",
        )
        for concern in concerns
    ]


def entries(person, user) -> list[Entry]:
    found = _request_entries(person)
    # Concerns about the person's safety are not shown to the person themselves: that could
    # warn whoever the concern is about. Staff and the IG admin still see them.
    if person.user_id != user.pk:
        found += _concern_entries(person)
    return found

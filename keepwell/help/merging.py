"""Mutual aid's part of merging two records of one person (see keepwell/people/merging.py):
help requests and doorstep concerns move to the kept record."""

from __future__ import annotations

from keepwell.audit import services as audit
from keepwell.audit.models import Action, Purpose
from keepwell.help.models import Concern, HelpRequest, RequestStatus
from keepwell.people.merging import counted, joined, moved_to_kept


def holds(person) -> str:
    return joined(
        counted(HelpRequest.objects.filter(person=person).count(), "help request"),
        counted(Concern.objects.filter(person=person).count(), "doorstep concern"),
    )


def refusal(keep, duplicate) -> str:
    return ""


def move(keep, duplicate, *, by) -> str:
    """Move every request and concern. An open request for a need the kept record already
    has open is flagged as a possible duplicate of it, so no volunteer is sent twice until a
    coordinator merges the two requests or marks it 'not a duplicate'."""
    open_needs = dict(
        HelpRequest.objects.filter(person=keep, status=RequestStatus.OPEN)
        .order_by("-pk")
        .values_list("need_type_id", "pk")
    )
    moving = list(HelpRequest.objects.select_for_update().filter(person=duplicate).order_by("pk"))
    flagged = 0
    for request in moving:
        request.person = keep
        fields = ["person"]
        if (
            request.status == RequestStatus.OPEN
            and request.possible_duplicate_of_id is None
            and request.need_type_id in open_needs
        ):
            request.possible_duplicate_of_id = open_needs[request.need_type_id]
            fields.append("possible_duplicate_of")
            flagged += 1
        request.save(update_fields=fields)
        summary = f"Moved from record {duplicate.pk} when it was merged into this one"
        if "possible_duplicate_of" in fields:
            summary += f"; possible duplicate of #{request.possible_duplicate_of_id}"
        audit.record(
            by,
            Action.UPDATE,
            request,
            person_id=keep.pk,
            purpose=Purpose.ADMINISTRATION,
            summary=summary,
        )
    concerns = list(Concern.objects.select_for_update().filter(person=duplicate))
    # Safeguarding: recorded, and kept from the resident's own view of their log.
    moved_to_kept(concerns, keep, duplicate, by=by, purpose=Purpose.SAFEGUARDING)
    said = joined(counted(len(moving), "help request"), counted(len(concerns), "doorstep concern"))
    if flagged:
        said += f" ({flagged} flagged as a possible duplicate of an open request)"
    return said

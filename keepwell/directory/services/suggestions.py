"""Suggested changes to a listing, from anyone signed in, and the owner's decision."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from keepwell.directory.models import Service, Suggestion


@transaction.atomic
def suggest_change(subject, *, by, data: dict, changes: dict, note: str = "") -> Suggestion:
    service = subject if isinstance(subject, Service) else None
    org = service.organisation if service else subject
    return Suggestion.objects.create(
        organisation=org, service=service, suggested_by=by, data=data, changes=changes, note=note
    )


@transaction.atomic
def decide_suggestion(suggestion: Suggestion, *, by, accept: bool, reason: str = "") -> None:
    """Mark the decision. Accepting applies nothing here: the view re-validates the stored
    form data and calls update_service / update_organisation in the same transaction."""
    updated = Suggestion.objects.filter(pk=suggestion.pk, status=Suggestion.Status.PENDING).update(
        status=Suggestion.Status.ACCEPTED if accept else Suggestion.Status.REJECTED,
        decided_by=by,
        decided_at=timezone.now(),
        reason=reason,
    )
    if not updated:
        raise SuggestionAlreadyDecided("Someone has already decided on this suggestion")
    suggestion.refresh_from_db()


class SuggestionAlreadyDecided(Exception):
    pass


def suggestions_for_reviewer(user):
    from keepwell.accounts.models import Role

    pending = Suggestion.objects.filter(status=Suggestion.Status.PENDING).select_related(
        "organisation", "service", "suggested_by"
    )
    if user.is_platform_admin:
        return pending
    return pending.filter(organisation_id__in=user.organisation_ids(Role.COORDINATOR))

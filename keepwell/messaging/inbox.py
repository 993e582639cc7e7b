"""The in-app inbox: messages on the ``inbox`` channel for a user or their organisations.

A note may be about something another room owns ("referral", 42) and name its person, so
it shows only where that thing may be seen. Each room says how in its AppConfig::

    message_about = {"referral": "keepwell.referrals.queries.visible_referral_ids"}

a function of the user returning the ids (a subquery) they may see. A note about nothing,
or about a kind no room restricts, shows to everyone it is addressed to.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from django.apps import apps
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.module_loading import import_string

from keepwell.accounts.models import Role
from keepwell.messaging.models import Channel, Message, Status

# Who reads an organisation's inbox: those who work on its referrals, concerns and follow-ups.
INBOX_ROLES = (Role.NHS_CONNECTOR, Role.COORDINATOR, Role.AREA_LEAD)


@cache
def about_rules() -> dict[str, Callable[..., QuerySet]]:
    """Each room's visibility rule for the notes about its things, by ``about_type``."""
    found: dict[str, Callable[..., QuerySet]] = {}
    for config in apps.get_app_configs():
        for about_type, path in getattr(config, "message_about", {}).items():
            found[about_type] = import_string(path)
    return found


def inbox_org_ids(user) -> set[int]:
    if not user.is_authenticated:
        return set()
    cached = getattr(user, "_inbox_org_ids", None)
    if cached is None:
        cached = user.organisation_ids(*INBOX_ROLES)
        user._inbox_org_ids = cached
    return cached


def notes_for(user) -> QuerySet[Message]:
    """The inbox notes ``user`` may read, newest first: those for them and their
    organisations (each where its subject may be seen), and those for the person record
    they sign in as (always about themselves)."""
    if not user.is_authenticated:
        return Message.objects.none()
    visible = Q()
    for about_type, visible_ids in about_rules().items():
        visible &= ~Q(about_type=about_type) | Q(about_id__in=visible_ids(user))
    addressed = Q(user=user) | Q(organisation_id__in=inbox_org_ids(user))
    return (
        Message.objects.filter(channel=Channel.INBOX)
        .filter((addressed & visible) | Q(person__user=user))
        .exclude(status=Status.CANCELLED)
    )


def unread_count(user) -> int:
    return notes_for(user).unread().count()


@transaction.atomic
def mark_read(notes: QuerySet[Message], *, by) -> int:
    """Mark as read the unread notes among ``notes`` (those the reader was shown)."""
    ids = list(notes.unread().values_list("pk", flat=True))
    return Message.objects.filter(pk__in=ids, read_at__isnull=True).update(read_at=timezone.now())

"""Which outbox messages a member of staff may see, as one queryset."""

from __future__ import annotations

from django.db.models import Q

from keepwell.accounts.models import Role
from keepwell.messaging.models import Message
from keepwell.people.models import Person


def visible_messages(user):
    """Messages ``user`` may read in the outbox: those sent by or to an organisation they
    coordinate or connect for, those they sent or were sent, and those to people whose
    records they may open (``people.view_person``). Platform admins see everything.
    """
    if not user.is_authenticated:
        return Message.objects.none()
    if user.is_platform_admin:
        return Message.objects.all()
    q = Q(sent_by=user) | Q(user=user)
    org_ids = user.organisation_ids(Role.COORDINATOR, Role.NHS_CONNECTOR)
    if org_ids:
        q |= Q(sender_organisation_id__in=org_ids) | Q(organisation_id__in=org_ids)
    q |= Q(person_id__in=Person.objects.visible_to(user).values("pk"))
    return Message.objects.filter(q)

"""A service's door: whether it accepts referrals and is taking new people now.

The two fields belong to the directory's Service; referrals decides who may knock (its
ReferralPolicy) and opens or closes the door through here, never by saving a Service itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import transaction

from keepwell.directory.models import Service


@transaction.atomic
def set_door(service: Service, *, accepts_referrals: bool, taking_new_people: bool) -> Service:
    """Open or close the door, touching only its two fields (and when it was updated).
    Returns the service as it now is, read under a row lock."""
    service = Service.objects.select_for_update().get(pk=service.pk)
    service.accepts_referrals = accepts_referrals
    service.taking_new_people = taking_new_people
    service.save(update_fields=["accepts_referrals", "taking_new_people", "updated_at"])
    return service


@contextmanager
def held_open(service: Service) -> Iterator[None]:
    """The door open for the length of the block, then as it was, its update time untouched.

    For loading history only (the demos): a past referral was made while the service took
    people, even if it is full today."""
    was = (service.accepts_referrals, service.taking_new_people)
    Service.objects.filter(pk=service.pk).update(accepts_referrals=True, taking_new_people=True)
    try:
        yield
    finally:
        Service.objects.filter(pk=service.pk).update(
            accepts_referrals=was[0], taking_new_people=was[1]
        )

"""What every part of referrals shares: its refusals, its clock's settings, and how a
user is named and attributed (nobody when not signed in)."""

from __future__ import annotations

from django.conf import settings

from keepwell.audit.services import acting_user


class ReferralRefused(Exception):
    """The service's door is shut to this referral; the message says why, for people."""


class InvalidTransition(Exception):
    pass


def accept_working_days() -> int:
    return int(getattr(settings, "KEEPWELL_REFERRAL_ACCEPT_WORKING_DAYS", 3))


def escalate_working_days() -> int:
    return int(getattr(settings, "KEEPWELL_REFERRAL_ESCALATE_WORKING_DAYS", 5))


def _label(user) -> str:
    if user is None or not getattr(user, "is_authenticated", False):
        return "public (not signed in)"
    return str(user)


_actor = acting_user  # who acted, as a referral's columns record them

"""Referral use cases. Each runs in one transaction, writes the audit log, and closes the
loop: every change lands in the inbox of whoever made the referral, and the person hears, in
their language and channel, of the changes that matter to them (through messaging).

Other capabilities call :func:`refer_to_practice` (a doorstep concern asking a GP practice
for a review); strengths, what someone could give at the end of help, are the people room's
(:func:`keepwell.people.services.record_strengths`, re-exported here).

The parts: ``door`` (who may refer, and is anyone home), ``making`` (a referral made),
``status`` (the loop: it moves on and the other side hears), ``telling`` (the notes and
messages), ``reads`` (how to reach the person, and reads audited) and ``clock`` (remind,
then escalate); ``common`` holds what they share.
"""

from __future__ import annotations

from keepwell.people.services import record_strengths
from keepwell.referrals.services.clock import ClockResult, remind_and_escalate
from keepwell.referrals.services.common import (
    InvalidTransition,
    ReferralRefused,
    accept_working_days,
    escalate_working_days,
)
from keepwell.referrals.services.door import (
    Door,
    door_for,
    doors_for,
    policy_for,
    search_services,
    set_door,
)
from keepwell.referrals.services.making import (
    concern_source,
    create_referral,
    create_self_referral,
    practices,
    refer_concern_to_practice,
    refer_to_practice,
    referral_for_concern,
    referring_organisations,
)
from keepwell.referrals.services.reads import (
    HowToContact,
    how_to_contact,
    listed,
    people_to_refer,
    view_referral,
)
from keepwell.referrals.services.status import change_status
from keepwell.referrals.services.telling import (
    PERSON_HEARS,
    notify_receiver,
    notify_referrer,
    tell_the_person,
)

__all__ = [
    "PERSON_HEARS",
    "ClockResult",
    "Door",
    "HowToContact",
    "InvalidTransition",
    "ReferralRefused",
    "accept_working_days",
    "change_status",
    "concern_source",
    "create_referral",
    "create_self_referral",
    "door_for",
    "doors_for",
    "escalate_working_days",
    "how_to_contact",
    "listed",
    "notify_receiver",
    "notify_referrer",
    "people_to_refer",
    "policy_for",
    "practices",
    "record_strengths",
    "refer_concern_to_practice",
    "refer_to_practice",
    "referral_for_concern",
    "referring_organisations",
    "remind_and_escalate",
    "search_services",
    "set_door",
    "tell_the_person",
    "view_referral",
]

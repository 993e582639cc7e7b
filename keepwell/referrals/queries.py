"""What other rooms may ask of referrals without importing its models.

Messaging's inbox names a referral's person; ``visible_referral_ids`` keeps a note about a
referral to the users who may open that referral (``ReferralsConfig.message_about``).
"""

from __future__ import annotations

from django.db.models import QuerySet

from keepwell.referrals.models import Referral


def visible_referral_ids(user) -> QuerySet:
    """The ids of the referrals ``user`` may open, as a subquery (one query, any number)."""
    return Referral.objects.visible_to(user).values("pk")


def referral_of(person, referral_id: int) -> Referral | None:
    """This person's referral by its id, or None: for rooms that hang their work on one
    (outcomes' answers to a referral)."""
    return Referral.objects.filter(pk=referral_id, person=person).first()


def theme_labels() -> dict[str, str]:
    """What each referral theme is called, for figures counted by theme (insights)."""
    from keepwell.referrals.models import Theme

    return dict(Theme.choices)

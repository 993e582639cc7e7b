"""A person's referrals, both ways, as entries of their timeline (``keepwell.people``)."""

from __future__ import annotations

from django.urls import reverse

from keepwell.core.timeline import Entry
from keepwell.referrals.models import STATUS_TAG, Direction, Referral, Status


def entries(person, user) -> list[Entry]:
    """Every step of every referral of the person: made, accepted, contacted, closed."""
    found = []
    referrals = (
        Referral.objects.filter(person=person)
        .select_related("service", "to_organisation", "from_organisation")
        .prefetch_related("events")
    )
    for referral in referrals:
        url = reverse("referrals:detail", kwargs={"referral_id": referral.pk})
        if referral.direction == Direction.TO_PRACTICE:
            title = f"Asked {referral.to_organisation.name} for a review"
        elif referral.direction == Direction.SELF:
            title = f"Referred themselves to {referral.destination}"
        else:
            origin = referral.from_organisation.name if referral.from_organisation else ""
            title = f"Referred to {referral.destination}" + (f" by {origin}" if origin else "")
        for event in referral.events.all():
            status = Status(event.to_status)
            found.append(
                Entry(
                    at=event.at,
                    kind="Referral",
                    title=title if event.from_status == "" else f"{title}: {status.label.lower()}",
                    detail=event.note or (referral.what_matters if not event.from_status else ""),
                    url=url,
                    tag=status.label,
                    tag_class=STATUS_TAG.get(event.to_status, ""),
                )
            )
    return found

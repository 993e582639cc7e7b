"""What a claimant hears about their claim, through messaging (the one seam): approved,
rejected or paid. The words carry the reference, the amount and a link; the reason for a
rejection is read after signing in.

Called inside the deciding transaction, so a decision rolled back sends nothing, and the
same event twice adds nothing.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from keepwell.funding.expenses.models import money
from keepwell.messaging.models import Channel, Purpose
from keepwell.messaging.services import Sent, To, send


def _recipient(user) -> tuple[To, list[str] | None]:
    """Someone whose record is held is reached on their own channels (a text, a letter);
    anyone else in their keepwell inbox and by email."""
    person = getattr(user, "person", None)
    if person is not None:
        return To(person=person, audience="claimant"), None
    return To(user=user, audience="claimant"), [Channel.INBOX, Channel.EMAIL]


def tell_claimant(claim, kind: str, *, by=None) -> Sent:
    to, channels = _recipient(claim.claimant)
    url = f"{settings.SITE_URL.rstrip('/')}" + reverse(
        "expenses:claim", kwargs={"claim_id": claim.pk}
    )
    return send(
        event=f"{kind}:{claim.pk}",
        kind=kind,
        to=[to],
        purpose=Purpose.VOLUNTEERING,
        context={"reference": claim.reference, "amount": money(claim.total_pence()), "url": url},
        about=("expense_claim", claim.pk),
        url=url,
        by=by,
        sender_organisation_id=claim.organisation_id,
        channels=channels,
    )

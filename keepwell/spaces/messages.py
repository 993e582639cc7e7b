"""What spaces says, through messaging (the one seam).

* a group asked for a time: the owner's staff inbox hears (``tell_owner_requested``);
* the owner approved or declined it: whoever asked hears (``tell_group_decided``);
* one side cancelled: the other side hears (``tell_cancelled``).

Called inside the booking's transaction, so a refused or rolled-back booking sends nothing.
The words name the space and the time only; the group and the details are behind the link.
"""

from __future__ import annotations

from django.urls import reverse

from keepwell.messaging.models import Purpose
from keepwell.messaging.services import To, send
from keepwell.spaces.times import short


def _context(bookings) -> dict[str, str]:
    first = bookings[0]
    return {
        "space": first.space.name,
        "when": short(first.start, first.end),
        "weeks": str(len(bookings)),
    }


def _send(bookings, *, kind: str, event: str, to: list[To], by, extra=None) -> None:
    first = bookings[0]
    url = reverse("spaces:booking", kwargs={"booking_id": first.pk})
    send(
        event=f"spaces:{event}:{first.pk}",
        kind=kind,
        to=to,
        purpose=Purpose.WORK,
        context={**_context(bookings), **(extra or {})},
        about=("booking", first.pk),
        url=url,
        by=by,
    )


def tell_owner_requested(first, *, weeks: int, by) -> None:
    _send(
        [first] * weeks,
        kind="booking_requested",
        event="requested",
        to=[To(organisation_id=first.space.owner_id, audience="space owner")],
        by=by,
    )


def tell_group_decided(bookings, *, by) -> None:
    first = bookings[0]
    approved = first.status == first.Status.APPROVED
    _send(
        bookings,
        kind="booking_approved" if approved else "booking_declined",
        event=first.status,
        to=[To(user=first.requested_by, audience="space booker")],
        by=by,
        extra=None if approved else {"reason": first.decision_reason},
    )


def tell_cancelled(bookings, *, by, by_owner: bool) -> None:
    first = bookings[0]
    to = (
        To(user=first.requested_by, audience="space booker")
        if by_owner
        else To(organisation_id=first.space.owner_id, audience="space owner")
    )
    _send(bookings, kind="booking_cancelled", event="cancelled", to=[to], by=by)

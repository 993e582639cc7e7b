"""What the time bank says to its members, through messaging (the one seam).

* hours recorded by one member wait for the other to confirm: that member hears; a group
  exchange waits for a broker: the brokers hear (``tell_exchange_awaiting``);
* the other side (or a broker) confirmed them: the members who did not confirm hear
  (``tell_exchange_confirmed``);
* the brokers approved or declined someone's request to join: that person hears
  (``tell_membership_decided``); the reason stays with the brokers, who tell it themselves.

Called inside the ledger transaction, so a retried or rolled-back exchange leaves no message
behind, and the same event sent twice adds nothing. The words carry a link only: the hours,
the other member and what was done are read after signing in.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from keepwell.messaging.models import Purpose
from keepwell.messaging.services import Sent, To, send
from keepwell.timebank.models import Account, Exchange


def recipient(account: Account) -> To | None:
    """A person's account reaches them on their own channels; an organisation's, its staff's
    inbox; the community chest is nobody."""
    if account.kind == Account.Kind.PERSON and account.person_id is not None:
        return To(person=account.person, audience="member")
    if account.kind == Account.Kind.ORGANISATION and account.organisation_id is not None:
        return To(organisation_id=account.organisation_id, audience="member")
    return None


def _tell(exchange: Exchange, accounts, *, event: str, by) -> Sent:
    return _send(
        exchange, [r for r in (recipient(a) for a in accounts) if r is not None], event=event, by=by
    )


def _send(exchange: Exchange, to: list[To], *, event: str, by) -> Sent:
    if not to:
        return Sent()
    url = f"{settings.SITE_URL.rstrip('/')}" + reverse(
        "timebank:exchange", kwargs={"exchange_id": exchange.pk}
    )
    return send(
        event=event,
        kind="timebank_approval",
        to=to,
        purpose=Purpose.VOLUNTEERING,
        context={"url": url},
        about=("exchange", exchange.pk),
        url=url,
        by=by,
        sender_organisation_id=exchange.bank.organisation_id,
    )


def _brokers(exchange: Exchange) -> list[To]:
    """The bank's brokers: its organisation's staff inbox, and each named broker's own."""
    bank = exchange.bank
    to = [To(user=user, audience="coordinators") for user in bank.brokers.order_by("pk")]
    if bank.organisation_id is not None:
        to.insert(0, To(organisation_id=bank.organisation_id, audience="coordinators"))
    return to


def tell_exchange_awaiting(exchange: Exchange, *, by=None) -> Sent:
    """Hours recorded by one side wait for a yes: the member whose yes it needs hears, or,
    for a group exchange only a broker confirms, the brokers."""
    if exchange.state != Exchange.State.PENDING:
        return Sent()
    event = f"timebank_awaiting:{exchange.pk}"
    if exchange.awaiting_id is None:
        return _send(exchange, _brokers(exchange), event=event, by=by)
    awaiting = Account.objects.select_related("person").get(pk=exchange.awaiting_id)
    return _tell(exchange, [awaiting], event=event, by=by)


def tell_exchange_confirmed(exchange: Exchange, accounts, *, by=None) -> Sent:
    """Hours were confirmed: ``accounts`` (the members who did not confirm them) hear."""
    return _tell(exchange, accounts, event=f"timebank_confirmed:{exchange.pk}", by=by)


def tell_membership_decided(account: Account, *, by=None) -> Sent:
    """A person's request to join was approved or declined: they hear, on their channels."""
    to = recipient(account)
    if to is None or account.kind != Account.Kind.PERSON:
        return Sent()
    approved = account.status == Account.Status.APPROVED
    bank = account.bank
    if approved:
        path = reverse("timebank:account", kwargs={"account_id": account.pk})
    else:
        path = reverse("timebank:bank", kwargs={"slug": bank.slug})
    url = f"{settings.SITE_URL.rstrip('/')}{path}"
    return send(
        event=f"timebank_membership:{account.pk}:{account.status}",
        kind="timebank_welcome" if approved else "timebank_not_now",
        to=[to],
        purpose=Purpose.VOLUNTEERING,
        context={"bank": bank.name, "url": url},
        about=("timebank_account", account.pk),
        url=url,
        by=by,
        sender_organisation_id=bank.organisation_id,
    )

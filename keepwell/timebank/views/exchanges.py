"""Time bank pages: recording, confirming, cancelling and reversing exchanges, group
sessions, and the chest's donations and grants."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from keepwell.core.permissions import require
from keepwell.timebank import forms, services
from keepwell.timebank.models import Account, Exchange, TimeBank
from keepwell.timebank.views.common import (
    _account,
    _account_url,
    _act,
    _bank,
    _exchange,
    _exchange_url,
    _form_page,
    _is_broker,
    _or_refusal,
)


def _members_of(bank: TimeBank):
    return (
        Account.objects.filter(bank=bank)
        .approved()
        .members()
        .select_related("person", "organisation")
        .order_by("kind", "person__family_name", "person__given_name", "organisation__name")
    )


@login_required
def exchange_new(request, account_id: int):
    """Record time given or received by ``account``: by the member, or a broker for them."""
    account = _account(request, account_id, "timebank.trade")
    if account.kind == Account.Kind.CHEST:
        raise Http404("The community chest gives by grants, from the bank's page")
    as_broker = not services.acts_for(request.user, account)
    others = _members_of(account.bank).exclude(pk=account.pk)
    initial = {"key": services.new_key(), "direction": request.GET.get("direction", "")}
    if request.GET.get("with"):
        initial["other"] = request.GET["with"]
    form = forms.ExchangeForm(
        request.POST or None,
        initial=initial,
        others=others,
        for_name=account.name,
        earliest=account.bank.earliest_exchange_date(),
    )

    def save():
        data = form.cleaned_data
        giver, receiver = (
            (account, data["other"]) if data["direction"] == "gave" else (data["other"], account)
        )
        try:
            return services.record_exchange(
                giver=giver,
                receiver=receiver,
                minutes=data["minutes"],
                by=request.user,
                as_broker=as_broker,
                idempotency_key=data["key"],
                description=data["description"],
                category=data["category"],
                occurred_on=data["occurred_on"],
            )
        except services.LedgerError as exc:
            form.add_error(
                "minutes" if isinstance(exc, services.LimitExceeded) else None, exc.message
            )
            return None

    def success(exchange) -> str:
        if exchange.is_confirmed:
            return f"Recorded {exchange.minutes_display}."
        return (
            f"Recorded {exchange.minutes_display}. "
            f"It counts once {exchange.awaiting.name} confirms it."
        )

    intro = (
        f"You are recording for {account.name} as a broker: it counts straight away."
        if as_broker
        else "The other member is asked to confirm it; it counts once they do."
    )
    return _form_page(
        request,
        form,
        title="Record an exchange",
        back=_account_url(account),
        submit="Record exchange",
        intro=intro,
        save=save,
        success=success,
        redirect_to=_exchange_url,
    )


@login_required
def exchange_detail(request, exchange_id: int):
    exchange = _exchange(request, exchange_id)
    legs = list(
        exchange.movements.select_related("account__person", "account__organisation").order_by(
            "-minutes", "account_id"
        )
    )
    for leg in legs:
        services.record_read(request.user, leg.account, f"Viewed exchange {exchange.pk}")
    user = request.user
    is_broker = _is_broker(request, exchange.bank)
    return render(
        request,
        "timebank/exchange.html",
        {
            "exchange": exchange,
            "bank": exchange.bank,
            "legs": legs,
            "can_confirm": exchange.is_pending
            and user.has_perm("timebank.confirm_exchange", exchange),
            "can_cancel": exchange.is_pending
            and user.has_perm("timebank.cancel_exchange", exchange),
            "can_reverse": is_broker
            and exchange.is_confirmed
            and exchange.kind != Exchange.Kind.REVERSAL
            and not hasattr(exchange, "reversal"),
        },
    )


@login_required
@require_POST
def exchange_confirm(request, exchange_id: int):
    exchange = _exchange(request, exchange_id, "timebank.confirm_exchange")
    as_broker = not (exchange.awaiting and services.acts_for(request.user, exchange.awaiting))
    _act(
        request,
        lambda: services.confirm_exchange(exchange, by=request.user, as_broker=as_broker),
        f"Confirmed {exchange.minutes_display}.",
    )
    return redirect("timebank:exchange", exchange_id=exchange.pk)


@login_required
@require_POST
def exchange_cancel(request, exchange_id: int):
    exchange = _exchange(request, exchange_id, "timebank.cancel_exchange")
    parties = [m.account for m in exchange.movements.select_related("account__person")]
    as_broker = not any(services.acts_for(request.user, account) for account in parties)
    _act(
        request,
        lambda: services.cancel_exchange(exchange, by=request.user, as_broker=as_broker),
        "Cancelled.",
    )
    return redirect("timebank:exchange", exchange_id=exchange.pk)


@login_required
def exchange_reverse(request, exchange_id: int):
    exchange = _exchange(request, exchange_id)
    require(request, "timebank.broker", exchange.bank)
    form = forms.ReverseForm(request.POST or None)

    def reverse_it():
        return services.reverse_exchange(
            exchange, by=request.user, reason=form.cleaned_data["reason"]
        )

    return _form_page(
        request,
        form,
        title=f"Reverse exchange {exchange.pk}",
        back=_exchange_url(exchange),
        submit="Reverse exchange",
        intro=(
            f"A compensating exchange of {exchange.minutes_display} is recorded; the original "
            "stays on the ledger."
        ),
        save=_or_refusal(form, reverse_it),
        success=lambda reversal: f"Reversed. {reversal.minutes_display} put back.",
        redirect_to=_exchange_url,
    )


@login_required
def group_new(request, slug: str):
    """A class or session: one giver, many receivers, one exchange."""
    bank = _bank(request, slug, "timebank.view_listings")
    is_broker = _is_broker(request, bank)
    members = _members_of(bank)
    givers = members if is_broker else members.of_user(request.user)
    form = forms.GroupExchangeForm(
        request.POST or None, initial={"key": services.new_key()}, givers=givers, members=members
    )

    def record():
        data = form.cleaned_data
        return services.record_group_exchange(
            giver=data["giver"],
            receivers=list(data["receivers"]),
            minutes_each=data["minutes_each"],
            by=request.user,
            as_broker=is_broker,
            idempotency_key=data["key"],
            description=data["description"],
            category=data["category"],
        )

    return _form_page(
        request,
        form,
        title="Record a class or group session",
        back=reverse("timebank:bank", args=[bank.slug]),
        submit="Record session",
        intro=(
            "Everyone who took part gives the same time to the person who led it."
            + ("" if is_broker else " A broker confirms it.")
        ),
        save=_or_refusal(form, record),
        success=lambda exchange: f"Group exchange of {exchange.minutes_display} recorded.",
        redirect_to=_exchange_url,
    )


@login_required
def donate(request, account_id: int):
    account = _account(request, account_id, "timebank.trade")
    if account.kind == Account.Kind.CHEST:
        raise Http404("The community chest cannot give to itself")
    form = forms.DonateForm(request.POST or None, initial={"key": services.new_key()})

    def give():
        return services.donate_to_chest(
            donor=account,
            minutes=form.cleaned_data["minutes"],
            by=request.user,
            as_broker=not services.acts_for(request.user, account),
            idempotency_key=form.cleaned_data["key"],
        )

    return _form_page(
        request,
        form,
        title="Give time to the community chest",
        back=_account_url(account),
        submit="Give time",
        intro=f"{account.name} has {account.balance_minutes}. "
        "The chest helps members who cannot give time back yet.",
        save=_or_refusal(form, give, "minutes"),
        success=lambda exchange: f"Thank you: {exchange.minutes_display} given to the chest.",
        redirect_to=_account_url(account),
    )


@login_required
def grant(request, slug: str):
    bank = _bank(request, slug, "timebank.broker")
    chest = services.chest_of(bank)
    form = forms.GrantForm(
        request.POST or None, initial={"key": services.new_key()}, members=_members_of(bank)
    )

    def grant_it():
        data = form.cleaned_data
        return services.grant_from_chest(
            receiver=data["receiver"],
            minutes=data["minutes"],
            by=request.user,
            idempotency_key=data["key"],
            reason=data["reason"],
        )

    return _form_page(
        request,
        form,
        title="Grant time from the community chest",
        back=reverse("timebank:bank", args=[bank.slug]),
        submit="Grant time",
        intro=f"The chest holds {chest.balance_minutes}.",
        save=_or_refusal(form, grant_it, "minutes"),
        success=lambda exchange: f"Granted {exchange.minutes_display}.",
        redirect_to=_exchange_url,
    )

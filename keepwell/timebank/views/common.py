"""What every time bank page shares: finding the bank, account or exchange the URL
names (refused unless the user may see it) and the form page."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.contrib import messages
from django.shortcuts import get_object_or_404
from django.urls import reverse

from keepwell.core.pages import form_page
from keepwell.core.permissions import require
from keepwell.timebank import services
from keepwell.timebank.models import Account, Exchange, TimeBank

T = TypeVar("T")


def _bank(request, slug: str, perm: str = "timebank.view_bank") -> TimeBank:
    bank = get_object_or_404(TimeBank.objects.select_related("organisation"), slug=slug)
    require(request, perm, bank)
    return bank


def _account(request, account_id: int, perm: str = "timebank.view_account") -> Account:
    account = get_object_or_404(
        Account.objects.select_related("bank", "person", "organisation"), pk=account_id
    )
    require(request, perm, account)
    return account


def _exchange(request, exchange_id: int, perm: str = "timebank.view_exchange") -> Exchange:
    exchange = get_object_or_404(
        Exchange.objects.select_related("bank", "awaiting__person", "reverses"), pk=exchange_id
    )
    require(request, perm, exchange)
    return exchange


def _is_broker(request, bank: TimeBank) -> bool:
    return request.user.has_perm("timebank.broker", bank)


def _form_page(
    request, form, *, title: str, save, success, redirect_to, back: str = "", submit="Save", **extra
):
    """A time bank form on ``timebank/form.html``: ``core.pages.form_page`` (a valid POST
    calls ``save``, says ``success`` and goes to ``redirect_to``; else the form again)."""
    context = {"title": title, "back": back, "submit": submit, **extra}
    return form_page(
        request,
        form,
        "timebank/form.html",
        context,
        save=save,
        success=success,
        redirect_to=redirect_to,
    )


def _or_refusal(form, call: Callable[[], T], field: str | None = None) -> Callable[[], T | None]:
    """``call`` as a form page's ``save``: a refusal by the ledger (``LedgerError``) is shown
    on the form, on ``field`` or above it, and the form is shown again."""

    def save() -> T | None:
        try:
            return call()
        except services.LedgerError as exc:
            form.add_error(field, exc.message)
            return None

    return save


def _act(request, call: Callable[[], object], success: str) -> None:
    """Run ``call`` for a button's POST and say how it went: ``success``, or why the ledger
    refused."""
    try:
        call()
    except services.LedgerError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, success)


def _account_url(account: Account) -> str:
    return reverse("timebank:account", args=[account.pk])


def _exchange_url(exchange: Exchange) -> str:
    return reverse("timebank:exchange", args=[exchange.pk])

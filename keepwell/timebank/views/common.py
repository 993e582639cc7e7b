"""What every time bank page shares: finding the bank, account or exchange the URL
names (refused unless the user may see it) and the form page."""

from __future__ import annotations

from django.shortcuts import get_object_or_404, render

from keepwell.core.forms import form_status
from keepwell.core.permissions import require
from keepwell.timebank.models import Account, Exchange, TimeBank


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


def _form_page(request, form, *, title: str, back: str = "", submit: str = "Save", **extra):
    context = {"form": form, "title": title, "back": back, "submit": submit, **extra}
    return render(request, "timebank/form.html", context, status=form_status(form))

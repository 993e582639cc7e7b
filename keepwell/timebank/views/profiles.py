"""Time bank pages: a member's profile, their offers and needs, and finding them."""

from __future__ import annotations

from collections import defaultdict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from keepwell.core.forms import form_status
from keepwell.core.permissions import require
from keepwell.timebank import forms, services
from keepwell.timebank.models import Account, Category, Exchange, Listing, Movement
from keepwell.timebank.views.common import (
    _account,
    _account_url,
    _bank,
    _form_page,
    _is_broker,
    _or_refusal,
)


def _by_category(listings) -> list[dict]:
    labels = dict(Category.choices)
    groups: dict[str, list] = defaultdict(list)
    for item in listings:
        groups[item.category].append(item)
    return [
        {"label": labels.get(cat, cat), "items": items} for cat, items in sorted(groups.items())
    ]


@login_required
def account_detail(request, account_id: int):
    account = _account(request, account_id)
    services.record_read(request.user, account, "Viewed time bank profile")
    listings = list(account.listings.filter(withdrawn_at__isnull=True).order_by("title", "id"))
    recent = list(
        Movement.objects.filter(account=account)
        .exclude(exchange__state=Exchange.State.CANCELLED)
        .select_related("exchange")
        .order_by("-exchange__recorded_at", "-exchange_id")[:20]
    )
    to_confirm = list(
        Exchange.objects.filter(awaiting=account, state=Exchange.State.PENDING).order_by(
            "recorded_at"
        )
    )
    bank = account.bank
    return render(
        request,
        "timebank/account.html",
        {
            "account": account,
            "bank": bank,
            "offers": _by_category(i for i in listings if i.kind == Listing.Kind.OFFER),
            "needs": _by_category(i for i in listings if i.kind == Listing.Kind.NEED),
            "recent": recent,
            "to_confirm": to_confirm,
            "can_change": request.user.has_perm("timebank.change_account", account),
            "can_trade": request.user.has_perm("timebank.trade", account),
            "is_broker": _is_broker(request, bank),
        },
    )


@login_required
def account_edit(request, account_id: int):
    account = _account(request, account_id, "timebank.change_account")
    initial = {
        "postcode": account.postcode,
        "about": account.about,
        "earn_help_hours": account.earn_help_hours,
    }
    form = forms.ProfileForm(request.POST or None, initial=initial)
    if account.kind != Account.Kind.PERSON:
        del form.fields["earn_help_hours"]

    def save():
        return services.update_profile(
            account,
            by=request.user,
            postcode=form.cleaned_data["postcode"],
            about=form.cleaned_data["about"],
            earn_help_hours=form.cleaned_data.get("earn_help_hours", False),
        )

    return _form_page(
        request,
        form,
        title=f"Change {account.name}'s time bank profile",
        back=_account_url(account),
        save=save,
        success="Profile saved.",
        redirect_to=_account_url(account),
    )


@login_required
def listing_add(request, account_id: int):
    account = _account(request, account_id, "timebank.change_account")
    initial = {"kind": request.GET.get("kind", "")}
    form = forms.ListingForm(request.POST or None, initial=initial)
    return _form_page(
        request,
        form,
        title=f"Add an offer or a need for {account.name}",
        back=_account_url(account),
        submit="Add",
        save=_or_refusal(
            form, lambda: services.add_listing(account, by=request.user, **form.cleaned_data)
        ),
        success=lambda listing: f"Added: {listing.title}.",
        redirect_to=_account_url(account),
    )


@login_required
@require_POST
def listing_withdraw(request, listing_id: int):
    listing = get_object_or_404(Listing.objects.select_related("account__bank"), pk=listing_id)
    require(request, "timebank.change_listing", listing)
    services.withdraw_listing(listing, by=request.user)
    messages.success(request, f"Withdrawn: {listing.title}.")
    return redirect("timebank:account", account_id=listing.account_id)


@login_required
def find(request, slug: str):
    """Offers and needs near me: by kind, category and distance from a postcode."""
    bank = _bank(request, slug, "timebank.view_listings")
    mine = Account.objects.filter(bank=bank).of_user(request.user).exclude(postcode="").first()
    initial_postcode = mine.postcode if mine else ""
    data = request.GET.copy() if request.GET else None
    if data is not None and "postcode" not in data:
        data["postcode"] = initial_postcode
    form = forms.FindForm(data, initial={"postcode": initial_postcode, "km": 3})
    kind = category = ""
    postcode, km = initial_postcode, 3
    if data is not None and form.is_valid():
        kind = form.cleaned_data["kind"]
        category = form.cleaned_data["category"]
        postcode = form.cleaned_data["postcode"]
        km = form.cleaned_data["km"] or 3
    found = (
        []
        if form.errors
        else services.listings_near(
            bank, postcode=postcode or None, km=km, kind=kind, category=category
        )
    )
    services.record_listed(
        request.user,
        [item for item, _ in found if item.account.person_id],
        "Listed in find offers and needs",
    )
    return render(
        request,
        "timebank/find.html",
        {"bank": bank, "form": form, "found": found, "postcode": postcode, "km": km},
        status=form_status(form),
    )

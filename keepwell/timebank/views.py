"""Time bank pages. Thin: parse, authorise (rules.py), call a service, render."""

from __future__ import annotations

from collections import defaultdict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from keepwell.core import csvio
from keepwell.core.forms import form_status
from keepwell.core.permissions import require
from keepwell.people.models import Person
from keepwell.timebank import forms, services
from keepwell.timebank.minutes import Minutes
from keepwell.timebank.models import (
    Account,
    Category,
    Exchange,
    GiveInvitation,
    Listing,
    Movement,
    TimeBank,
)


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


# --- banks and joining -------------------------------------------------------------------


@login_required
def index(request):
    require(request, "timebank.use_timebank")
    mine = list(
        Account.objects.of_user(request.user)
        .select_related("bank", "person", "organisation")
        .order_by("bank__name", "kind")
    )
    brokered = list(TimeBank.objects.brokered_by(request.user))
    taken = {a.bank_id for a in mine} | {b.pk for b in brokered}
    others = TimeBank.objects.exclude(pk__in=taken)
    return render(
        request,
        "timebank/index.html",
        {"mine": mine, "brokered": brokered, "others": others},
    )


@login_required
def bank_detail(request, slug: str):
    bank = _bank(request, slug)
    mine = list(
        Account.objects.filter(bank=bank)
        .of_user(request.user)
        .select_related("person", "organisation")
    )
    is_broker = _is_broker(request, bank)
    context = {
        "bank": bank,
        "mine": mine,
        "is_broker": is_broker,
        "is_member": any(a.is_approved for a in mine),
        "chest": services.chest_of(bank),
    }
    if is_broker:
        context["pending_members"] = Account.objects.filter(bank=bank).pending().count()
        context["waiting_exchanges"] = Exchange.objects.filter(
            bank=bank, state=Exchange.State.PENDING
        ).count()
    return render(request, "timebank/bank.html", context)


def _join_choices(request, bank: TimeBank) -> list[tuple[str, str]]:
    from keepwell.accounts.models import Role
    from keepwell.directory.models import Organisation

    taken = Account.objects.filter(bank=bank).exclude(status=Account.Status.DECLINED)
    choices = []
    person = Person.objects.filter(user=request.user).first()
    if person is not None and not taken.filter(person=person).exists():
        choices.append((f"person:{person.pk}", f"Me ({person.full_name})"))
    org_ids = request.user.organisation_ids(Role.COORDINATOR, Role.NHS_CONNECTOR)
    for org in Organisation.objects.filter(pk__in=org_ids).exclude(
        pk__in=taken.values("organisation")
    ):
        choices.append((f"organisation:{org.pk}", org.name))
    return choices


@login_required
def join(request, slug: str):
    bank = _bank(request, slug)
    choices = _join_choices(request, bank)
    form = forms.JoinForm(request.POST or None, choices=choices)
    if request.method == "POST" and choices and form.is_valid():
        kind, _, pk = form.cleaned_data["who"].partition(":")
        owner = {}
        if kind == "person":
            owner["person"] = get_object_or_404(Person, pk=pk, user=request.user)
        else:
            from keepwell.directory.models import Organisation

            owner["organisation"] = get_object_or_404(Organisation, pk=pk)
        account = services.apply_to_join(
            bank,
            by=request.user,
            postcode=form.cleaned_data["postcode"],
            about=form.cleaned_data["about"],
            **owner,
        )
        messages.success(
            request, f"Thank you. A broker of {bank} will look at the request for {account.name}."
        )
        return redirect("timebank:bank", slug=bank.slug)
    return render(
        request,
        "timebank/join.html",
        {"bank": bank, "form": form, "choices": choices},
        status=form_status(form),
    )


@login_required
def add_member(request, slug: str):
    bank = _bank(request, slug, "timebank.broker")
    people = (
        Person.objects.visible_to(request.user)
        .exclude(timebank_accounts__bank=bank)
        .order_by("family_name", "given_name")
    )
    form = forms.AddMemberForm(request.POST or None, people=people)
    if request.method == "POST" and form.is_valid():
        account = services.add_member(
            bank,
            by=request.user,
            person=form.cleaned_data["person"],
            postcode=form.cleaned_data["postcode"],
            about=form.cleaned_data["about"],
            consent_how=form.cleaned_data["consent_how"],
        )
        messages.success(request, f"{account.name} is now a member.")
        return redirect("timebank:account", account_id=account.pk)
    return _form_page(
        request,
        form,
        title=f"Add a member to {bank}",
        back=reverse("timebank:bank", args=[bank.slug]),
        submit="Add member",
        intro="For someone who joins by phone or in person: you record everything for them.",
    )


@login_required
def approvals(request, slug: str):
    """Everything waiting for a broker: members to approve, exchanges to confirm (any side
    may be a member without a computer), and exchanges flagged past a limit."""
    bank = _bank(request, slug, "timebank.broker")
    pending = list(
        Account.objects.filter(bank=bank)
        .pending()
        .select_related("person", "organisation", "applied_by")
        .order_by("applied_at", "id")
    )
    waiting = list(
        Exchange.objects.filter(bank=bank, state=Exchange.State.PENDING)
        .prefetch_related("movements__account__person", "movements__account__organisation")
        .order_by("recorded_at", "id")[:100]
    )
    flagged = list(
        Exchange.objects.filter(bank=bank, flagged=True)
        .confirmed()
        .prefetch_related("movements__account__person", "movements__account__organisation")
        .order_by("-confirmed_at", "-id")[:50]
    )
    services.record_listed(
        request.user, [a for a in pending if a.person_id], "Listed as waiting for approval"
    )
    return render(
        request,
        "timebank/approvals.html",
        {
            "bank": bank,
            "pending": pending,
            "waiting": waiting,
            "flagged": flagged,
            "decision_form": forms.DecisionForm(),
        },
    )


@login_required
@require_POST
def decide(request, account_id: int):
    account = _account(request, account_id, "timebank.broker")
    form = forms.DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose approve or decline.")
        return redirect("timebank:approvals", slug=account.bank.slug)
    approve = form.cleaned_data["decision"] == "approve"
    try:
        services.decide_membership(
            account, by=request.user, approve=approve, note=form.cleaned_data["note"]
        )
    except services.LedgerError as exc:
        messages.error(request, exc.message)
    else:
        verb = "approved" if approve else "declined"
        messages.success(request, f"{account.name}: membership {verb}.")
    return redirect("timebank:approvals", slug=account.bank.slug)


# --- a member's profile ------------------------------------------------------------------


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
    if request.method == "POST" and form.is_valid():
        services.update_profile(
            account,
            by=request.user,
            postcode=form.cleaned_data["postcode"],
            about=form.cleaned_data["about"],
            earn_help_hours=form.cleaned_data.get("earn_help_hours", False),
        )
        messages.success(request, "Profile saved.")
        return redirect("timebank:account", account_id=account.pk)
    return _form_page(
        request,
        form,
        title=f"Change {account.name}'s time bank profile",
        back=reverse("timebank:account", args=[account.pk]),
    )


@login_required
def listing_add(request, account_id: int):
    account = _account(request, account_id, "timebank.change_account")
    initial = {"kind": request.GET.get("kind", "")}
    form = forms.ListingForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            listing = services.add_listing(account, by=request.user, **form.cleaned_data)
        except services.LedgerError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"Added: {listing.title}.")
            return redirect("timebank:account", account_id=account.pk)
    return _form_page(
        request,
        form,
        title=f"Add an offer or a need for {account.name}",
        back=reverse("timebank:account", args=[account.pk]),
        submit="Add",
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


# --- exchanges ---------------------------------------------------------------------------


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
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        giver, receiver = (
            (account, data["other"]) if data["direction"] == "gave" else (data["other"], account)
        )
        try:
            exchange = services.record_exchange(
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
        else:
            if exchange.is_confirmed:
                messages.success(request, f"Recorded {exchange.minutes_display}.")
            else:
                messages.success(
                    request,
                    f"Recorded {exchange.minutes_display}. "
                    f"It counts once {exchange.awaiting.name} confirms it.",
                )
            return redirect("timebank:exchange", exchange_id=exchange.pk)
    intro = (
        f"You are recording for {account.name} as a broker: it counts straight away."
        if as_broker
        else "The other member is asked to confirm it; it counts once they do."
    )
    return _form_page(
        request,
        form,
        title="Record an exchange",
        back=reverse("timebank:account", args=[account.pk]),
        submit="Record exchange",
        intro=intro,
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
    try:
        services.confirm_exchange(exchange, by=request.user, as_broker=as_broker)
    except services.LedgerError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Confirmed {exchange.minutes_display}.")
    return redirect("timebank:exchange", exchange_id=exchange.pk)


@login_required
@require_POST
def exchange_cancel(request, exchange_id: int):
    exchange = _exchange(request, exchange_id, "timebank.cancel_exchange")
    parties = [m.account for m in exchange.movements.select_related("account__person")]
    as_broker = not any(services.acts_for(request.user, account) for account in parties)
    try:
        services.cancel_exchange(exchange, by=request.user, as_broker=as_broker)
    except services.LedgerError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Cancelled.")
    return redirect("timebank:exchange", exchange_id=exchange.pk)


@login_required
def exchange_reverse(request, exchange_id: int):
    exchange = _exchange(request, exchange_id)
    require(request, "timebank.broker", exchange.bank)
    form = forms.ReverseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            reversal = services.reverse_exchange(
                exchange, by=request.user, reason=form.cleaned_data["reason"]
            )
        except services.LedgerError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"Reversed. {reversal.minutes_display} put back.")
            return redirect("timebank:exchange", exchange_id=reversal.pk)
    return _form_page(
        request,
        form,
        title=f"Reverse exchange {exchange.pk}",
        back=reverse("timebank:exchange", args=[exchange.pk]),
        submit="Reverse exchange",
        intro=(
            f"A compensating exchange of {exchange.minutes_display} is recorded; the original "
            "stays on the ledger."
        ),
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
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            exchange = services.record_group_exchange(
                giver=data["giver"],
                receivers=list(data["receivers"]),
                minutes_each=data["minutes_each"],
                by=request.user,
                as_broker=is_broker,
                idempotency_key=data["key"],
                description=data["description"],
                category=data["category"],
            )
        except services.LedgerError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"Group exchange of {exchange.minutes_display} recorded.")
            return redirect("timebank:exchange", exchange_id=exchange.pk)
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
    )


@login_required
def donate(request, account_id: int):
    account = _account(request, account_id, "timebank.trade")
    if account.kind == Account.Kind.CHEST:
        raise Http404("The community chest cannot give to itself")
    form = forms.DonateForm(request.POST or None, initial={"key": services.new_key()})
    if request.method == "POST" and form.is_valid():
        try:
            exchange = services.donate_to_chest(
                donor=account,
                minutes=form.cleaned_data["minutes"],
                by=request.user,
                as_broker=not services.acts_for(request.user, account),
                idempotency_key=form.cleaned_data["key"],
            )
        except services.LedgerError as exc:
            form.add_error("minutes", exc.message)
        else:
            messages.success(request, f"Thank you: {exchange.minutes_display} given to the chest.")
            return redirect("timebank:account", account_id=account.pk)
    return _form_page(
        request,
        form,
        title="Give time to the community chest",
        back=reverse("timebank:account", args=[account.pk]),
        submit="Give time",
        intro=f"{account.name} has {account.balance_minutes}. "
        "The chest helps members who cannot give time back yet.",
    )


@login_required
def grant(request, slug: str):
    bank = _bank(request, slug, "timebank.broker")
    chest = services.chest_of(bank)
    form = forms.GrantForm(
        request.POST or None, initial={"key": services.new_key()}, members=_members_of(bank)
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            exchange = services.grant_from_chest(
                receiver=data["receiver"],
                minutes=data["minutes"],
                by=request.user,
                idempotency_key=data["key"],
                reason=data["reason"],
            )
        except services.LedgerError as exc:
            form.add_error("minutes", exc.message)
        else:
            messages.success(request, f"Granted {exchange.minutes_display}.")
            return redirect("timebank:exchange", exchange_id=exchange.pk)
    return _form_page(
        request,
        form,
        title="Grant time from the community chest",
        back=reverse("timebank:bank", args=[bank.slug]),
        submit="Grant time",
        intro=f"The chest holds {chest.balance_minutes}.",
    )


# --- reciprocity -------------------------------------------------------------------------


@login_required
def suggestions(request, slug: str):
    bank = _bank(request, slug, "timebank.view_listings")
    is_broker = _is_broker(request, bank)
    account = None
    if not is_broker:
        account = Account.objects.filter(bank=bank).approved().of_user(request.user).first()
    found = services.suggestions(bank, account=account)
    shown = {s.need.pk: s.need for s in found} | {s.offer.pk: s.offer for s in found}
    services.record_listed(
        request.user,
        [item for item in shown.values() if item.account.person_id],
        "Listed in reciprocity suggestions",
    )
    return render(
        request,
        "timebank/suggestions.html",
        {"bank": bank, "found": found, "account": account, "is_broker": is_broker},
    )


@login_required
def help_hours(request, account_id: int):
    """A volunteer who chose to earn hours claims them for help tasks they finished."""
    account = _account(request, account_id, "timebank.change_account")
    if account.kind != Account.Kind.PERSON or not account.earn_help_hours:
        messages.info(request, "Turn on “Earn hours for help tasks” in the profile first.")
        return redirect("timebank:account_edit", account_id=account.pk)
    tasks = services.help_tasks_to_claim(account)
    choices = [
        (t.pk, f"{t.request.need_type.name}, finished {t.finished_at:%-d %b %Y}") for t in tasks
    ]
    form = forms.HelpHoursForm(request.POST or None, tasks=choices)
    if request.method == "POST" and form.is_valid():
        task = next(t for t in tasks if t.pk == form.cleaned_data["task"])
        try:
            exchange = services.credit_help_task(
                volunteer_user=account.person.user,
                receiver_person=task.request.person,
                minutes=form.cleaned_data["minutes"],
                task_ref=str(task.pk),
                by=request.user,
                via="web",
            )
        except services.LedgerError as exc:
            form.add_error("minutes", exc.message)
        else:
            if exchange is not None and exchange.is_confirmed:
                messages.success(request, f"{exchange.minutes_display} earned. Thank you.")
            else:
                messages.success(request, "Recorded: a broker will confirm it.")
            return redirect("timebank:account", account_id=account.pk)
    return render(
        request,
        "timebank/help_hours.html",
        {"account": account, "bank": account.bank, "form": form, "tasks": tasks},
        status=form_status(form),
    )


@login_required
def invite_list(request, slug: str):
    """People who received help and have strengths on record: invite them to give."""
    bank = _bank(request, slug, "timebank.broker")
    people = services.people_to_invite(bank, request.user)
    page = Paginator(people, 25).get_page(request.GET.get("page"))
    services.record_listed(request.user, page.object_list, "Listed as someone to invite to give")
    invitations = (
        GiveInvitation.objects.filter(bank=bank)
        .select_related("person")
        .order_by("-invited_at")[:25]
    )
    return render(
        request,
        "timebank/invite_list.html",
        {"bank": bank, "page": page, "invitations": invitations, "form": forms.InviteForm()},
    )


@login_required
@require_POST
def invite(request, slug: str, person_id: int):
    bank = _bank(request, slug, "timebank.broker")
    person = get_object_or_404(Person.objects.visible_to(request.user), pk=person_id)
    form = forms.InviteForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    invitation = services.invite_to_give(bank, person, by=request.user, note=note)
    messages.success(request, f"{person.full_name} is invited to give.")
    return redirect("timebank:invitation", invitation_id=invitation.pk)


@login_required
def invitation(request, invitation_id: int):
    item = get_object_or_404(
        GiveInvitation.objects.select_related("bank", "person"), pk=invitation_id
    )
    require(request, "timebank.answer_invitation", item)
    person = item.person
    as_broker = person.user_id != request.user.pk
    form = forms.AnswerForm(request.POST or None, strengths=person.strengths.all())
    waiting = item.response == GiveInvitation.Response.WAITING
    if request.method == "POST" and waiting and form.is_valid():
        accept = form.cleaned_data["answer"] == "yes"
        services.answer_invitation(
            item,
            by=request.user,
            accept=accept,
            strengths=form.cleaned_data["strengths"],
            as_broker=as_broker,
        )
        messages.success(request, "Thank you." if accept else "Answer saved.")
        return redirect("timebank:invitation", invitation_id=item.pk)
    services.record_read(request.user, item, "Viewed an invitation to give")
    return render(
        request,
        "timebank/invitation.html",
        {"invitation": item, "bank": item.bank, "form": form, "as_broker": as_broker},
        status=form_status(form),
    )


# --- broker tools ------------------------------------------------------------------------


@login_required
def inactive(request, slug: str):
    """Members with no exchange in N months: someone to phone."""
    bank = _bank(request, slug, "timebank.broker")
    form = forms.InactiveForm(request.GET or None, initial={"months": 3})
    months = form.cleaned_data["months"] if request.GET and form.is_valid() else 3
    page = Paginator(services.inactive_members(bank, months=months), 50).get_page(
        request.GET.get("page")
    )
    services.record_listed(
        request.user,
        [a for a in page.object_list if a.person_id],
        f"Listed as inactive for {months} months",
    )
    return render(
        request,
        "timebank/inactive.html",
        {"bank": bank, "form": form, "page": page, "months": months},
        status=form_status(form),
    )


def _statement(request, account: Account):
    form = forms.StatementForm(request.GET or None)
    since = until = None
    if request.GET and form.is_valid():
        since, until = form.cleaned_data["since"], form.cleaned_data["until"]
    opening, lines, closing = services.statement(account, since=since, until=until)
    return form, opening, lines, closing, since, until


@login_required
def statement(request, account_id: int):
    account = _account(request, account_id)
    form, opening, lines, closing, since, until = _statement(request, account)
    services.record_read(request.user, account, "Viewed a time bank statement")
    return render(
        request,
        "timebank/statement.html",
        {
            "account": account,
            "bank": account.bank,
            "form": form,
            "opening": Minutes(opening),
            "lines": lines,
            "closing": Minutes(closing),
            "since": since,
            "until": until,
            "query": request.GET.urlencode(),
        },
        status=form_status(form),
    )


@login_required
def statement_csv(request, account_id: int):
    account = _account(request, account_id)
    form, opening, lines, closing, _since, _until = _statement(request, account)
    if form.errors:
        return HttpResponse("Check the dates.", status=400, content_type="text/plain")
    services.record_read(
        request.user, account, "Downloaded a time bank statement (CSV)", export=True
    )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="statement-{account.bank.slug}-{account.pk}.csv"'
    )
    writer = csvio.Writer(response)
    writer.writerow(
        ["date", "exchange", "kind", "with", "description", "minutes", "balance_minutes"]
    )
    writer.writerow(["", "", "opening balance", "", "", "", opening])
    for line in lines:
        exchange = line.movement.exchange
        writer.writerow(
            [
                exchange.occurred_on.isoformat(),
                exchange.pk,
                exchange.get_kind_display(),
                line.movement.others,
                exchange.reason or exchange.description,
                line.movement.minutes,
                line.balance,
            ]
        )
    writer.writerow(["", "", "closing balance", "", "", "", closing])
    return response


@login_required
def bank_settings(request, slug: str):
    """A broker sets the bank's rules: balance limits and how far back exchanges go."""
    bank = _bank(request, slug, "timebank.broker")
    form = forms.SettingsForm(request.POST or None, bank=bank)
    if request.method == "POST" and form.is_valid():
        services.update_settings(bank, by=request.user, **form.cleaned_data)
        messages.success(request, "The bank's settings are saved.")
        return redirect("timebank:bank", slug=bank.slug)
    return render(
        request,
        "timebank/form.html",
        {
            "form": form,
            "bank": bank,
            "title": f"Settings for {bank.name}",
            "intro": "They apply to exchanges recorded from now on.",
            "back": reverse("timebank:bank", kwargs={"slug": bank.slug}),
        },
        status=form_status(form),
    )


@login_required
def report(request, slug: str):
    bank = _bank(request, slug, "timebank.broker")
    return render(request, "timebank/report.html", {"bank": bank, "report": services.report(bank)})

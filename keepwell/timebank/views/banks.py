"""Time bank pages: the banks, joining, and a broker's approvals."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from keepwell.core.pages import form_page
from keepwell.core.permissions import require
from keepwell.people.models import Person
from keepwell.timebank import forms, services
from keepwell.timebank.models import Account, Exchange, TimeBank
from keepwell.timebank.views.common import (
    _account,
    _account_url,
    _act,
    _bank,
    _form_page,
    _is_broker,
)


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

    def save():
        kind, _, pk = form.cleaned_data["who"].partition(":")
        owner = {}
        if kind == "person":
            owner["person"] = get_object_or_404(Person, pk=pk, user=request.user)
        else:
            from keepwell.directory.models import Organisation

            owner["organisation"] = get_object_or_404(Organisation, pk=pk)
        return services.apply_to_join(
            bank,
            by=request.user,
            postcode=form.cleaned_data["postcode"],
            about=form.cleaned_data["about"],
            **owner,
        )

    return form_page(
        request,
        form,
        "timebank/join.html",
        {"bank": bank, "choices": choices},
        save=save,
        success=lambda account: (
            f"Thank you. A broker of {bank} will look at the request for {account.name}."
        ),
        redirect_to=reverse("timebank:bank", args=[bank.slug]),
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

    def save():
        return services.add_member(
            bank,
            by=request.user,
            person=form.cleaned_data["person"],
            postcode=form.cleaned_data["postcode"],
            about=form.cleaned_data["about"],
            consent_how=form.cleaned_data["consent_how"],
        )

    return _form_page(
        request,
        form,
        title=f"Add a member to {bank}",
        back=reverse("timebank:bank", args=[bank.slug]),
        submit="Add member",
        intro="For someone who joins by phone or in person: you record everything for them.",
        save=save,
        success=lambda account: f"{account.name} is now a member.",
        redirect_to=_account_url,
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
    note = form.cleaned_data["note"]
    _act(
        request,
        lambda: services.decide_membership(account, by=request.user, approve=approve, note=note),
        f"{account.name}: membership {'approved' if approve else 'declined'}.",
    )
    return redirect("timebank:approvals", slug=account.bank.slug)

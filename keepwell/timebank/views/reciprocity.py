"""Time bank pages: suggestions, hours for help tasks, and invitations to give."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from keepwell.core.forms import form_status
from keepwell.core.pages import form_page
from keepwell.core.permissions import require
from keepwell.people.models import Person
from keepwell.timebank import forms, services
from keepwell.timebank.models import Account, GiveInvitation
from keepwell.timebank.views.common import (
    _account,
    _account_url,
    _bank,
    _is_broker,
    _or_refusal,
)


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

    def claim():
        task = next(t for t in tasks if t.pk == form.cleaned_data["task"])
        return services.credit_help_task(
            volunteer_user=account.person.user,
            receiver_person=task.request.person,
            minutes=form.cleaned_data["minutes"],
            task_ref=str(task.pk),
            by=request.user,
            via="web",
        )

    def success(exchange) -> str:
        if exchange is not None and exchange.is_confirmed:
            return f"{exchange.minutes_display} earned. Thank you."
        return "Recorded: a broker will confirm it."

    return form_page(
        request,
        form,
        "timebank/help_hours.html",
        {"account": account, "bank": account.bank, "tasks": tasks},
        save=_or_refusal(form, claim, "minutes"),
        success=success,
        redirect_to=_account_url(account),
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

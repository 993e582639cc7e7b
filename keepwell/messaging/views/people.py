"""A person's messaging preferences, and the calls coordinators make when nothing else
reaches someone. Thin: parse, authorise, call a service, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render

from keepwell.core.forms import form_status
from keepwell.core.permissions import require
from keepwell.messaging import calls, preferences
from keepwell.messaging.models import Channel, Message, Purpose
from keepwell.messaging.person_forms import CallForm, PreferencesForm
from keepwell.people.models import Language, Person


def _person(request, person_id: int, perm: str) -> Person:
    person = get_object_or_404(Person.objects.select_related("user"), pk=person_id)
    require(request, perm, person)
    if person.merged_into_id is not None:
        raise Http404("This record was merged into another")
    return person


def _initial(person) -> dict:
    preference = preferences.current(person)
    initial = {
        "large_print": preference.large_print,
        "quiet_from": preference.quiet_from,
        "quiet_until": preference.quiet_until,
        "how": "phone",
    }
    for index, channel in enumerate(preference.channels[:4]):
        initial[f"channel_{index}"] = channel
    for index, code in enumerate(preference.languages[:3]):
        initial[f"language_{index}"] = code
    for row in preferences.standing(person):
        initial[f"purpose_{row.purpose}"] = "yes" if row.allowed else "no"
    return initial


@login_required
def person_preferences(request, person_id: int):
    person = _person(request, person_id, "messaging.edit_preferences")
    own = person.user_id == request.user.pk
    languages = list(Language.objects.order_by("name").values_list("code", "name"))
    form = PreferencesForm(
        request.POST or None, initial=_initial(person), person=person, languages=languages
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        preferences.set_preferences(
            person,
            by=request.user,
            channels=data["channels"],
            languages=data["languages"],
            large_print=data["large_print"],
            quiet_from=data["quiet_from"],
            quiet_until=data["quiet_until"],
            purposes=data["purposes"],
            how="online" if own else data["how"],
        )
        messages.success(request, "How to contact them is saved.")
        return redirect("messaging:preferences", person_id=person.pk)
    if request.method != "POST":
        preferences.view_preferences(person, by=request.user)
    return render(
        request,
        "messaging/preferences.html",
        {
            "form": form,
            "person": person,
            "own": own,
            "standing": preferences.standing(person),
            "purposes": Purpose,
        },
        status=form_status(form),
    )


@login_required
def call_list(request):
    require(request, "messaging.make_calls")
    waiting = (
        calls.calls_for(request.user)
        .select_related("person", "sender_organisation")
        .order_by("-urgent", "next_attempt_at", "id")
    )
    page = Paginator(waiting, 50).get_page(request.GET.get("page"))
    return render(request, "messaging/calls.html", {"page": page})


@login_required
def call_detail(request, message_id: int):
    require(request, "messaging.make_calls")
    message = get_object_or_404(
        calls.calls_for(request.user).select_related("person", "fallback_of"),
        pk=message_id,
        channel=Channel.PHONE,
    )
    form = CallForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            calls.record_call(
                message,
                outcome=form.cleaned_data["outcome"],
                notes=form.cleaned_data["notes"],
                by=request.user,
            )
        except calls.CallError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Call recorded.")
            return redirect("messaging:calls")
    if request.method != "POST":
        calls.view_call(message, by=request.user)
    tried = (
        Message.objects.filter(pk=message.fallback_of_id).first()
        if message.fallback_of_id
        else None
    )
    return render(
        request,
        "messaging/call.html",
        {"message": message, "form": form, "tried": tried},
        status=form_status(form),
    )

"""Referral pages: thin. Parse, authorise, call a service, render."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from keepwell.core.forms import form_status
from keepwell.core.http import safe_next
from keepwell.core.i18n import keep_language, public_language
from keepwell.core.permissions import require
from keepwell.directory.forms import SearchForm
from keepwell.directory.models import Service
from keepwell.help.queries import visible_concern
from keepwell.messaging.inbox import unread_count
from keepwell.messaging.systems import system_messages_about
from keepwell.people.models import Person
from keepwell.referrals import forms, services
from keepwell.referrals.models import Referral, Status
from keepwell.referrals.rules import referral_org_ids, statuses_for


def _person(request, person_id: int, perm: str) -> Person:
    person = get_object_or_404(
        Person.objects.select_related("gp_practice", "area", "user"), pk=person_id
    )
    require(request, perm, person)
    return person


def _referral(request, referral_id: int, perm: str = "referrals.view_referral") -> Referral:
    referral = get_object_or_404(
        Referral.objects.for_list().select_related("consent", "consent__recorded_by", "language"),
        pk=referral_id,
    )
    require(request, perm, referral)
    return referral


def _working_org_ids(user) -> set[int]:
    return referral_org_ids(user)


# --- Inbox --------------------------------------------------------------------------------


@login_required
def inbox(request):
    require(request, "referrals.view_inbox")
    user = request.user
    box = "outgoing" if request.GET.get("box") == "outgoing" else "incoming"
    org_ids = _working_org_ids(user)
    everything = user.is_platform_admin and not org_ids
    # An area lead works on their organisation's inbox, but sees in it only the referrals
    # they may open (of people in their area): the same rule as every referral page.
    if box == "incoming":
        referrals = (
            Referral.objects.all()
            if everything
            else Referral.objects.incoming_for(org_ids).visible_to(user)
        )
        service_choices = Service.objects.filter(organisation_id__in=org_ids)
    else:
        referrals = (
            Referral.objects.all()
            if everything
            else Referral.objects.outgoing_for(org_ids, user).visible_to(user)
        )
        service_choices = Service.objects.filter(
            pk__in=referrals.exclude(service=None).values("service_id")
        )
    if everything:
        service_choices = Service.objects.all()
    form = forms.InboxFilterForm(
        request.GET or None, services=service_choices.only("id", "name").order_by("name")
    )
    if form.is_valid():
        status = form.cleaned_data["status"]
        if status == "open":
            referrals = referrals.open()
        elif status == "overdue":
            referrals = referrals.filter(status=Status.SENT, accept_by__lte=timezone.now())
        elif status:
            referrals = referrals.filter(status=status)
        if form.cleaned_data["age"]:
            older = timezone.now() - timedelta(days=int(form.cleaned_data["age"]))
            referrals = referrals.filter(sent_at__lte=older)
        if form.cleaned_data["service"]:
            referrals = referrals.filter(service=form.cleaned_data["service"])
    page = Paginator(referrals.for_inbox().order_by("-sent_at", "-id"), 25).get_page(
        request.GET.get("page")
    )
    services.listed(page.object_list, by=user, box=box)
    doors = (
        Service.objects.filter(organisation_id__in=org_ids)
        .only("id", "name", "accepts_referrals", "taking_new_people")
        .order_by("name")
    )
    return render(
        request,
        "referrals/inbox.html",
        {
            "box": box,
            "form": form,
            "page": page,
            "doors": doors,
            "unread": unread_count(user),
            "now": timezone.now(),
        },
    )


# --- Finding a service and referring ------------------------------------------------------


def _picker_context(request, person=None):
    """The directory's own search (words, near a postcode, kind, activity, language, day),
    each result with its door: whether this referrer may refer there now, and if not why.
    Referring someone, the search starts near their postcode, phone and online included."""
    searched = bool(set(request.GET) & set(SearchForm.base_fields))
    form = SearchForm(request.GET if searched else None)
    if not searched and person is not None and person.postcode:
        near = SearchForm({"postcode": person.postcode, "radius": "5", "include_remote": "on"})
        if near.is_valid():  # a postcode the directory cannot place: search without it
            form = near
    page = form.results(
        request.GET.get("page"),
        public=not request.user.has_perm("directory.view_confidential_address"),
    )
    found = page.results if page else []
    orgs = services.referring_organisations(request.user)
    doors = services.doors_for([r.service.pk for r in found], orgs[0] if orgs else None)
    results = [(r.service, doors[r.service.pk], r.distance_km) for r in found]
    return {
        "form": form,
        "page": page,
        "located": form.located,
        "results": results,
        "person": person,
    }


@login_required
def find_service(request):
    require(request, "referrals.find_service")
    context = _picker_context(request)
    pick = forms.PersonPickForm(request.GET or None)
    people = []
    if pick.is_valid() and pick.cleaned_data["who"]:
        people = services.people_to_refer(pick.cleaned_data["who"], by=request.user)
    return render(
        request,
        "referrals/find_service.html",
        {**context, "pick": pick, "people": people},
        status=form_status(context["form"]),
    )


@login_required
def refer_start(request, person_id: int):
    person = _person(request, person_id, "referrals.make_referral")
    context = _picker_context(request, person)
    return render(
        request,
        "referrals/find_service.html",
        context,
        status=form_status(context["form"]),
    )


@login_required
def refer(request, person_id: int, service_id: int):
    person = _person(request, person_id, "referrals.make_referral")
    service = get_object_or_404(
        Service.objects.select_related("organisation", "referral_policy"), pk=service_id
    )
    orgs = services.referring_organisations(request.user)
    # An admin outside any organisation refers for the platform itself (no referring body).
    if not orgs and not request.user.is_platform_admin:
        raise PermissionDenied
    initial = {
        "preferred_channel": person.preferred_channel,
        "needs_interpreter": person.needs_interpreter,
    }
    if orgs:
        initial["from_organisation"] = orgs[0].pk
    form = forms.ReferralForm(request.POST or None, organisations=orgs, initial=initial)
    door = services.door_for(service, orgs[0] if orgs else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            referral = services.create_referral(
                person=person,
                service=service,
                by=request.user,
                from_organisation=data.get("from_organisation"),
                consent_how=data["consent_how"],
                what_matters=data["what_matters"],
                themes=data["themes"],
                needs=data["needs"],
                urgency=data["urgency"],
                preferred_channel=data["preferred_channel"],
                language=data["language"],
                needs_interpreter=data["needs_interpreter"],
                safety_notes=data["safety_notes"],
            )
        except services.ReferralRefused as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request, f"Referral sent to {service.name}. You will hear back in your inbox."
            )
            return redirect("referrals:detail", referral_id=referral.pk)
    return render(
        request,
        "referrals/refer.html",
        {"form": form, "person": person, "service": service, "door": door},
        status=form_status(form),
    )


@login_required
def refer_to_practice(request, person_id: int):
    person = _person(request, person_id, "referrals.make_referral")
    form = forms.PracticeReferralForm(
        request.POST or None, initial={"practice": person.gp_practice_id}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        referral = services.refer_to_practice(
            person,
            data["practice"],
            data["reason"],
            request.user,
            what_matters=data["what_matters"],
            urgency=data["urgency"],
            safety_notes=data["safety_notes"],
            consent_how=data["consent_how"],
        )
        messages.success(request, f"Sent to {referral.to_organisation.name}.")
        return redirect("referrals:detail", referral_id=referral.pk)
    return render(
        request,
        "referrals/refer_to_practice.html",
        {"form": form, "person": person},
        status=form_status(form),
    )


def _concern(request, concern_id: int):
    """A doorstep concern from ``keepwell.help`` that this user may see and act on."""
    concern = visible_concern(request.user, concern_id)
    require(request, "referrals.make_referral", concern.person)
    return concern


@login_required
def concern_to_practice(request, concern_id: int):
    """A doorstep concern becomes a request for a review by the person's GP practice."""
    concern = _concern(request, concern_id)
    person = concern.person
    existing = services.referral_for_concern(concern)
    if existing is not None:
        messages.info(request, f"{existing.to_organisation.name} was already asked to review this.")
        return redirect("referrals:detail", referral_id=existing.pk)
    initial = {
        "practice": person.gp_practice_id,
        "reason": f"{concern.get_kind_display()}: {concern.details}",
        "urgency": "urgent" if concern.urgent else "soon",
    }
    form = forms.PracticeReferralForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        referral = services.refer_concern_to_practice(
            concern,
            by=request.user,
            practice=data["practice"],
            reason=data["reason"],
            what_matters=data["what_matters"],
            safety_notes=data["safety_notes"],
            consent_how=data["consent_how"],
        )
        messages.success(request, f"Sent to {referral.to_organisation.name}.")
        return redirect("referrals:detail", referral_id=referral.pk)
    return render(
        request,
        "referrals/refer_to_practice.html",
        {"form": form, "person": person, "concern": concern},
        status=form_status(form),
    )


# --- One referral -------------------------------------------------------------------------


@login_required
def detail(request, referral_id: int):
    referral = _referral(request, referral_id)
    services.view_referral(referral, by=request.user)
    return render(
        request,
        "referrals/detail.html",
        {
            "referral": referral,
            "contact": services.how_to_contact(referral),
            "events": referral.events.select_related("by"),
            "suggested": referral.suggested_services.select_related("organisation"),
            "next_statuses": [(s, Status(s).label) for s in statuses_for(request.user, referral)],
            "can_fhir": request.user.has_perm("referrals.fhir_export", referral),
            "can_strengths": request.user.has_perm("referrals.record_strengths", referral.person),
            "can_outcomes": request.user.has_perm("outcomes.record_answers", referral.person),
            # BaRS messages to and from other systems, and how each one's delivery went.
            "system_messages": system_messages_about("referral", [referral.pk]),
        },
    )


@login_required
def change_status(request, referral_id: int):
    referral = _referral(request, referral_id, "referrals.change_status")
    to_status = request.POST.get("to") or request.GET.get("to", "")
    if to_status not in statuses_for(request.user, referral):
        raise PermissionDenied
    suggestions = (
        services.search_services()
        .exclude(pk=referral.service_id)
        .filter(accepts_referrals=True, taking_new_people=True)
    )
    form = forms.StatusForm(request.POST or None, to_status=to_status, suggestions=suggestions)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.change_status(
                referral,
                to_status,
                by=request.user,
                note=data.get("note", ""),
                decline_reason=data.get("decline_reason", ""),
                suggested_services=data.get("suggested_services") or (),
                close_reason=data.get("close_reason", ""),
            )
        except services.InvalidTransition as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Referral {Status(to_status).label.lower()}.")
            if to_status in {Status.COMPLETED, Status.CLOSED} and request.user.has_perm(
                "referrals.record_strengths", referral.person
            ):
                return redirect(
                    reverse("referrals:strengths", kwargs={"person_id": referral.person_id})
                    + f"?source=referral:{referral.pk}"
                    + f"&next={reverse('referrals:detail', kwargs={'referral_id': referral.pk})}"
                )
            return redirect("referrals:detail", referral_id=referral.pk)
    return render(
        request,
        "referrals/status.html",
        {"form": form, "referral": referral, "to_status": to_status, "label": Status(to_status)},
        status=form_status(form),
    )


# --- Strengths ----------------------------------------------------------------------------


@login_required
def strengths(request, person_id: int):
    """At the end of a referral or help: what could they give? (Reciprocity.)"""
    person = _person(request, person_id, "referrals.record_strengths")
    source = (request.POST.get("source") or request.GET.get("source") or "")[:50]
    next_url = safe_next(request, reverse("people:timeline", kwargs={"person_id": person.pk}))
    form = forms.StrengthsForm(request.POST or None)
    if request.method == "POST" and "not_now" in request.POST:
        return redirect(next_url)
    if request.method == "POST" and form.is_valid():
        made = services.record_strengths(person, form.strengths(), by=request.user, source=source)
        messages.success(request, f"{len(made)} strength(s) recorded for {person.full_name}.")
        return redirect(next_url)
    return render(
        request,
        "referrals/strengths.html",
        {
            "form": form,
            "person": person,
            "source": source,
            "next": next_url,
            "existing": person.strengths.all()[:20],
        },
        status=form_status(form),
    )


# --- Services control their door ----------------------------------------------------------


@login_required
def door(request, service_id: int):
    service = get_object_or_404(Service.objects.select_related("organisation"), pk=service_id)
    require(request, "referrals.manage_door", service)
    policy = services.policy_for(service)
    initial = {
        "accepts_referrals": service.accepts_referrals,
        "taking_new_people": service.taking_new_people,
        "accepts_from": policy.accepts_from,
        "organisations": list(policy.organisations.all()) if policy.pk else [],
        "accepts_self_referrals": policy.accepts_self_referrals,
    }
    form = forms.DoorForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.set_door(service, by=request.user, **form.cleaned_data)
        messages.success(request, f"{service.name}: saved.")
        return redirect("referrals:inbox")
    return render(
        request,
        "referrals/door.html",
        {"form": form, "service": service, "door": services.door_for(service)},
        status=form_status(form),
    )


# --- Self-referral (public) ---------------------------------------------------------------


def _self_referral_services(*, taking_new_people: bool = True):
    """The services a resident may ask themselves (or, ``taking_new_people=False``, that
    they could but that are full just now)."""
    return (
        Service.objects.published()
        .filter(accepts_referrals=True, taking_new_people=taking_new_people)
        .exclude(referral_policy__accepts_self_referrals=False)
        .select_related("organisation")
        .order_by("name")
    )


@public_language
def self_refer(request):
    """Anyone may ask a service for help here: no account needed. First the resident finds
    the service with the directory's own search (by words, near a postcode), among the
    services that take self-referrals; then they say what would help."""
    signed_in_person = None
    if request.user.is_authenticated:
        signed_in_person = Person.objects.filter(user=request.user).first()
    choices = _self_referral_services()
    wanted = request.POST.get("service") or request.GET.get("service", "")
    chosen = choices.filter(pk=int(wanted)).first() if wanted.isdigit() else None
    form = forms.SelfReferralForm(
        request.POST or None,
        signed_in_person=signed_in_person,
        initial={"service": chosen.pk} if chosen else {},
    )
    form.fields["service"].queryset = choices
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data.pop("consent_given")
        try:
            referral = services.create_self_referral(
                by=request.user, person=signed_in_person, **data
            )
        except services.ReferralRefused as exc:
            form.add_error("service", str(exc))
        else:
            request.session["self_referral_to"] = referral.to_organisation.name
            return redirect(keep_language(reverse("referrals:self_refer_done"), request))
    context = {"form": form, "signed_in_person": signed_in_person, "chosen": chosen}
    status = form_status(form)
    if chosen is None or form.has_error("service"):
        context.update(_self_referral_search(request, choices))
        status = max(status, form_status(context["search"]))
    return render(request, "referrals/self_refer.html", context, status=status)


def _self_referral_search(request, choices) -> dict:
    """The directory's search, as the GP's picker has it, over ``choices`` only."""
    fields = ("q", "postcode", "radius", "include_remote")
    asked = {name: request.GET[name] for name in fields if request.GET.get(name)}
    search = SearchForm({"radius": "5", **asked} if asked else None)
    page = search.results(request.GET.get("page"), public=True, among=choices)
    # The same search among those that are full just now: so nobody looks for them in vain.
    full = search.results(None, public=True, among=_self_referral_services(taking_new_people=False))
    return {
        "search": search,
        "page": page,
        "located": search.located,
        "full": [found.service for found in full.results] if full else [],
    }


@public_language
def self_refer_done(request):
    organisation = request.session.pop("self_referral_to", None)
    return render(request, "referrals/self_refer_done.html", {"organisation": organisation})

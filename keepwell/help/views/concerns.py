"""Doorstep concerns: raising one, and acting on it."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from keepwell.core.forms import form_status
from keepwell.core.permissions import require
from keepwell.help import forms, reads, services
from keepwell.help.models import Concern, Task
from keepwell.help.views.common import PAGE_SIZE, carry_out, permitted, plain_form_page, posted
from keepwell.help.views.routing import routing_link


@login_required
def concern_list(request):
    require(request, "help.view_concerns")
    concerns = Concern.objects.visible_to(request.user).select_related(
        "person", "routed_to", "area"
    )
    closed = request.GET.get("closed") == "1"
    concerns = concerns.filter(closed_at__isnull=not closed)
    page = Paginator(concerns.order_by("-urgent", "raised_at", "pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    reads.listed_concerns(page.object_list, by=request.user)
    return render(
        request,
        "help/concern_list.html",
        {"page": page, "closed": closed, "routing_url": routing_link(request.user)},
    )


@login_required
def concern_raise(request, task_id: int):
    task = permitted(
        request, "help.raise_concern", Task.objects.select_related("request__person"), pk=task_id
    )
    form = forms.ConcernForm(posted(request))
    return plain_form_page(
        request,
        form,
        title=f"Report a concern about {task.request.person.given_name}",
        submit="Send the concern",
        back=reverse("help:my_tasks"),
        intro="What you tell us goes to a named person who must acknowledge it. "
        "If someone is in danger now, call 999.",
        save=lambda: services.raise_concern(
            by=request.user, person=task.request.person, task=task, **form.cleaned_data
        ),
        success=lambda concern: (
            f"Thank you. Sent to {concern.routed_to}."
            if concern.routed_to
            else "Thank you. The coordinators have been told."
        ),
        redirect_to=lambda concern: reverse("help:concern", kwargs={"concern_id": concern.pk}),
    )


def _concern(request, concern_id: int, perm: str) -> Concern:
    return permitted(
        request,
        perm,
        Concern.objects.select_related(
            "person",
            "routed_to__organisation",
            "raised_by",
            "acknowledged_by",
            "closed_by",
            "area",
            "task__request__need_type",
        ),
        pk=concern_id,
    )


def _render_concern(request, concern: Concern, outcome_form=None):
    services.view_concern(concern, by=request.user)
    outcome_form = outcome_form or forms.OutcomeForm()
    return render(
        request,
        "help/concern_detail.html",
        {
            "concern": concern,
            "events": concern.events.select_related("by"),
            "can_act": request.user.has_perm("help.act_on_concern", concern),
            "form": outcome_form,
            "ack_form": forms.AcknowledgeForm(),
        },
        status=form_status(outcome_form),
    )


@login_required
def concern_detail(request, concern_id: int):
    return _render_concern(request, _concern(request, concern_id, "help.view_concern"))


@login_required
@require_POST
def concern_acknowledge(request, concern_id: int):
    concern = _concern(request, concern_id, "help.act_on_concern")
    form = forms.AcknowledgeForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    acknowledged = "Acknowledged. Record the outcome when it is dealt with."
    carry_out(
        request, acknowledged, services.acknowledge_concern, concern, by=request.user, note=note
    )
    return redirect("help:concern", concern_id=concern.pk)


@login_required
@require_POST
def concern_close(request, concern_id: int):
    concern = _concern(request, concern_id, "help.act_on_concern")
    form = forms.OutcomeForm(request.POST)
    if not form.is_valid():
        return _render_concern(request, concern, form)
    outcome = form.cleaned_data["outcome"]
    closed = "Closed with the outcome recorded."
    carry_out(request, closed, services.close_concern, concern, by=request.user, outcome=outcome)
    return redirect("help:concern", concern_id=concern.pk)

"""The volunteer's own tasks: what they are offered and hold, and saying how it went."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from keepwell.core.forms import form_status
from keepwell.core.permissions import require
from keepwell.help import forms, services
from keepwell.help.models import Task, TaskState
from keepwell.help.queries import km_from_home
from keepwell.help.rules import volunteer_of
from keepwell.help.views.common import permitted


@login_required
def my_tasks(request):
    require(request, "help.view_my_tasks")
    volunteer = volunteer_of(request.user)
    now = timezone.now()
    rows = []
    if volunteer is not None:
        tasks = list(
            Task.objects.for_volunteer_page(volunteer, now)
            .select_related("request__person", "request__need_type")
            .in_due_order()
        )
        rows = [(t, t.contact_visible(volunteer, now)) for t in tasks]
        shown = [t for t, contact in rows if contact]
        if shown:
            services.list_tasks(shown, by=request.user, summary="Saw the address and phone")
        others = [t for t, contact in rows if not contact]
        if others:
            services.list_tasks(others, by=request.user, summary="Saw first name and need")
    return render(
        request,
        "help/my_tasks.html",
        {"volunteer": volunteer, "rows": rows, "now": now},
    )


def _my_task(request, task_id: int) -> Task:
    return permitted(
        request,
        "help.respond_to_task",
        Task.objects.select_related(
            "request__person", "request__need_type", "request__language", "request__area"
        ),
        pk=task_id,
    )


def _render_my_task(request, task: Task, finish_form=None):
    volunteer = volunteer_of(request.user)
    now = timezone.now()
    contact = task.contact_visible(volunteer, now)
    services.view_task(task, by=request.user, contact=contact)
    finish_form = finish_form or forms.FinishForm()
    return render(
        request,
        "help/my_task.html",
        {
            "task": task,
            "person": task.request.person,
            "contact": contact,
            "offered": task.state == TaskState.OFFERED and task.volunteer_id is None,
            # What to weigh before saying yes: how far from home (the address waits).
            "km_from_home": km_from_home(volunteer, task) if volunteer is not None else None,
            "held": task.state == TaskState.ACCEPTED
            and volunteer is not None
            and task.volunteer_id == volunteer.pk,
            "form": finish_form,
        },
        status=form_status(finish_form),
    )


@login_required
def my_task(request, task_id: int):
    task = _my_task(request, task_id)
    return _render_my_task(request, task)


@login_required
@require_POST
def task_respond(request, task_id: int):
    task = _my_task(request, task_id)
    volunteer = volunteer_of(request.user)
    action = request.POST.get("action", "")
    try:
        if action == "accept":
            services.accept_offer(task, volunteer, by=request.user)
            messages.success(request, "Thank you: the task is yours.")
        elif action == "decline":
            services.decline_offer(task, volunteer, by=request.user)
            messages.success(request, "Declined. We will ask someone else.")
            return redirect("help:my_tasks")
        elif action in ("done", "not_done"):
            form = forms.FinishForm(request.POST)
            form.is_valid()
            notes = form.cleaned_data.get("notes", "")
            if action == "not_done" and not notes.strip():
                form.add_error("notes", "Say why it could not be done")
                return _render_my_task(request, task, form)
            services.complete_task(task, by=request.user, done=action == "done", notes=notes)
            messages.success(request, "Thank you: recorded.")
        elif action == "release":
            services.release_task(task, by=request.user, note="The volunteer cannot do it")
            messages.success(request, "Handed back: we will ask someone else.")
            return redirect("help:my_tasks")
        else:
            messages.error(request, "Choose what to do")
    except services.HelpError as exc:
        messages.error(request, str(exc))
        return redirect("help:my_tasks")
    return redirect("help:my_task", task_id=task.pk)

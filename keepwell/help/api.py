"""Tasks over the API, for a scheduling tool or the matching engine's runner: read a task,
offer or assign it, and a volunteer's accept. The same services as the pages, so the same
hard rules: a volunteer without the check a need requires is refused (409, with reasons)."""

from __future__ import annotations

from datetime import datetime

from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema
from ninja.errors import HttpError

from keepwell.core.api import Error, require
from keepwell.help import services
from keepwell.help.models import Task, Volunteer
from keepwell.help.rules import volunteer_of

router = Router(tags=["help"])


class TaskOut(Schema):
    id: int
    request_id: int
    need: str
    state: str
    volunteer_id: int | None
    due_start: datetime | None
    due_end: datetime | None

    @staticmethod
    def resolve_need(obj):
        return obj.request.need_type.slug


class VolunteerIn(Schema):
    volunteer_id: int
    language_reason: str = Field(
        "",
        max_length=services.LANGUAGE_REASON_MAX,
        description=(
            "Only when the volunteer does not speak the language the request needs: why it "
            "can go ahead (e.g. 'an interpreter is going too'). Without it such an offer or "
            "assignment is refused (409); with it, it is recorded in the audit log."
        ),
    )


# A task is looked up (404), then the caller's permission on it checked (403).
LOOKED_UP = {403: Error, 404: Error}


def _task(task_id: int) -> Task:
    return get_object_or_404(Task.objects.select_related("request__need_type"), pk=task_id)


def _volunteer(task: Task, volunteer_id: int) -> Volunteer:
    return get_object_or_404(
        Volunteer.objects.select_related("user"),
        pk=volunteer_id,
        organisations=task.request.organisation_id,
    )


def _act(action, task: Task, volunteer: Volunteer, request, **options) -> Task:
    try:
        action(task, volunteer, by=request.user, via="api", **options)
    except services.NotEligible as exc:
        raise HttpError(409, f"Not eligible: {exc}") from None
    except services.HelpError as exc:
        raise HttpError(409, str(exc)) from None
    return _task(task.pk)


def _give(action, request, task_id: int, body: VolunteerIn) -> Task:
    """Offer or assign: the coordinator's two ways of giving a task to a volunteer."""
    task = _task(task_id)
    require(request, "help.change_task", task)
    return _act(
        action,
        task,
        _volunteer(task, body.volunteer_id),
        request,
        language_reason=body.language_reason,
    )


@router.get("/tasks/{task_id}", response={200: TaskOut, **LOOKED_UP})
def get_task(request, task_id: int):
    task = _task(task_id)
    require(request, "help.change_task", task)
    services.view_request(task.request, by=request.user, via="api")
    return task


@router.post("/tasks/{task_id}/offer", response={200: TaskOut, 409: Error, **LOOKED_UP})
def offer(request, task_id: int, body: VolunteerIn):
    """Offer a waiting task to a volunteer of the group running it."""
    return _give(services.offer_task, request, task_id, body)


@router.post("/tasks/{task_id}/assign", response={200: TaskOut, 409: Error, **LOOKED_UP})
def assign(request, task_id: int, body: VolunteerIn):
    """Give a waiting task to a volunteer who has agreed to it."""
    return _give(services.assign_task, request, task_id, body)


@router.post("/tasks/{task_id}/accept", response={200: TaskOut, 409: Error, **LOOKED_UP})
def accept(request, task_id: int):
    """The signed-in volunteer accepts a task offered to them."""
    task = _task(task_id)
    require(request, "help.respond_to_task", task)
    volunteer = volunteer_of(request.user)
    if volunteer is None:
        raise HttpError(409, "You have no volunteer profile")
    return _act(services.accept_offer, task, volunteer, request)

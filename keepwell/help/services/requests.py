"""Help requests: recording a need and its occurrences, cancelling and merging."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from keepwell.audit import services as audit
from keepwell.audit.models import Action, Purpose
from keepwell.help.models import (
    HelpRequest,
    NeedType,
    NhsList,
    OfferStatus,
    RequestStatus,
    Source,
    Task,
    TaskEvent,
    TaskState,
)
from keepwell.help.services.errors import DuplicateRequest, HelpError, InvalidTransition
from keepwell.people.models import Household, Language, Person
from keepwell.places.services import area_for_postcode

# A recurring need with no time given is arranged for the middle of the day.
DEFAULT_DAY_START = time(10, 0)
DEFAULT_DURATION = timedelta(hours=6)


def occurrence_windows(request: HelpRequest, today: date | None = None):
    """(start, end) of each occurrence: a one-off keeps its window; a recurring need spreads
    its visits evenly over each week (3 a week: days 0, 2 and 5) at the same time of day."""
    if not request.is_recurring:
        return [(request.window_start, request.window_end)]
    if request.window_start is not None:
        first = timezone.localtime(request.window_start)
        duration = (
            request.window_end - request.window_start if request.window_end else DEFAULT_DURATION
        )
        base, at = first.date(), first.time().replace(tzinfo=None)
    else:
        base = (today or timezone.localdate()) + timedelta(days=1)
        at, duration = DEFAULT_DAY_START, DEFAULT_DURATION
    k = request.times_per_week
    offsets = [round(i * 7 / k) for i in range(k)]
    windows = []
    for week in range(request.weeks):
        for offset in offsets:
            day = base + timedelta(days=week * 7 + offset)
            start = timezone.make_aware(datetime.combine(day, at))
            windows.append((start, start + duration))
    return windows


def _event(task: Task, by, from_state: str, to_state: str, volunteer=None, note: str = ""):
    TaskEvent.objects.create(
        task=task,
        by=audit.acting_user(by),
        from_state=from_state,
        to_state=to_state,
        volunteer=volunteer,
        note=note[:300],
    )


def _audit(by, action: str, obj, person_id: int, summary: str, via: str = "web", **kw):
    audit.record(
        by,
        action,
        obj,
        person_id=person_id,
        purpose=kw.pop("purpose", Purpose.HELP_REQUEST),
        summary=summary,
        via=via,
        **kw,
    )


def _create_tasks(request: HelpRequest, by) -> list[Task]:
    tasks = []
    for sequence, (start, end) in enumerate(occurrence_windows(request), start=1):
        task = Task.objects.create(request=request, sequence=sequence, due_start=start, due_end=end)
        _event(task, by, "", TaskState.OPEN)
        tasks.append(task)
    return tasks


@transaction.atomic
def create_request(
    person: Person,
    need_type: NeedType,
    *,
    by,
    organisation,
    urgency: int = 1,
    language: Language | None = None,
    notes: str = "",
    source: str = Source.HELPLINE,
    requested_by: str = "",
    window_start: datetime | None = None,
    window_end: datetime | None = None,
    times_per_week: int = 1,
    weeks: int = 1,
    household: Household | None = None,
    allow_duplicate: bool = False,
    nhs_list: NhsList | None = None,
    via: str = "web",
    at: datetime | None = None,
) -> HelpRequest:
    """Record a need and its occurrences. The same person with the same open need raises
    :class:`DuplicateRequest` unless ``allow_duplicate``; then it is flagged, never silent.

    ``at`` is when the need was asked for, when that was not now (the demo's year of history).
    """
    existing = HelpRequest.objects.for_same_need(person.pk, need_type.pk).order_by("pk").first()
    if existing is not None and not allow_duplicate:
        raise DuplicateRequest(existing)
    if window_start and window_end and window_end <= window_start:
        raise HelpError("The time window must end after it starts")
    request = HelpRequest.objects.create(
        person=person,
        household=household,
        organisation=organisation,
        area=person.area or area_for_postcode(person.postcode),
        need_type=need_type,
        urgency=urgency,
        language=language,
        notes=notes,
        source=source,
        requested_by=requested_by,
        window_start=window_start,
        window_end=window_end,
        times_per_week=times_per_week,
        weeks=weeks,
        possible_duplicate_of=existing,
        nhs_list=nhs_list,
        created_by=audit.acting_user(by),
        created_at=at or timezone.now(),
    )
    _create_tasks(request, by)
    summary = f"Asked for {need_type.name.lower()} ({request.get_source_display()})"
    if existing is not None:
        summary += f"; possible duplicate of #{existing.pk}"
    _audit(by, Action.CREATE, request, person.pk, summary, via=via)
    return request


def view_request(request: HelpRequest, *, by, via: str = "web") -> None:
    _audit(by, Action.READ, request, request.person_id, "Opened the help request", via=via)


def _close_if_finished(request: HelpRequest) -> None:
    if (
        request.status == RequestStatus.OPEN
        and not request.tasks.exclude(
            state__in=[TaskState.DONE, TaskState.COULD_NOT_COMPLETE, TaskState.CANCELLED]
        ).exists()
    ):
        request.status = RequestStatus.CLOSED
        request.closed_at = timezone.now()
        request.save(update_fields=["status", "closed_at"])


def _withdraw_pending_offers(task: Task, now, keep_volunteer=None) -> None:
    qs = task.offers.filter(status=OfferStatus.PENDING)
    if keep_volunteer is not None:
        qs = qs.exclude(volunteer=keep_volunteer)
    qs.update(status=OfferStatus.WITHDRAWN, responded_at=now)


def _cancel_unfinished(request: HelpRequest, *, by, note: str) -> int:
    now = timezone.now()
    count = 0
    for task in request.tasks.select_for_update().exclude(
        state__in=[TaskState.DONE, TaskState.COULD_NOT_COMPLETE, TaskState.CANCELLED]
    ):
        _withdraw_pending_offers(task, now)
        previous = task.state
        task.state, task.volunteer, task.finished_at = TaskState.CANCELLED, None, now
        task.save(update_fields=["state", "volunteer", "finished_at"])
        _event(task, by, previous, TaskState.CANCELLED, note=note)
        count += 1
    return count


@transaction.atomic
def cancel_request(request: HelpRequest, *, by, reason: str, via: str = "web") -> HelpRequest:
    request = HelpRequest.objects.select_for_update().get(pk=request.pk)
    if request.status != RequestStatus.OPEN:
        raise InvalidTransition("Only an open request can be cancelled")
    _cancel_unfinished(request, by=by, note=reason)
    request.status, request.closed_at = RequestStatus.CANCELLED, timezone.now()
    request.save(update_fields=["status", "closed_at"])
    _audit(by, Action.UPDATE, request, request.person_id, f"Cancelled: {reason}"[:300], via=via)
    return request


@transaction.atomic
def merge_requests(duplicate: HelpRequest, into: HelpRequest, *, by) -> HelpRequest:
    """Fold a duplicate into the request it repeats: its notes are kept, its waiting tasks
    cancelled, and it points at the one that carries on."""
    duplicate = HelpRequest.objects.select_for_update().get(pk=duplicate.pk)
    into = HelpRequest.objects.select_for_update().get(pk=into.pk)
    if duplicate.pk == into.pk:
        raise HelpError("A request cannot be merged into itself")
    if (duplicate.person_id, duplicate.need_type_id) != (into.person_id, into.need_type_id):
        raise HelpError("Only requests for the same person and the same need can be merged")
    if duplicate.status != RequestStatus.OPEN or into.status != RequestStatus.OPEN:
        raise HelpError("Both requests must be open to merge them")
    if duplicate.tasks.filter(state=TaskState.ACCEPTED).exists():
        raise HelpError(
            f"A volunteer holds a task of #{duplicate.pk}: finish or release it before merging"
        )
    _cancel_unfinished(duplicate, by=by, note=f"Merged into #{into.pk}")
    if duplicate.notes:
        into.notes = f"{into.notes}\n\nFrom #{duplicate.pk}: {duplicate.notes}".strip()
    into.urgency = max(into.urgency, duplicate.urgency)
    into.save(update_fields=["notes", "urgency"])
    duplicate.status, duplicate.merged_into = RequestStatus.MERGED, into
    duplicate.closed_at = timezone.now()
    duplicate.save(update_fields=["status", "merged_into", "closed_at"])
    HelpRequest.objects.filter(possible_duplicate_of=duplicate).update(possible_duplicate_of=into)
    if into.possible_duplicate_of_id == duplicate.pk:
        into.possible_duplicate_of = None
        into.save(update_fields=["possible_duplicate_of"])
    _audit(by, Action.UPDATE, duplicate, duplicate.person_id, f"Merged into #{into.pk}")
    return into


@transaction.atomic
def mark_not_duplicate(request: HelpRequest, *, by) -> HelpRequest:
    """A coordinator looked and the flagged request is a need of its own: the flag goes, and
    with it the hold on offering it to a volunteer."""
    request = HelpRequest.objects.select_for_update().get(pk=request.pk)
    if request.possible_duplicate_of_id is None:
        raise HelpError("This request is not flagged as a possible duplicate")
    other = request.possible_duplicate_of_id
    request.possible_duplicate_of = None
    request.save(update_fields=["possible_duplicate_of"])
    _audit(by, Action.UPDATE, request, request.person_id, f"Not a duplicate of #{other}")
    return request

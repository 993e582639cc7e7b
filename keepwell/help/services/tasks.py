"""The task life cycle: offering, assigning, accepting, declining, releasing, finishing.

``offer_task``, ``assign_task`` and ``accept_offer`` refuse a volunteer who fails a hard rule
(:mod:`keepwell.help.eligibility`) with :class:`NotEligible`, whoever calls them: a view, the
API or the matching engine. ``accept_offer`` takes the task row's lock and changes it with a
conditional UPDATE, so of two volunteers accepting at the same moment exactly one holds it."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from keepwell.audit import services as audit
from keepwell.audit.models import Action, Purpose
from keepwell.help import messages
from keepwell.help.eligibility import hard_blockers
from keepwell.help.models import (
    WAITING_STATES,
    HelpRequest,
    OfferStatus,
    RequestStatus,
    Task,
    TaskOffer,
    TaskState,
    Volunteer,
)
from keepwell.help.services.errors import (
    HelpError,
    InvalidTransition,
    NotEligible,
    TaskNoLongerAvailable,
)
from keepwell.help.services.requests import (
    _audit,
    _close_if_finished,
    _event,
    _withdraw_pending_offers,
)


def _locked(task: Task) -> Task:
    return (
        Task.objects.select_for_update(of=("self",))
        .select_related("request__need_type", "request__organisation", "request__person")
        .get(pk=task.pk)
    )


# The most a coordinator may write when recording why a volunteer who does not speak the
# request's language may still take it (the page's field and the API's body alike).
LANGUAGE_REASON_MAX = 300


def duplicate_flag_stands(request: HelpRequest) -> bool:
    """Flagged as a possible duplicate of a request that is still open: until a coordinator
    merges it or says it is not a duplicate, it goes to no volunteer (two might go)."""
    # Read through the instance, so a page asking for each of its candidates asks once.
    return (
        request.possible_duplicate_of_id is not None
        and request.possible_duplicate_of.status == RequestStatus.OPEN
    )


def is_own_record(volunteer: Volunteer, request: HelpRequest) -> bool:
    """The volunteer is the person asking: their account is the one the person record is
    linked to (``Person.user``), the people room's own link between the two."""
    return request.person.user_id is not None and request.person.user_id == volunteer.user_id


def speaks_the_language(volunteer: Volunteer, request: HelpRequest) -> bool:
    # languages.all(): a page that prefetched them asks nothing more.
    return request.language_id is None or any(
        language.pk == request.language_id for language in volunteer.languages.all()
    )


def product_blockers(volunteer: Volunteer, task: Task, *, language_reason: str = "") -> list[str]:
    """The rules matching keeps that a coordinator's offer or assignment keeps too: no request
    flagged as a possible duplicate, never the volunteer's own record, and the language the
    request asks for unless the coordinator recorded why it can go ahead without it."""
    request = task.request
    name = volunteer.first_name
    problems = []
    if is_own_record(volunteer, request):
        problems.append(f"{name} is the person this request is for: nobody helps themself")
    if duplicate_flag_stands(request):
        problems.append(
            f"#{request.pk} may repeat #{request.possible_duplicate_of_id}: merge it or mark it "
            "as not a duplicate before a volunteer is asked"
        )
    if not speaks_the_language(volunteer, request) and not language_reason.strip():
        problems.append(
            f"{name} does not speak {request.language}: say why it can go ahead "
            "(for example, an interpreter is going too)"
        )
    return problems


def _require_eligible(
    volunteer: Volunteer, task: Task, at: datetime, *, language_reason: str | None = ""
) -> None:
    """``language_reason`` None: the language was settled when the task was offered."""
    # Read the volunteer afresh: a proposal may have been made before they were paused.
    fresh = Volunteer.objects.select_related("user").get(pk=volunteer.pk)
    problems = hard_blockers(fresh, task, at)
    settled = "settled when it was offered"
    problems += product_blockers(
        fresh, task, language_reason=settled if language_reason is None else language_reason
    )
    if problems:
        raise NotEligible(problems)


def _audit_language_override(task: Task, volunteer: Volunteer, reason: str, *, by, via) -> None:
    if reason.strip() and not speaks_the_language(volunteer, task.request):
        _audit(
            by,
            Action.UPDATE,
            task,
            task.request.person_id,
            f"Given to {volunteer}, who does not speak {task.request.language}, because: "
            f"{reason.strip()}"[:300],
            via=via,
        )


def _after_held(task: Task, volunteer: Volunteer, by, now) -> None:
    """Continuity: the first volunteer to hold a recurring need becomes its preferred
    volunteer, and its later open occurrences are offered to them."""
    request = task.request
    if not request.is_recurring:
        return
    if request.preferred_volunteer_id is None:
        request.preferred_volunteer = volunteer
        request.save(update_fields=["preferred_volunteer"])
    if request.preferred_volunteer_id != volunteer.pk:
        return
    later = request.tasks.filter(state=TaskState.OPEN, sequence__gt=task.sequence)
    for other in later.select_for_update():
        TaskOffer.objects.update_or_create(
            task=other,
            volunteer=volunteer,
            defaults={"status": OfferStatus.PENDING, "offered_at": now, "offered_by": None},
        )
        other.state, other.offered_at = TaskState.OFFERED, now
        other.save(update_fields=["state", "offered_at"])
        _event(other, by, TaskState.OPEN, TaskState.OFFERED, volunteer, "Same volunteer again")


@transaction.atomic
def offer_task(
    task: Task, volunteer: Volunteer, *, by, via: str = "web", language_reason: str = ""
) -> TaskOffer:
    """Offer a waiting task to a volunteer (the matching engine's proposals come here). A task
    may be offered to several volunteers; the first to accept holds it. A volunteer who does
    not speak the request's language is refused unless ``language_reason`` says why not."""
    now = timezone.now()
    task = _locked(task)
    if task.state not in WAITING_STATES:
        raise InvalidTransition(f"This task is {task.get_state_display().lower()}, not waiting")
    _require_eligible(volunteer, task, now, language_reason=language_reason)
    _audit_language_override(task, volunteer, language_reason, by=by, via=via)
    offer, _ = TaskOffer.objects.update_or_create(
        task=task,
        volunteer=volunteer,
        defaults={
            "status": OfferStatus.PENDING,
            "offered_at": now,
            "offered_by": audit.acting_user(by),
            "responded_at": None,
        },
    )
    previous = task.state
    task.state, task.offered_at = TaskState.OFFERED, now
    task.save(update_fields=["state", "offered_at"])
    _event(task, by, previous, TaskState.OFFERED, volunteer)
    _audit(
        by,
        Action.UPDATE,
        task,
        task.request.person_id,
        f"Offered to {volunteer}",
        via=via,
    )
    # A text they can answer YES or NO (keepwell/help/replies.py hears the answer).
    messages.tell_task_offered(offer, by=by)
    return offer


def _hold(task: Task, volunteer: Volunteer, now, from_states) -> bool:
    """The compare-and-set that makes a task held by one volunteer: only one caller can
    move it out of a waiting state."""
    return bool(
        Task.objects.filter(pk=task.pk, state__in=from_states, volunteer__isnull=True).update(
            state=TaskState.ACCEPTED,
            volunteer=volunteer,
            accepted_at=now,
            load_at=task.due_start or now,
        )
    )


@transaction.atomic
def assign_task(
    task: Task, volunteer: Volunteer, *, by, via: str = "web", language_reason: str = ""
) -> Task:
    """A coordinator gives a task to a volunteer they have spoken to; it is accepted. The
    language rule is :func:`offer_task`'s."""
    now = timezone.now()
    task = _locked(task)
    if task.state not in WAITING_STATES:
        raise InvalidTransition(f"This task is {task.get_state_display().lower()}, not waiting")
    _require_eligible(volunteer, task, now, language_reason=language_reason)
    _audit_language_override(task, volunteer, language_reason, by=by, via=via)
    previous = task.state
    if not _hold(task, volunteer, now, WAITING_STATES):
        raise TaskNoLongerAvailable("Someone else took this task a moment ago")
    _withdraw_pending_offers(task, now, keep_volunteer=volunteer)
    task.offers.filter(volunteer=volunteer, status=OfferStatus.PENDING).update(
        status=OfferStatus.ACCEPTED, responded_at=now
    )
    task.refresh_from_db()
    _event(task, by, previous, TaskState.ACCEPTED, volunteer, "Assigned by hand")
    _audit(by, Action.UPDATE, task, task.request.person_id, f"Assigned to {volunteer}", via=via)
    _after_held(task, volunteer, by, now)
    return task


@transaction.atomic
def accept_offer(task: Task, volunteer: Volunteer, *, by, via: str = "web") -> Task:
    now = timezone.now()
    task = _locked(task)
    offer = task.offers.filter(volunteer=volunteer, status=OfferStatus.PENDING).first()
    if offer is None or task.state != TaskState.OFFERED:
        raise TaskNoLongerAvailable("This task is no longer offered to you")
    _require_eligible(volunteer, task, now, language_reason=None)
    if not _hold(task, volunteer, now, [TaskState.OFFERED]):
        raise TaskNoLongerAvailable("Someone else accepted this task a moment ago")
    offer.status, offer.responded_at = OfferStatus.ACCEPTED, now
    offer.save(update_fields=["status", "responded_at"])
    _withdraw_pending_offers(task, now, keep_volunteer=volunteer)
    task.refresh_from_db()
    _event(task, by, TaskState.OFFERED, TaskState.ACCEPTED, volunteer)
    _audit(by, Action.UPDATE, task, task.request.person_id, f"Accepted by {volunteer}", via=via)
    _after_held(task, volunteer, by, now)
    return task


@transaction.atomic
def decline_offer(task: Task, volunteer: Volunteer, *, by, via: str = "web") -> Task:
    now = timezone.now()
    task = _locked(task)
    updated = task.offers.filter(volunteer=volunteer, status=OfferStatus.PENDING).update(
        status=OfferStatus.DECLINED, responded_at=now
    )
    if not updated:
        raise TaskNoLongerAvailable("This task is no longer offered to you")
    if task.state == TaskState.OFFERED and not task.offers.filter(status="pending").exists():
        task.state = TaskState.OPEN
        task.save(update_fields=["state"])
    _event(task, by, TaskState.OFFERED, task.state, volunteer, "Declined")
    return task


@transaction.atomic
def release_task(task: Task, *, by, note: str = "", via: str = "web") -> Task:
    """The volunteer cannot do it after all: the task waits for someone else."""
    task = _locked(task)
    if task.state != TaskState.ACCEPTED:
        raise InvalidTransition("Only an accepted task can be released")
    volunteer = task.volunteer
    task.state, task.volunteer, task.accepted_at, task.load_at = TaskState.OPEN, None, None, None
    task.save(update_fields=["state", "volunteer", "accepted_at", "load_at"])
    task.offers.filter(volunteer=volunteer, status=OfferStatus.ACCEPTED).update(
        status=OfferStatus.WITHDRAWN
    )
    _event(task, by, TaskState.ACCEPTED, TaskState.OPEN, volunteer, note or "Released")
    _audit(by, Action.UPDATE, task, task.request.person_id, f"Released by {volunteer}", via=via)
    return task


@transaction.atomic
def complete_task(task: Task, *, by, done: bool = True, notes: str = "", via: str = "web") -> Task:
    task = _locked(task)
    if task.state != TaskState.ACCEPTED:
        raise InvalidTransition("Only an accepted task can be finished")
    target = TaskState.DONE if done else TaskState.COULD_NOT_COMPLETE
    if not done and not notes.strip():
        raise HelpError("Say why it could not be done")
    task.state, task.finished_at, task.outcome_notes = target, timezone.now(), notes
    task.save(update_fields=["state", "finished_at", "outcome_notes"])
    _event(task, by, TaskState.ACCEPTED, target, task.volunteer, notes)
    _audit(by, Action.UPDATE, task, task.request.person_id, task.get_state_display(), via=via)
    _close_if_finished(task.request)
    return task


@transaction.atomic
def cancel_task(task: Task, *, by, note: str, via: str = "web") -> Task:
    task = _locked(task)
    if task.is_finished:
        raise InvalidTransition("This task is already finished")
    now = timezone.now()
    _withdraw_pending_offers(task, now)
    previous, volunteer = task.state, task.volunteer
    task.state, task.volunteer, task.finished_at = TaskState.CANCELLED, None, now
    task.save(update_fields=["state", "volunteer", "finished_at"])
    _event(task, by, previous, TaskState.CANCELLED, volunteer, note)
    _audit(by, Action.UPDATE, task, task.request.person_id, "Task cancelled", via=via)
    _close_if_finished(task.request)
    return task


@transaction.atomic
def add_occurrence(request: HelpRequest, *, by, start=None, end=None) -> Task:
    """Another visit for an open request, e.g. to try again after 'could not complete'."""
    if request.status != RequestStatus.OPEN:
        raise InvalidTransition("Only an open request can have more tasks")
    last = request.tasks.aggregate(n=Max("sequence"))["n"] or 0
    task = Task.objects.create(request=request, sequence=last + 1, due_start=start, due_end=end)
    _event(task, by, "", TaskState.OPEN, note="Added")
    _audit(by, Action.UPDATE, request, request.person_id, "Added a task")
    return task


def view_task_contact(task: Task, *, by, via: str = "web") -> None:
    """A volunteer opened the address and phone of the person they are helping."""
    _audit(by, Action.READ, task, task.request.person_id, "Saw the address and phone", via=via)


def view_task(task: Task, *, by, contact: bool, via: str = "web") -> None:
    """A volunteer opened a task: their first name and need, and the address and phone
    when ``contact`` (accepted, or done within a day)."""
    if contact:
        view_task_contact(task, by=by, via=via)
    else:
        _audit(by, Action.READ, task, task.request.person_id, "Saw first name and need", via=via)


def list_tasks(tasks, *, by, summary: str, via: str = "web") -> None:
    """One audit row per task listed, in one INSERT (a list shows several people)."""
    audit.record_many(
        by,
        Action.READ,
        [t.request for t in tasks],
        purpose=Purpose.HELP_REQUEST,
        summary=summary,
        via=via,
    )

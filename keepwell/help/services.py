"""Mutual aid use cases. Each runs in one transaction and writes the audit log.

The task life cycle::

    open -> offered -> accepted -> done | could_not_complete
      ^        |          |
      +--------+----------+  (declined, released)       any unfinished -> cancelled

``offer_task``, ``assign_task`` and ``accept_offer`` refuse a volunteer who fails a hard rule
(:mod:`keepwell.help.eligibility`) with :class:`NotEligible`, whoever calls them: a view, the
API or the matching engine. ``accept_offer`` takes the task row's lock and changes it with a
conditional UPDATE, so of two volunteers accepting at the same moment exactly one holds it.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Max, ProtectedError, Q
from django.utils import timezone

from keepwell.accounts.models import Membership, Role, User
from keepwell.audit import services as audit
from keepwell.audit.models import Action, Purpose
from keepwell.core import csvio
from keepwell.core.phone import InvalidPhoneNumber, normalise_or_keep, normalise_phone
from keepwell.directory.models import OrganisationKind
from keepwell.help import messages
from keepwell.help.eligibility import eligibility, hard_blockers
from keepwell.help.models import (
    VOLUNTEER_TRANSITIONS,
    WAITING_STATES,
    Authorisation,
    Availability,
    Concern,
    ConcernContact,
    ConcernEvent,
    ConcernKind,
    HelpRequest,
    NeedType,
    NhsList,
    OfferStatus,
    PublicRequest,
    PublicRequestStatus,
    PublicRequestThrottle,
    RequestStatus,
    RoutingRule,
    RoutingTarget,
    SafeguardingCheck,
    Source,
    Task,
    TaskEvent,
    TaskOffer,
    TaskState,
    Volunteer,
    VolunteerStatus,
)
from keepwell.people import services as people
from keepwell.people.models import Consent, Household, Language, Person
from keepwell.people.validators import (
    date_of_birth_problem,
    is_valid_nhs_number,
    normalise_nhs_number,
)
from keepwell.places.postcodes import InvalidPostcode, Postcode
from keepwell.places.services import area_for_postcode


class HelpError(Exception):
    """A use case refused; ``str(exc)`` says why in words a coordinator can act on."""


class NotEligible(HelpError):
    def __init__(self, reasons: list[str]):
        self.reasons = reasons
        super().__init__("; ".join(reasons))


class TaskNoLongerAvailable(HelpError):
    pass


class InvalidTransition(HelpError):
    pass


class DuplicateRequest(HelpError):
    def __init__(self, existing: HelpRequest):
        self.existing = existing
        super().__init__(
            f"{existing.person.given_name} already has an open request for "
            f"{existing.need_type.name.lower()} (#{existing.pk})"
        )


class TooManyRequests(HelpError):
    pass


# --- requests -------------------------------------------------------------------------------

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
        by=by if getattr(by, "is_authenticated", False) else None,
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
) -> HelpRequest:
    """Record a need and its occurrences. The same person with the same open need raises
    :class:`DuplicateRequest` unless ``allow_duplicate``; then it is flagged, never silent."""
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
        created_by=by if getattr(by, "is_authenticated", False) else None,
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


# --- tasks ----------------------------------------------------------------------------------


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
            "offered_by": by if getattr(by, "is_authenticated", False) else None,
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


# --- intake ---------------------------------------------------------------------------------


@dataclass
class CallDetails:
    """What a helpline call records, beyond the request itself."""

    person: Person | None = None
    new_person: dict = field(default_factory=dict)
    languages: list = field(default_factory=list)
    household: Household | None = None
    household_name: str = ""
    consent_coordination: bool = False
    consent_share_with_nhs: bool = False
    on_behalf: bool = False


@transaction.atomic
def take_call(
    call: CallDetails,
    need_type: NeedType,
    *,
    by,
    organisation,
    public_request=None,
    **request_fields,
) -> HelpRequest:
    """The helpline screen in one transaction: the person (found or new), their household,
    consent, and the request."""
    person = call.person
    if person is None:
        person = people.create_person(
            by=by,
            languages=call.languages,
            organisations=[organisation.pk],
            purpose=Purpose.HELP_REQUEST,
            **call.new_person,
        )
    elif not person.organisations.filter(pk=organisation.pk).exists():
        person.organisations.add(organisation)
    household = call.household
    if household is None and call.household_name:
        household = people.add_to_household(person, by=by, household_name=call.household_name)
    how = Consent.How.ON_BEHALF if call.on_behalf else Consent.How.PHONE
    for wanted, purpose in (
        (call.consent_coordination, Consent.Purpose.CARE_COORDINATION),
        (call.consent_share_with_nhs, Consent.Purpose.SHARE_WITH_NHS),
    ):
        if wanted and not people.has_consent(person, purpose):
            people.record_consent(
                person, by=by, purpose=purpose, lawful_basis=Consent.LawfulBasis.CONSENT, how=how
            )
    request = create_request(
        person, need_type, by=by, organisation=organisation, household=household, **request_fields
    )
    if public_request is not None:
        _mark_triaged(public_request, request, by=by)
    return request


def client_hash(ip: str | None) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, (ip or "unknown").encode(), hashlib.sha256).hexdigest()


def public_limit_per_hour() -> int:
    return int(getattr(settings, "KEEPWELL_HELP_PUBLIC_REQUESTS_PER_HOUR", 5))


@transaction.atomic
def note_public_attempt(ip: str | None) -> str:
    """Count one submission from this address; raise TooManyRequests over the hourly limit."""
    key = client_hash(ip)
    since = timezone.now() - timedelta(hours=1)
    recent = PublicRequestThrottle.objects.filter(client_hash=key, at__gte=since).count()
    if recent >= public_limit_per_hour():
        raise TooManyRequests("Too many requests from this connection. Try again in an hour.")
    PublicRequestThrottle.objects.create(client_hash=key)
    # Old rows are no use: keep the table small.
    PublicRequestThrottle.objects.filter(at__lt=timezone.now() - timedelta(days=1)).delete()
    return key


@transaction.atomic
def submit_public_request(*, client_key: str, form_language: str, **fields) -> PublicRequest:
    postcode = Postcode(fields.pop("postcode")).value
    request = PublicRequest.objects.create(
        postcode=postcode,
        area=area_for_postcode(postcode),
        client_hash=client_key,
        form_language=form_language,
        **fields,
    )
    audit.record(
        None,
        Action.CREATE,
        request,
        purpose=Purpose.HELP_REQUEST,
        summary="Asked for help on the public form",
    )
    return request


def _mark_triaged(public_request: PublicRequest, request: HelpRequest, *, by) -> None:
    PublicRequest.objects.filter(pk=public_request.pk).update(
        status=PublicRequestStatus.ACCEPTED,
        help_request=request,
        triaged_by=by,
        triaged_at=timezone.now(),
    )


@transaction.atomic
def dismiss_public_request(public_request: PublicRequest, *, by, reason: str) -> None:
    if public_request.status != PublicRequestStatus.NEEDS_TRIAGE:
        raise InvalidTransition("This request has already been dealt with")
    PublicRequest.objects.filter(pk=public_request.pk).update(
        status=PublicRequestStatus.DISMISSED, triaged_by=by, triaged_at=timezone.now()
    )
    audit.record(
        by,
        Action.UPDATE,
        public_request,
        purpose=Purpose.HELP_REQUEST,
        summary=f"Dismissed: {reason}"[:300],
    )


def view_public_request(public_request: PublicRequest, *, by) -> None:
    audit.record(
        by, Action.READ, public_request, purpose=Purpose.HELP_REQUEST, summary="Opened for triage"
    )


@transaction.atomic
def request_from_text(*, phone: str, words: str, organisation_id: int) -> PublicRequest:
    """The SMS intake: a text from a number keepwell does not know becomes a request in the
    group's triage, like the public form's (no name or postcode yet: the coordinator who
    phones back asks). Called by messaging when such a text arrives."""
    request = PublicRequest.objects.create(
        organisation_id=organisation_id,
        given_name="Text message",
        phone=phone[:30],
        postcode="",
        need_type=NeedType.objects.get(slug="other"),
        details=words[:5000],
        client_hash=client_hash(phone),
    )
    audit.record(
        None,
        Action.CREATE,
        request,
        purpose=Purpose.HELP_REQUEST,
        summary="Asked for help by text message",
        via="sms",
    )
    return request


# NHS lists ----------------------------------------------------------------------------------

NHS_LIST_REQUIRED = ("given_name", "family_name", "phone", "postcode")
NHS_LIST_OPTIONAL = (
    "nhs_number",
    "date_of_birth",
    "mobile",
    "address_line_1",
    "town",
    "language",
    "notes",
)
NHS_LIST_MAX_ROWS = 5000
CHECK_IN = "phone_check_in"
# The model field each text column is stored in, whose max_length a value must fit.
NHS_LIST_STORED_IN = {
    "given_name": Person._meta.get_field("given_name"),
    "family_name": Person._meta.get_field("family_name"),
    "phone": Person._meta.get_field("phone"),
    "mobile": Person._meta.get_field("mobile"),
    "address_line_1": Person._meta.get_field("address_line_1"),
    "town": Person._meta.get_field("town"),
    "notes": HelpRequest._meta.get_field("notes"),
}


class ImportProblems(HelpError):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s) in the file; nothing was imported")


def _parse_nhs_list(text: str) -> list[tuple[int, dict]]:
    reader = csvio.read_rows(text, required=NHS_LIST_REQUIRED, optional=NHS_LIST_OPTIONAL)
    try:
        return _check_nhs_list(reader)
    except csvio.CsvProblem as exc:
        raise ImportProblems([str(exc)]) from None


def _check_nhs_list(reader) -> list[tuple[int, dict]]:
    languages = {}
    for lang in Language.objects.all():
        languages[lang.code.lower()] = lang
        languages[lang.name.lower()] = lang
    rows, problems = [], []
    for number, row in reader:
        if number - 1 > NHS_LIST_MAX_ROWS:
            problems.append(f"More than {NHS_LIST_MAX_ROWS} rows: split the file")
            break
        reasons = [
            reason
            for column, model_field in NHS_LIST_STORED_IN.items()
            if (reason := csvio.too_long(row.get(column, ""), model_field, _words(column)))
        ]
        if not row.get("given_name"):
            reasons.append("no first name")
        if not row.get("phone") and not row.get("mobile"):
            reasons.append("no phone number")
        # A number we will ring (or text, for the mobile) must be one: stored in E.164.
        for column, mobile in (("phone", False), ("mobile", True)):
            typed = row.get(column, "")
            if typed and not csvio.too_long(typed, NHS_LIST_STORED_IN[column]):
                try:
                    row[column] = normalise_phone(typed, mobile=mobile)
                except InvalidPhoneNumber as exc:
                    reasons.append(f"{column}: {exc}")
        try:
            row["postcode"] = Postcode(row.get("postcode", "")).value
        except InvalidPostcode as exc:
            reasons.append(f"postcode: {exc}")
        if row.get("nhs_number"):
            row["nhs_number"] = normalise_nhs_number(row["nhs_number"])
            if not is_valid_nhs_number(row["nhs_number"]):
                reasons.append("not a valid NHS number")
        if row.get("date_of_birth"):
            try:
                row["date_of_birth"] = date.fromisoformat(row["date_of_birth"])
            except ValueError:
                reasons.append("date of birth is not YYYY-MM-DD")
            else:
                if problem := date_of_birth_problem(row["date_of_birth"]):
                    reasons.append(problem[0].lower() + problem[1:])
        else:
            row["date_of_birth"] = None
        if row.get("language"):
            lang = languages.get(row["language"].lower())
            if lang is None:
                reasons.append(f"unknown language {row['language']!r}")
            row["language"] = lang
        else:
            row["language"] = None
        if reasons:
            problems.append(f"Row {number}: {'; '.join(reasons)}")
        else:
            rows.append((number, row))
    if problems:
        raise ImportProblems(problems)
    return rows


def _words(column: str) -> str:
    return column.replace("_", " ")


def _find_known(row: dict, known) -> Person | None:
    if row.get("nhs_number"):
        found = known.filter(nhs_number=row["nhs_number"]).first()
        if found:
            return found
    # Numbers are stored in E.164: "01632 960555" on the list is +441632960555 here.
    typed = normalise_or_keep(row.get("phone") or row.get("mobile", ""))
    digits = "".join(ch for ch in typed if ch.isdigit())
    q = Q(given_name__iexact=row["given_name"], family_name__iexact=row["family_name"]) & (
        Q(postcode=row["postcode"]) | Q(phone_digits=digits) | Q(mobile_digits=digits)
    )
    if row.get("date_of_birth"):
        q &= Q(date_of_birth=row["date_of_birth"]) | Q(date_of_birth__isnull=True)
    return known.filter(q).order_by("pk").first()


@transaction.atomic
def import_nhs_list(
    text: str,
    *,
    filename: str,
    organisation,
    shared_by,
    lawful_basis: str,
    sharing_basis: str,
    by,
) -> NhsList:
    """People an NHS partner asked us to call: a phone check-in request each. All rows are
    checked first; one bad row and nothing is imported. Someone who already has an open
    check-in is listed as a duplicate, not given a second one."""
    rows = _parse_nhs_list(text)
    check_in = NeedType.objects.get(slug=CHECK_IN)
    batch = NhsList.objects.create(
        organisation=organisation,
        shared_by=shared_by,
        lawful_basis=lawful_basis,
        sharing_basis=sharing_basis,
        filename=filename[:200],
        uploaded_by=by,
        rows=len(rows),
    )
    known = Person.objects.filter(organisations=organisation)
    duplicates, problems = [], []
    for number, row in rows:
        person = _find_known(row, known)
        if person is None:
            try:
                person = people.create_person(
                    by=by,
                    organisations=[organisation.pk],
                    purpose=Purpose.HELP_REQUEST,
                    given_name=row["given_name"],
                    family_name=row["family_name"],
                    nhs_number=row.get("nhs_number", ""),
                    date_of_birth=row["date_of_birth"],
                    phone=row.get("phone", ""),
                    mobile=row.get("mobile", ""),
                    address_line_1=row.get("address_line_1", ""),
                    town=row.get("town", ""),
                    postcode=row["postcode"],
                    gp_practice=shared_by if shared_by.kind == "gp_practice" else None,
                    languages=[row["language"]] if row["language"] else [],
                )
            except people.DuplicateNhsNumber as taken:
                # Someone keepwell holds, but not this group: never a silent second record.
                problems.append(
                    f"Row {number}: NHS number {taken.nhs_number} is on a record {organisation} "
                    "does not hold. Check the number, or ask an administrator whether it is the "
                    "same person"
                )
                continue
            batch.people_created += 1
        people.record_consent(
            person,
            by=by,
            purpose=Consent.Purpose.CONTACT,
            lawful_basis=lawful_basis,
            how=Consent.How.WRITTEN,
            notes=f"On the list '{batch.filename}' from {shared_by}: {sharing_basis}"[:500],
        )
        try:
            create_request(
                person,
                check_in,
                by=by,
                organisation=organisation,
                language=row["language"],
                notes=row.get("notes", ""),
                source=Source.NHS_LIST,
                nhs_list=batch,
            )
            batch.requests_created += 1
        except DuplicateRequest as dup:
            duplicates.append({"row": number, "person": person.pk, "request": dup.existing.pk})
    if problems:
        raise ImportProblems(problems)  # and the transaction takes back every row
    batch.duplicates = duplicates
    batch.save(update_fields=["people_created", "requests_created", "duplicates"])
    return batch


# --- volunteers -----------------------------------------------------------------------------


def _volunteer_audit(by, action, obj, summary: str, via: str = "web") -> None:
    audit.record(by, action, obj, purpose=Purpose.ADMINISTRATION, summary=summary, via=via)


@transaction.atomic
def create_volunteer(
    *,
    by,
    organisation,
    username: str,
    first_name: str,
    last_name: str,
    email: str,
    home_postcode: str,
    skills=(),
    languages=(),
    availability=None,
    **fields,
) -> Volunteer:
    """A volunteer's profile, and their account if they have none (it signs in once they
    have set a password). ``availability``: weekly (weekday, start, end) slots."""
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User.objects.create_user(
            username=username,
            email=email,
            first_name=first_name,
            last_name=last_name,
            display_name=f"{first_name} {last_name}".strip(),
        )
        user.set_unusable_password()
        user.save(update_fields=["password"])
    if Volunteer.objects.filter(user=user).exists():
        raise HelpError(f"{user} is already a volunteer")
    Membership.objects.get_or_create(user=user, role=Role.VOLUNTEER, organisation=organisation)
    postcode = Postcode(home_postcode).value
    if fields.get("phone"):
        # Stored as E.164, so a text they send back is matched to them.
        fields["phone"] = normalise_or_keep(fields["phone"])
    volunteer = Volunteer.objects.create(
        user=user, home_postcode=postcode, area=area_for_postcode(postcode), **fields
    )
    volunteer.organisations.add(organisation)
    volunteer.skills.set(skills)
    volunteer.languages.set(languages)
    if availability:
        _replace_availability(volunteer, availability)
    _volunteer_audit(by, Action.CREATE, volunteer, "Volunteer added")
    return volunteer


USER_FIELDS = ("first_name", "last_name", "email")


@transaction.atomic
def update_volunteer(
    volunteer: Volunteer, *, by, skills=None, languages=None, availability=None, **fields
) -> Volunteer:
    """Change a profile. ``first_name``, ``last_name`` and ``email`` go to their account;
    ``availability`` (weekly slots) replaces the old slots when given."""
    account = {name: fields.pop(name) for name in USER_FIELDS if name in fields}
    if account:
        user = volunteer.user
        for name, value in account.items():
            setattr(user, name, value)
        user.display_name = f"{user.first_name} {user.last_name}".strip() or user.display_name
        user.save(update_fields=[*account, "display_name"])
    if "home_postcode" in fields:
        fields["home_postcode"] = Postcode(fields["home_postcode"]).value
        fields["area"] = area_for_postcode(fields["home_postcode"])
    if fields.get("phone"):
        fields["phone"] = normalise_or_keep(fields["phone"])
    for name, value in fields.items():
        setattr(volunteer, name, value)
    volunteer.save(update_fields=list(fields))
    if skills is not None:
        volunteer.skills.set(skills)
    if languages is not None:
        volunteer.languages.set(languages)
    if availability is not None:
        _replace_availability(volunteer, availability)
    _volunteer_audit(by, Action.UPDATE, volunteer, "Volunteer details changed")
    return volunteer


@transaction.atomic
def change_volunteer_status(volunteer: Volunteer, status: str, *, by) -> Volunteer:
    volunteer = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
    if status not in VOLUNTEER_TRANSITIONS[volunteer.status]:
        raise InvalidTransition(
            f"A volunteer who is {volunteer.get_status_display().lower()} cannot become "
            f"{VolunteerStatus(status).label.lower()}"
        )
    previous = volunteer.get_status_display()
    volunteer.status, volunteer.status_changed_at = status, timezone.now()
    volunteer.save(update_fields=["status", "status_changed_at"])
    if status in (VolunteerStatus.PAUSED, VolunteerStatus.LEFT):
        # Offers they have not answered go back to the queue.
        for offer in volunteer.offers.filter(status=OfferStatus.PENDING).select_related("task"):
            decline_offer(offer.task, volunteer, by=by)
    _volunteer_audit(
        by, Action.UPDATE, volunteer, f"Status {previous} -> {volunteer.get_status_display()}"
    )
    return volunteer


def expiry_from_date(day: date | None) -> datetime | None:
    """A check 'expiring on 3 May' stops counting at the start of 3 May, London time."""
    if day is None:
        return None
    return timezone.make_aware(datetime.combine(day, time.min))


@transaction.atomic
def record_check(
    volunteer: Volunteer, *, by, kind: str, checked_on: date, expires_on: date | None, reference=""
) -> SafeguardingCheck:
    check = SafeguardingCheck.objects.create(
        volunteer=volunteer,
        kind=kind,
        checked_on=checked_on,
        expires_at=expiry_from_date(expires_on),
        reference=reference,
        recorded_by=by,
    )
    _volunteer_audit(by, Action.CREATE, check, f"Recorded {check.get_kind_display()}")
    return check


@transaction.atomic
def grant_authorisation(
    volunteer: Volunteer, *, by, kind: str, authorised_by: str = "", expires_on=None
) -> Authorisation:
    auth = Authorisation.objects.create(
        volunteer=volunteer,
        kind=kind,
        authorised_by=authorised_by,
        expires_at=expiry_from_date(expires_on),
        recorded_by=by,
    )
    _volunteer_audit(by, Action.CREATE, auth, f"Authorised: {auth.get_kind_display()}")
    return auth


@transaction.atomic
def revoke_authorisation(auth: Authorisation, *, by) -> Authorisation:
    if auth.revoked_at is None:
        auth.revoked_at = timezone.now()
        auth.save(update_fields=["revoked_at"])
        _volunteer_audit(by, Action.UPDATE, auth, f"Revoked: {auth.get_kind_display()}")
    return auth


def _replace_availability(volunteer: Volunteer, slots) -> None:
    volunteer.availability.all().delete()
    Availability.objects.bulk_create(
        Availability(volunteer=volunteer, weekday=d, start_minute=s, end_minute=e)
        for d, s, e in sorted(set(slots))
    )


def view_volunteer(volunteer: Volunteer, *, by, via: str = "web") -> None:
    """A volunteer's own details are personal data too: record who opened them."""
    _volunteer_audit(by, Action.READ, volunteer, "Opened the volunteer's record", via=via)


@transaction.atomic
def set_availability(volunteer: Volunteer, slots, *, by) -> None:
    """Replace the weekly slots: ``slots`` is (weekday, start_minute, end_minute) tuples."""
    _replace_availability(volunteer, slots)
    _volunteer_audit(by, Action.UPDATE, volunteer, "Availability changed")


# --- doorstep concerns ----------------------------------------------------------------------


def route_for(concern: Concern) -> ConcernContact | None:
    """The first routing rule of the group that fits the concern and names someone."""
    rules = RoutingRule.objects.filter(organisation_id=concern.organisation_id).select_related(
        "contact"
    )
    for rule in rules:
        if not rule.fits(concern.kind, concern.urgent):
            continue
        if rule.target == RoutingTarget.GP_PRACTICE:
            practice_id = concern.person.gp_practice_id
            contact = (
                ConcernContact.objects.filter(organisation_id=practice_id, is_active=True)
                .order_by("pk")
                .first()
                if practice_id
                else None
            )
            if contact is not None:
                return contact
        elif rule.contact is not None and rule.contact.is_active:
            return rule.contact
    return None


def _concern_link(concern: Concern) -> str:
    return f"{settings.SITE_URL.rstrip('/')}/help/concerns/{concern.pk}/"


@transaction.atomic
def raise_concern(
    *,
    by,
    person: Person,
    kind: str,
    urgent: bool,
    details: str,
    task: Task | None = None,
    organisation=None,
    via: str = "web",
) -> Concern:
    organisation_id = task.request.organisation_id if task else organisation.pk
    concern = Concern(
        person=person,
        task=task,
        organisation_id=organisation_id,
        area=person.area,
        kind=kind,
        urgent=urgent,
        details=details,
        raised_by=by,
    )
    contact = route_for(concern)
    now = timezone.now()
    concern.routed_to, concern.routed_at = contact, now
    concern.save()
    ConcernEvent.objects.create(
        concern=concern,
        by=by,
        what=f"Raised; sent to {contact}" if contact else "Raised; no routing rule fits",
    )
    audit.record(
        by,
        Action.CREATE,
        concern,
        person_id=person.pk,
        purpose=Purpose.SAFEGUARDING,
        summary=f"Doorstep concern: {concern.get_kind_display()}",
        via=via,
    )
    # Through messaging, in this transaction: the contact (a text too when urgent) and the
    # coordinators hear, with a link only; see keepwell/help/messages.py.
    messages.tell_concern_raised(concern, by=by)
    return concern


def view_concern(concern: Concern, *, by) -> None:
    audit.record(
        by,
        Action.READ,
        concern,
        person_id=concern.person_id,
        purpose=Purpose.SAFEGUARDING,
        summary="Opened the concern",
    )


@transaction.atomic
def acknowledge_concern(concern: Concern, *, by, note: str = "") -> Concern:
    concern = Concern.objects.select_for_update().get(pk=concern.pk)
    if concern.closed_at is not None or concern.acknowledged_at is not None:
        raise InvalidTransition("This concern has already been acknowledged")
    concern.acknowledged_at, concern.acknowledged_by = timezone.now(), by
    concern.save(update_fields=["acknowledged_at", "acknowledged_by"])
    ConcernEvent.objects.create(concern=concern, by=by, what=f"Acknowledged {note}".strip())
    audit.record(
        by,
        Action.UPDATE,
        concern,
        person_id=concern.person_id,
        purpose=Purpose.SAFEGUARDING,
        summary="Acknowledged the concern",
    )
    return concern


@transaction.atomic
def close_concern(concern: Concern, *, by, outcome: str) -> Concern:
    concern = Concern.objects.select_for_update().get(pk=concern.pk)
    if concern.closed_at is not None:
        raise InvalidTransition("This concern is already closed")
    if not outcome.strip():
        raise HelpError("Record what was done")
    now = timezone.now()
    if concern.acknowledged_at is None:
        concern.acknowledged_at, concern.acknowledged_by = now, by
    concern.outcome, concern.closed_at, concern.closed_by = outcome, now, by
    concern.save(
        update_fields=["acknowledged_at", "acknowledged_by", "outcome", "closed_at", "closed_by"]
    )
    ConcernEvent.objects.create(concern=concern, by=by, what="Closed with an outcome")
    audit.record(
        by,
        Action.UPDATE,
        concern,
        person_id=concern.person_id,
        purpose=Purpose.SAFEGUARDING,
        summary="Closed the concern",
    )
    return concern


def escalation_delays() -> tuple[timedelta, timedelta]:
    """(routine, urgent): how long a concern may wait unacknowledged before it escalates."""
    hours = getattr(settings, "KEEPWELL_CONCERN_ESCALATE_HOURS", 4)
    minutes = getattr(settings, "KEEPWELL_CONCERN_URGENT_ESCALATE_MINUTES", 60)
    return timedelta(hours=hours), timedelta(minutes=minutes)


def _next_contact(concern: Concern) -> ConcernContact | None:
    """Who an overdue concern goes to: the contact's ``escalate_to``, else the contact again;
    a contact made inactive is passed over, and with nobody left the rules are tried again."""
    current = concern.routed_to
    after = current.escalate_to if current is not None else None
    if after is not None and after.is_active:
        return after
    if current is not None and current.is_active:
        return current
    return route_for(concern)


def escalate_overdue_concerns(now: datetime | None = None) -> int:
    """Move every concern nobody has acknowledged in time to the next contact (the current
    contact's ``escalate_to``; if none, it stays with them; see :func:`_next_contact`), tell
    them and the group's coordinators, and start the clock again. Returns how many escalated.
    Idempotent: a concern escalates at most once per delay."""
    now = now or timezone.now()
    routine, urgent = escalation_delays()
    due = Concern.objects.filter(closed_at__isnull=True, acknowledged_at__isnull=True).filter(
        Q(urgent=False, routed_at__lte=now - routine) | Q(urgent=True, routed_at__lte=now - urgent)
    )
    count = 0
    for pk in due.values_list("pk", flat=True):
        with transaction.atomic():
            concern = (
                Concern.objects.select_for_update(of=("self",))
                .select_related("routed_to__escalate_to", "person")
                .filter(pk=pk, acknowledged_at__isnull=True, closed_at__isnull=True)
                .first()
            )
            if concern is None:
                continue
            target = _next_contact(concern)
            concern.routed_to, concern.routed_at = target, now
            concern.escalations += 1
            concern.save(update_fields=["routed_to", "routed_at", "escalations"])
            ConcernEvent.objects.create(
                concern=concern,
                what=f"Not acknowledged in time; escalated to {target or 'the coordinators'}",
            )
            audit.record(
                None,
                Action.UPDATE,
                concern,
                person_id=concern.person_id,
                purpose=Purpose.SAFEGUARDING,
                summary=f"Escalated ({concern.escalations})",
                via="system",
            )
            messages.tell_concern_escalated(concern)
            count += 1
    return count


# --- where concerns go: a group's contacts and routing rules --------------------------------


class RoutingProblems(HelpError):
    """What is wrong with a contact or a rule: (field, message) pairs, field None for the
    whole form, so a page can show each beside its field and in the error summary."""

    def __init__(self, problems: list[tuple[str | None, str]]):
        self.problems = problems
        super().__init__("; ".join(message for _, message in problems))


class ContactInUse(HelpError):
    def __init__(self, contact: ConcernContact, reasons: list[str]):
        self.reasons = reasons
        super().__init__(
            f"{contact.name} cannot be deleted: {'; '.join(reasons)}. "
            "Make them inactive instead, so no new concern goes to them"
        )


CONTACT_FIELDS = ("name", "organisation", "user", "email", "phone", "escalate_to", "is_active")
RULE_FIELDS = ("order", "kind", "urgent", "target", "contact")
# RoutingRule.order is a PositiveSmallIntegerField.
MAX_RULE_ORDER = 32767


def _routing_audit(by, action: str, obj, summary: str, changes=None) -> None:
    audit.record(by, action, obj, purpose=Purpose.ADMINISTRATION, summary=summary, changes=changes)


def _as_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _changes(obj, fields: dict) -> dict[str, list[str]]:
    """{field: [before, after]} for the fields whose value differs, as text for the audit."""
    return {
        name: [_as_text(getattr(obj, name)), _as_text(value)]
        for name, value in fields.items()
        if getattr(obj, name) != value
    }


def _apply_changes(obj, names, fields: dict, *, problems, summary, by) -> None:
    """Change ``obj`` (a contact or a rule, locked by the caller) by ``fields``: check the
    whole record as it would be (its ``names`` fields, ``problems(merged)``, raised
    together), then save and audit only what differs, ``summary(changes)`` the audit's
    words."""
    found = problems({name: getattr(obj, name) for name in names} | fields)
    if found:
        raise RoutingProblems(found)
    changes = _changes(obj, fields)
    if changes:
        for name in changes:
            setattr(obj, name, fields[name])
        obj.save(update_fields=list(changes))
        _routing_audit(by, Action.UPDATE, obj, summary(changes), changes)


def _contact_problems(group_id: int | None, contact, fields: dict) -> list:
    problems: list[tuple[str | None, str]] = []
    if not fields["name"]:
        problems.append(("name", "Enter the name of the person or team"))
    if fields["organisation"] is None:
        problems.append(("organisation", "Choose the organisation they work for"))
    if not fields["email"] and fields["user"] is None:
        problems.append(
            (
                "email",
                "Enter an email address or their keepwell account, so they hear of a concern",
            )
        )
    after = fields["escalate_to"]
    # An escalation already set is left alone if its contact was since made inactive
    # (escalation passes over inactive contacts); a new one must be usable.
    unchanged = after is not None and contact is not None and contact.escalate_to_id == after.pk
    if after is not None and not unchanged:
        if contact is not None and after.pk == contact.pk:
            problems.append(("escalate_to", "A contact cannot escalate to themselves"))
        elif after.group_id != group_id:
            problems.append(("escalate_to", "Choose one of this group's contacts to escalate to"))
        elif not after.is_active:
            problems.append(
                (
                    "escalate_to",
                    f"{after.name} is not active: choose an active contact to escalate to, "
                    "or nobody",
                )
            )
    return problems


def _clean_contact_fields(fields: dict) -> dict:
    for name in ("name", "email", "phone"):
        if name in fields:
            fields[name] = (fields[name] or "").strip()
    return fields


@transaction.atomic
def add_concern_contact(
    group,
    *,
    by,
    name: str,
    organisation,
    user=None,
    email: str = "",
    phone: str = "",
    escalate_to: ConcernContact | None = None,
    is_active: bool = True,
) -> ConcernContact:
    """A person or team the group may send concerns to. They receive nothing until a
    routing rule names them (or, at a GP practice, a rule sends to the person's practice)."""
    fields = _clean_contact_fields(
        {
            "name": name,
            "organisation": organisation,
            "user": user,
            "email": email,
            "phone": phone,
            "escalate_to": escalate_to,
            "is_active": is_active,
        }
    )
    problems = _contact_problems(group.pk, None, fields)
    if problems:
        raise RoutingProblems(problems)
    contact = ConcernContact.objects.create(group=group, **fields)
    _routing_audit(by, Action.CREATE, contact, f"Concern contact added: {contact}")
    return contact


@transaction.atomic
def update_concern_contact(contact: ConcernContact, *, by, **fields) -> ConcernContact:
    """Change a contact. Making them inactive stops new concerns going to them (rules naming
    them are passed over) and keeps every concern already sent to them as it was."""
    unknown = set(fields) - set(CONTACT_FIELDS)
    if unknown:
        raise TypeError(f"not contact fields: {sorted(unknown)}")
    contact = (
        ConcernContact.objects.select_for_update(of=("self",))
        .select_related("organisation", "user", "escalate_to")
        .get(pk=contact.pk)
    )

    def summary(changes: dict) -> str:
        what = "made inactive" if changes.get("is_active") == ["yes", "no"] else "changed"
        return f"Concern contact {what}: {contact}"

    _apply_changes(
        contact,
        CONTACT_FIELDS,
        _clean_contact_fields(fields),
        problems=lambda merged: _contact_problems(contact.group_id, contact, merged),
        summary=summary,
        by=by,
    )
    return contact


def contact_in_use(contact: ConcernContact) -> list[str]:
    """Why a contact cannot be deleted (empty if it can): concerns were sent to them, a
    rule names them, or another contact escalates to them."""
    reasons = []
    sent = contact.concerns.count()
    if sent:
        reasons.append(f"{sent} concern{'s were' if sent != 1 else ' was'} sent to them")
    for rule in RoutingRule.objects.filter(contact=contact).select_related("organisation"):
        where = "" if rule.organisation_id == contact.group_id else f" of {rule.organisation}"
        reasons.append(f"rule {rule.order}{where} sends concerns to them")
    for other in ConcernContact.objects.filter(escalate_to=contact).exclude(pk=contact.pk):
        reasons.append(f"{other.name} escalates to them")
    return reasons


@transaction.atomic
def delete_concern_contact(contact: ConcernContact, *, by) -> None:
    """Delete a contact nobody has used. One a concern was ever sent to is kept for good."""
    contact = ConcernContact.objects.select_for_update(of=("self",)).get(pk=contact.pk)
    reasons = contact_in_use(contact)
    if reasons:
        raise ContactInUse(contact, reasons)
    _routing_audit(by, Action.DELETE, contact, f"Concern contact deleted: {contact}")
    try:
        contact.delete()
    except ProtectedError:
        # A concern was sent to them since we looked.
        raise ContactInUse(contact, ["a concern was sent to them a moment ago"]) from None


def _rule_problems(group_id: int, rule, fields: dict) -> list:
    problems: list[tuple[str | None, str]] = []
    order = fields["order"]
    if not isinstance(order, int) or not 0 <= order <= MAX_RULE_ORDER:
        problems.append(("order", f"Enter a whole number from 0 to {MAX_RULE_ORDER}"))
    if fields["kind"] not in ("", *ConcernKind.values):
        problems.append(("kind", "Choose which concerns the rule is for"))
    if fields["urgent"] not in (None, True, False):
        problems.append(("urgent", "Choose urgent, not urgent, or either"))
    target, contact = fields["target"], fields["contact"]
    if target not in RoutingTarget.values:
        problems.append(("target", "Choose where these concerns go"))
    elif target == RoutingTarget.CONTACT:
        unchanged = rule is not None and contact is not None and rule.contact_id == contact.pk
        if contact is None:
            problems.append(("contact", "Choose the contact to send these concerns to"))
        elif contact.group_id != group_id and not unchanged:
            problems.append(("contact", "Choose one of this group's contacts"))
        elif not contact.is_active:
            problems.append(
                (
                    "contact",
                    f"{contact.name} is not active: choose an active contact, or make them "
                    "active again first",
                )
            )
    elif contact is not None:
        problems.append(
            (
                "contact",
                "Leave the contact empty when concerns go to the person's GP practice: the "
                "practice on their record decides who receives them",
            )
        )
    return problems


def next_rule_order(group) -> int:
    """An order number that puts a new rule last, leaving a gap of 10."""
    highest = RoutingRule.objects.filter(organisation=group).aggregate(m=Max("order"))["m"]
    return 10 if highest is None else min(highest + 10, MAX_RULE_ORDER)


@transaction.atomic
def add_routing_rule(
    group,
    *,
    by,
    order: int,
    target: str,
    kind: str = "",
    urgent: bool | None = None,
    contact: ConcernContact | None = None,
) -> RoutingRule:
    fields = {"order": order, "kind": kind, "urgent": urgent, "target": target, "contact": contact}
    problems = _rule_problems(group.pk, None, fields)
    if problems:
        raise RoutingProblems(problems)
    rule = RoutingRule.objects.create(organisation=group, **fields)
    _routing_audit(by, Action.CREATE, rule, f"Routing rule added: {rule.order}. {rule}")
    return rule


@transaction.atomic
def update_routing_rule(rule: RoutingRule, *, by, **fields) -> RoutingRule:
    unknown = set(fields) - set(RULE_FIELDS)
    if unknown:
        raise TypeError(f"not rule fields: {sorted(unknown)}")
    rule = (
        RoutingRule.objects.select_for_update(of=("self",))
        .select_related("contact")
        .get(pk=rule.pk)
    )
    _apply_changes(
        rule,
        RULE_FIELDS,
        fields,
        problems=lambda merged: _rule_problems(rule.organisation_id, rule, merged),
        summary=lambda changes: f"Routing rule changed: {rule.order}. {rule}",
        by=by,
    )
    return rule


@transaction.atomic
def delete_routing_rule(rule: RoutingRule, *, by) -> None:
    """Concerns already routed by the rule keep their contact: only future routing changes."""
    _routing_audit(by, Action.DELETE, rule, f"Routing rule deleted: {rule.order}. {rule}")
    rule.delete()


# Every (kind, urgent) a concern can have: what "does every concern reach someone" ranges over.
CONCERN_CASES = [(kind, urgent) for kind in ConcernKind.values for urgent in (True, False)]


@dataclass(frozen=True)
class RuleLine:
    rule: RoutingRule
    # Why routing passes this rule over, in words; empty when it can send concerns.
    passed_over: str = ""


@dataclass
class RoutingOverview:
    """What the "Where concerns go" page shows, read in a fixed number of queries."""

    rules: list[RuleLine]
    contacts: list[ConcernContact]
    # The concerns no rule is sure to send to a named contact, in words.
    gaps: list[str]
    # Who "the person's GP practice" reaches: each practice's first active contact.
    practice_contacts: list[ConcernContact]
    uses_gp_practice: bool


def explain_rules(rules) -> tuple[list[RuleLine], list[str]]:
    """Walk the rules in order as :func:`route_for` does, marking those it can never use,
    and say which concerns may reach nobody. Only a rule naming an active contact is sure to
    send a concern; a GP practice rule is passed over when the person's practice has no
    active contact."""
    sure: set[tuple[str, bool]] = set()
    lines = []
    for rule in rules:
        fits = {case for case in CONCERN_CASES if rule.fits(*case)}
        names_someone = rule.target == RoutingTarget.CONTACT and rule.contact is not None
        if rule.target == RoutingTarget.CONTACT and rule.contact is None:
            note = "Passed over: it names no contact"
        elif names_someone and not rule.contact.is_active:
            note = f"Passed over: {rule.contact.name} is not active"
        elif fits <= sure:
            note = "Never used: the rules above already send every concern it fits"
        else:
            note = ""
        if names_someone and rule.contact.is_active:
            sure |= fits
        lines.append(RuleLine(rule, note))
    gaps = []
    for kind, label in ConcernKind.choices:
        missing = [urgent for urgent in (True, False) if (kind, urgent) not in sure]
        if len(missing) == 2:
            gaps.append(label)
        elif missing:
            gaps.append(f"{label} ({'urgent' if missing[0] else 'not urgent'})")
    return lines, gaps


def routing_overview(group) -> RoutingOverview:
    rules = list(
        RoutingRule.objects.filter(organisation=group)
        .select_related("contact__organisation")
        .order_by("order", "pk")
    )
    lines, gaps = explain_rules(rules)
    contacts = list(
        ConcernContact.objects.kept_by(group)
        .select_related("organisation", "user", "escalate_to")
        .annotate(concerns_sent=Count("concerns"))
        .order_by("-is_active", "name", "pk")
    )
    uses_gp_practice = any(r.target == RoutingTarget.GP_PRACTICE for r in rules)
    practice_contacts: dict[int, ConcernContact] = {}
    if uses_gp_practice:
        # The same choice route_for makes: the practice's earliest-added active contact.
        for contact in (
            ConcernContact.objects.active()
            .filter(organisation__kind=OrganisationKind.GP_PRACTICE)
            .select_related("organisation")
            .order_by("organisation__name", "organisation_id", "pk")
        ):
            practice_contacts.setdefault(contact.organisation_id, contact)
    return RoutingOverview(
        rules=lines,
        contacts=contacts,
        gaps=gaps,
        practice_contacts=list(practice_contacts.values()),
        uses_gp_practice=uses_gp_practice,
    )


__all__ = [
    "CallDetails",
    "ContactInUse",
    "DuplicateRequest",
    "HelpError",
    "ImportProblems",
    "InvalidTransition",
    "NotEligible",
    "RoutingProblems",
    "TaskNoLongerAvailable",
    "TooManyRequests",
    "accept_offer",
    "add_concern_contact",
    "add_occurrence",
    "add_routing_rule",
    "assign_task",
    "cancel_request",
    "cancel_task",
    "complete_task",
    "create_request",
    "decline_offer",
    "delete_concern_contact",
    "delete_routing_rule",
    "eligibility",
    "escalate_overdue_concerns",
    "import_nhs_list",
    "merge_requests",
    "offer_task",
    "raise_concern",
    "release_task",
    "routing_overview",
    "take_call",
    "update_concern_contact",
    "update_routing_rule",
]

"""Matching in the product: run the engine on mutual aid's waiting tasks, keep the proposals,
offer the accepted ones through mutual aid's services, and plan delivery rounds.

Mutual aid owns tasks and volunteers; this module only reads them through the seam
(``keepwell.help.queries``) and changes them through ``keepwell.help.services``, which
checks the hard rules again at the moment of the offer, so a proposal that went stale
(a check expired, the task was taken) is refused rather than acted on.
"""

from __future__ import annotations

import time as clock
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from keepwell.audit.models import Action, Purpose
from keepwell.audit.services import acting_user, record_many
from keepwell.help import services as help_services
from keepwell.help.eligibility import hard_blockers
from keepwell.help.models import (
    AuthorisationKind,
    CheckKind,
    RequestStatus,
    Task,
    TaskState,
    Volunteer,
)
from keepwell.help.queries import (
    RECENT_DAYS,
    EligibleVolunteer,
    OpenRequest,
    eligible_volunteers_for_matching,
    open_requests_for_matching,
)
from keepwell.matching import engine, routing
from keepwell.matching.models import (
    DeliveryRound,
    MatchRun,
    Proposal,
    ProposalStatus,
    RoundDriver,
    RoundStop,
    RunTrigger,
)
from keepwell.places.models import Area, PostcodeLocation

# Kinds of help that are a delivery: something taken to the door.
DELIVERY_NEEDS = ("food_parcel", "prescription", "controlled_drugs")
# Tasks that can still go on a round: waiting for a volunteer or held by one.
ROUTABLE_STATES = (TaskState.OPEN, TaskState.OFFERED, TaskState.ACCEPTED)


class MatchingError(Exception):
    pass


# --- weights -------------------------------------------------------------------------------


def weights_from_settings() -> engine.Weights:
    return engine.Weights(
        continuity_km=float(settings.MATCHING_CONTINUITY_BONUS_KM),
        fairness_km_per_task=float(settings.MATCHING_FAIRNESS_KM_PER_TASK),
    )


def urgency_value(urgency: int) -> int:
    """What a request of this urgency (1 routine, 2 soon, 3 urgent) is worth to the engine:
    1 + MATCHING_URGENCY_WEIGHT x (urgency - 1), so 1, 2, 3 with the default weight 1; 0
    makes every request worth the same; 2 makes an urgent request worth five routine ones."""
    weight = max(0.0, float(settings.MATCHING_URGENCY_WEIGHT))
    return max(1, min(1000, round(1 + weight * (int(urgency) - 1))))


# --- suggesting matches --------------------------------------------------------------------


def _label(kind: str) -> str:
    for choices in (CheckKind, AuthorisationKind):
        if kind in choices.values:
            return str(choices(kind).label)
    return kind


def why(request: OpenRequest, volunteer: EligibleVolunteer, continuity: bool) -> str:
    """The reasons a suggestion is sound, in words, from what the engine was given."""
    parts = ["Helped last time"] if continuity else []
    needed = sorted(request.checks) + sorted(request.authorisations)
    if needed:
        parts.append("holds " + ", ".join(_label(k) for k in needed))
    if request.languages:
        parts.append("speaks " + ", ".join(sorted(request.languages)))
    if request.start is not None:
        parts.append("free then")
    recent = volunteer.recent_load
    parts.append(
        f"{recent} task{'s' if recent != 1 else ''} in the last {RECENT_DAYS} days"
        if recent
        else f"no tasks in the last {RECENT_DAYS} days"
    )
    parts.append(f"room for {volunteer.capacity} more this week")
    text = "; ".join(parts)
    return text[:1].upper() + text[1:]


def area_scope(area: Area | None) -> set[int] | None:
    return None if area is None else Area.objects.with_descendants({area.pk})


def _kept_apart(rows: Sequence[OpenRequest], pool_rows: Sequence[EligibleVolunteer]):
    """The engine's inputs with each request kept from the volunteers it must never go to
    (the person asking is one of them). The engine knows no such pair, so such a request asks
    for a kind of help of its own that every other volunteer offering its kind offers too: an
    exact exclusion the engine's optimum respects, at the cost of one term per request."""
    need_of: dict[int, str] = {}
    extra: dict[int, set[str]] = {}
    for r in rows:
        if not r.not_volunteers or r.need is None:
            continue
        term = f"{r.need} (not volunteer {', '.join(map(str, sorted(r.not_volunteers)))})"
        need_of[r.id] = term
        for v in pool_rows:
            if r.need in v.skills and v.id not in r.not_volunteers:
                extra.setdefault(v.id, set()).add(term)
    requests = [
        engine.Request(
            **{
                **r.engine_fields(),
                "need": need_of.get(r.id, r.need),
                "urgency": urgency_value(r.urgency),
            }
        )
        for r in rows
    ]
    volunteers = [
        engine.Volunteer(
            **{**v.engine_fields(), "skills": v.skills | frozenset(extra.get(v.id, ()))}
        )
        for v in pool_rows
    ]
    return requests, volunteers


ONLY_THEMSELF = "The only volunteer who holds what it needs is the person it is for."


def _only_themself(unmatched, row: OpenRequest, pool_rows: Sequence[EligibleVolunteer]) -> str:
    """The engine's "no one with the check" is not true when the one who has it was kept
    away because the request is for them: say so instead."""
    if unmatched.reason != engine.UnmatchedReason.NO_CHECK or not row.not_volunteers:
        return ""

    def holds(v: EligibleVolunteer) -> bool:
        return (
            (row.need is None or row.need in v.skills)
            and row.checks <= v.checks
            and row.authorisations <= v.authorisations
        )

    kept_away = [v for v in pool_rows if v.id in row.not_volunteers]
    return ONLY_THEMSELF if any(holds(v) for v in kept_away) else ""


def suggest(
    organisation,
    area: Area | None,
    *,
    by,
    trigger: str = RunTrigger.BUTTON,
    at: datetime | None = None,
) -> MatchRun:
    """Run the engine on the group's waiting tasks (in the area and the areas below it, or
    everywhere) and its volunteers, and keep the proposals."""
    at = at or timezone.now()
    started = clock.perf_counter()
    rows = open_requests_for_matching(organisation, area_ids=area_scope(area), at=at)
    pool_rows = eligible_volunteers_for_matching(organisation, at=at)
    weights = weights_from_settings()
    requests, volunteers = _kept_apart(rows, pool_rows)
    pool = engine.VolunteerPool.from_volunteers(volunteers)
    result = engine.match(requests, pool, weights=weights)
    request_row = {r.id: r for r in rows}
    volunteer_row = {v.id: v for v in pool_rows}
    with transaction.atomic():
        run = MatchRun.objects.create(
            organisation=organisation,
            area=area,
            started_by=acting_user(by),
            trigger=trigger,
            created_at=at,
            weights={
                "urgency_weight": float(settings.MATCHING_URGENCY_WEIGHT),
                "continuity_km": weights.continuity_km,
                "fairness_km_per_task": weights.fairness_km_per_task,
                "fairness_max_tasks": weights.fairness_max_tasks,
            },
            method=result.method,
            requests=len(requests),
            volunteers=len(pool),
            matched=result.matched_count,
            unlocated=rows.unlocated,
            total_km=result.total_km,
            seconds=clock.perf_counter() - started,
            certified=result.certified,
            rounds=result.rounds,
            arcs_added=result.arcs_added,
        )
        proposals = [
            Proposal(
                run=run,
                task_id=m.request_id,
                volunteer_id=m.volunteer_id,
                distance_km=m.distance_km,
                continuity=m.continuity,
                why=why(request_row[m.request_id], volunteer_row[m.volunteer_id], m.continuity)[
                    :300
                ],
            )
            for m in result.matches
        ]
        proposals += [
            Proposal(
                run=run,
                task_id=u.request_id,
                reason=u.reason.value,
                note=_only_themself(u, request_row[u.request_id], pool_rows),
                status=ProposalStatus.UNMATCHED,
            )
            for u in result.unmatched
        ]
        Proposal.objects.bulk_create(proposals)
        # One live suggestion per task: a task looked at again is no longer offered from an
        # older run's list (a scheduled run every few minutes would otherwise pile them up).
        Proposal.objects.filter(
            status=ProposalStatus.PROPOSED,
            task_id__in=Proposal.objects.filter(run=run).values("task_id"),
        ).exclude(run=run).update(status=ProposalStatus.SUPERSEDED, decided_at=at)
    return run


@dataclass(frozen=True)
class Accepted:
    offered: int
    refused: int


def accept(run: MatchRun, proposal_ids: Iterable[int] | None, *, by) -> Accepted:
    """Offer the chosen proposals (``None``: every suggestion still open) through mutual
    aid, which checks the hard rules again. Each offer is its own transaction, so one
    refusal does not undo the others; a refused proposal keeps the reason."""
    pending = run.proposals.filter(status=ProposalStatus.PROPOSED, volunteer__isnull=False)
    if proposal_ids is not None:
        pending = pending.filter(pk__in=list(proposal_ids))
    offered = refused = 0
    for pk in pending.order_by("pk").values_list("pk", flat=True):
        with transaction.atomic():
            proposal = (
                Proposal.objects.select_for_update(of=("self",))
                .select_related("task", "volunteer")
                .get(pk=pk)
            )
            if proposal.status != ProposalStatus.PROPOSED:
                continue  # someone else accepted it a moment ago
            try:
                help_services.offer_task(proposal.task, proposal.volunteer, by=by)
            except help_services.HelpError as exc:
                proposal.status = ProposalStatus.REFUSED
                proposal.note = str(exc)[:500]
                refused += 1
            else:
                proposal.status = ProposalStatus.OFFERED
                offered += 1
            proposal.decided_by = by
            proposal.decided_at = timezone.now()
            proposal.save(update_fields=["status", "note", "decided_by", "decided_at"])
    return Accepted(offered, refused)


def run_scheduled(at: datetime | None = None) -> int:
    """Suggest matches for every group with tasks waiting (the scheduled run); the proposals
    wait for a coordinator to accept them. Returns how many runs were made."""
    from keepwell.directory.models import Organisation

    at = at or timezone.now()
    org_ids = (
        Task.objects.filter(state=TaskState.OPEN, request__status=RequestStatus.OPEN)
        .values_list("request__organisation_id", flat=True)
        .distinct()
    )
    made = 0
    for organisation in Organisation.objects.filter(pk__in=list(org_ids)).order_by("pk"):
        suggest(organisation, None, by=None, trigger=RunTrigger.SCHEDULE, at=at)
        made += 1
    return made


# --- delivery rounds -----------------------------------------------------------------------


def deliveries(organisation, area: Area | None):
    """The group's deliveries that can go on a round, soonest first."""
    tasks = Task.objects.filter(
        request__organisation=organisation,
        request__status=RequestStatus.OPEN,
        request__need_type__slug__in=DELIVERY_NEEDS,
        state__in=ROUTABLE_STATES,
    )
    scope = area_scope(area)
    if scope is not None:
        tasks = tasks.filter(request__area_id__in=scope)
    return tasks.select_related("request__person", "request__need_type").order_by("due_start", "pk")


@dataclass(frozen=True)
class DriverPlan:
    volunteer: Volunteer
    start_postcode: str
    capacity: int
    shift_start: time
    shift_end: time
    return_to_start: bool = False


def _minutes(t: time) -> int:
    return t.hour * 60 + t.minute


def _window(task: Task, day: date) -> tuple[int, int] | None:
    """The task's time window in minutes of ``day`` (None: any time that day)."""
    if task.due_start is None:
        return None
    start = timezone.localtime(task.due_start)
    if start.date() != day:
        return None
    end = timezone.localtime(task.due_end) if task.due_end else start + timedelta(hours=2)
    last = _minutes(end.time()) if end.date() == day else 24 * 60
    return _minutes(start.time()), max(_minutes(start.time()), last)


def _allowed_drivers(tasks: Sequence[Task], drivers: Sequence[DriverPlan], at: datetime):
    """Per task, the drivers who pass every hard rule for it (checked once per kind of help
    and group, since those are what the rules depend on), never the person it is for."""
    seen: dict[tuple[int, int], frozenset[int]] = {}
    out = []
    for task in tasks:
        key = (task.request.need_type_id, task.request.organisation_id)
        if key not in seen:
            seen[key] = frozenset(
                i for i, d in enumerate(drivers) if not hard_blockers(d.volunteer, task, at)
            )
        # The person's account is the driver's: their own parcel goes with someone else.
        own = task.request.person.user_id
        out.append(
            seen[key]
            if own is None
            else frozenset(i for i in seen[key] if drivers[i].volunteer.user_id != own)
        )
    return out


def _wall(minute: float) -> time:
    """A minute of the day as a time of day (rounded to the minute, never past 23:59)."""
    whole = max(0, min(int(round(minute)), 24 * 60 - 1))
    return time(whole // 60, whole % 60)


def plan_round(
    organisation,
    area: Area | None,
    day: date,
    tasks: Sequence[Task],
    drivers: Sequence[DriverPlan],
    *,
    by,
    time_limit_s: float | None = None,
) -> DeliveryRound:
    """Share the deliveries between the drivers with OR-Tools, and keep the rounds."""
    if not tasks:
        raise MatchingError("Choose at least one delivery")
    if not drivers:
        raise MatchingError("Add at least one driver")
    for d in drivers:
        if d.shift_end <= d.shift_start:
            raise MatchingError(f"{d.volunteer}'s shift ends before it starts")
    postcodes = {t.request.person.postcode for t in tasks} | {d.start_postcode for d in drivers}
    where = {
        pc: (lat, lon)
        for pc, lat, lon in PostcodeLocation.objects.filter(postcode__in=postcodes).values_list(
            "postcode", "latitude", "longitude"
        )
    }
    missing = sorted(pc or "(none)" for pc in postcodes if pc not in where)
    if missing:
        raise MatchingError(f"No location is known for the postcode {', '.join(missing)}")
    at = timezone.now()
    allowed = _allowed_drivers(tasks, drivers, at)
    plan = routing.plan_rounds(
        [
            routing.Delivery(
                id=i,
                lat=where[t.request.person.postcode][0],
                lon=where[t.request.person.postcode][1],
                window=_window(t, day),
                drivers=allowed[i],
            )
            for i, t in enumerate(tasks)
        ],
        [
            routing.Driver(
                id=j,
                lat=where[d.start_postcode][0],
                lon=where[d.start_postcode][1],
                capacity=d.capacity,
                shift=(_minutes(d.shift_start), _minutes(d.shift_end)),
                return_to_start=d.return_to_start,
            )
            for j, d in enumerate(drivers)
        ],
        time_limit_s=(
            time_limit_s
            if time_limit_s is not None
            else float(getattr(settings, "MATCHING_ROUTING_SECONDS", 3.0))
        ),
    )
    with transaction.atomic():
        made = DeliveryRound.objects.create(
            organisation=organisation,
            area=area,
            day=day,
            created_by=by,
            status=plan.status,
            total_km=plan.total_km,
        )
        rows = {}
        for j, d in enumerate(drivers):
            rows[j] = RoundDriver.objects.create(
                round=made,
                volunteer=d.volunteer,
                start_postcode=d.start_postcode,
                capacity=d.capacity,
                shift_start=d.shift_start,
                shift_end=d.shift_end,
                return_to_start=d.return_to_start,
            )
        stops = []
        for route in plan.routes:
            driver = rows[int(route.driver_id)]
            driver.distance_km, driver.load = route.distance_km, route.load
            driver.save(update_fields=["distance_km", "load"])
            for position, stop in enumerate(route.stops, start=1):
                stops.append(
                    RoundStop(
                        round=made,
                        task=tasks[int(stop.delivery_id)],
                        driver=driver,
                        position=position,
                        arrival=_wall(stop.arrival_minute),
                        km_from_previous=stop.km_from_previous,
                    )
                )
        for unrouted in plan.unrouted:
            stops.append(
                RoundStop(
                    round=made, task=tasks[int(unrouted.delivery_id)], reason=unrouted.reason.value
                )
            )
        RoundStop.objects.bulk_create(stops)
    return made


@dataclass(frozen=True)
class RoundOffers:
    offered: int
    refused: int


def offer_round(made: DeliveryRound, *, by) -> RoundOffers:
    """Confirm a planned round: offer each delivery on it to its driver through mutual aid's
    ``offer_task``, so the same hard rules are checked at this moment. Each delivery is its
    own transaction: a refusal is kept against that stop with its reason and the others
    still go. Confirming again tries the refused ones again; a delivery already offered or
    held by its driver is left as it is."""
    offered = refused = 0
    pending = made.stops.filter(driver__isnull=False, offered_at__isnull=True)
    for pk in pending.order_by("driver_id", "position").values_list("pk", flat=True):
        with transaction.atomic():
            stop = (
                RoundStop.objects.select_for_update(of=("self",))
                .select_related("task", "driver__volunteer")
                .get(pk=pk)
            )
            if stop.offered_at is not None:
                continue  # confirmed by someone else a moment ago
            driver = stop.driver.volunteer
            task = stop.task
            now = timezone.now()
            if task.volunteer_id == driver.pk:
                stop.offered_at, stop.offer_refused = now, ""  # theirs already
            else:
                try:
                    help_services.offer_task(task, driver, by=by)
                except help_services.HelpError as exc:
                    stop.offer_refused = str(exc)[:500]
                    refused += 1
                else:
                    stop.offered_at, stop.offer_refused = now, ""
                    offered += 1
            stop.save(update_fields=["offered_at", "offer_refused"])
    return RoundOffers(offered, refused)


def record_requests_shown(user, help_requests, summary: str) -> None:
    """Pages that show who asked for help record that they were shown."""
    record_many(user, Action.READ, help_requests, purpose=Purpose.HELP_REQUEST, summary=summary)

"""Can this volunteer take this task, now? Hard rules (never broken) and soft ones (a
coordinator's judgement may override them when assigning by hand).

Hard: the volunteer is active, belongs to the group running the request, holds every check
and authorisation the kind of help requires (valid at this moment), and has a car when the
help needs one. Soft: they offer this kind of help, speak the language asked for, live within
their own travel distance, have room in this week's limit, and are free at the time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from keepwell.help.models import (
    HELD_STATES,
    AuthorisationKind,
    CheckKind,
    Task,
    Transport,
    Volunteer,
    VolunteerStatus,
    expand_checks,
    week_start,
)
from keepwell.matching.engine import window_covered
from keepwell.places.geo import haversine_km
from keepwell.places.models import PostcodeLocation


@dataclass(frozen=True)
class Eligibility:
    blockers: tuple[str, ...]
    warnings: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.blockers


def hard_blockers(volunteer: Volunteer, task: Task, at: datetime) -> list[str]:
    request = task.request
    need = request.need_type
    name = volunteer.first_name
    problems = []
    if volunteer.status != VolunteerStatus.ACTIVE:
        problems.append(f"{name} is not an active volunteer ({volunteer.get_status_display()})")
    if not volunteer.organisations.filter(pk=request.organisation_id).exists():
        problems.append(f"{name} does not volunteer with {request.organisation}")
    held = expand_checks(volunteer.checks.valid(at).values_list("kind", flat=True))
    for check in need.required_checks:
        if check not in held:
            label = CheckKind(check).label if check in CheckKind.values else check
            problems.append(f"{name} has no valid {label} ({need.name} needs one)")
    authorised = set(volunteer.authorisations.valid(at).values_list("kind", flat=True))
    for kind in need.required_authorisations:
        if kind not in authorised:
            label = (
                AuthorisationKind(kind).label.lower() if kind in AuthorisationKind.values else kind
            )
            problems.append(f"{name} is not authorised for {label} ({need.name} needs it)")
    if need.needs_car and volunteer.transport != Transport.CAR:
        problems.append(f"{name} has no car ({need.name} needs one)")
    return problems


def _distance_km(a: str, b: str) -> float | None:
    rows = {
        r.postcode: r
        for r in PostcodeLocation.objects.filter(postcode__in=[a, b]).only(
            "postcode", "latitude", "longitude"
        )
    }
    if a not in rows or b not in rows:
        return None
    return float(
        haversine_km(rows[a].latitude, rows[a].longitude, rows[b].latitude, rows[b].longitude)
    )


def soft_warnings(volunteer: Volunteer, task: Task, at: datetime) -> list[str]:
    request = task.request
    name = volunteer.first_name
    warnings = []
    if not volunteer.skills.filter(pk=request.need_type_id).exists():
        warnings.append(f"{name} has not said they offer {request.need_type.name.lower()}")
    if request.language_id and not volunteer.languages.filter(pk=request.language_id).exists():
        warnings.append(f"{name} does not speak {request.language}")
    if request.person.postcode and volunteer.home_postcode:
        km = _distance_km(volunteer.home_postcode, request.person.postcode)
        if km is not None and km > float(volunteer.max_km):
            warnings.append(f"{km:.1f} km away; {name} travels up to {volunteer.max_km} km")
    when = task.due_start or at
    start = week_start(when)
    load = (
        Task.objects.filter(volunteer=volunteer, state__in=HELD_STATES)
        .filter(load_at__gte=start, load_at__lt=start + timedelta(days=7))
        .exclude(pk=task.pk)
        .count()
    )
    if load >= volunteer.max_tasks_per_week:
        warnings.append(
            f"{name} already has {load} tasks that week (limit {volunteer.max_tasks_per_week})"
        )
    if task.due_start and not free_for(volunteer, task.due_start, task.due_end):
        warnings.append(f"{name} is not usually free then")
    return warnings


def free_for(volunteer: Volunteer, start: datetime, end: datetime | None) -> bool:
    """Do the weekly slots cover the whole window? Slots that touch or overlap are one
    (09:00-12:00 and 12:00-17:00 cover 11:00-13:00), by the matching engine's own rule
    (:func:`keepwell.matching.engine.window_covered`). No slots at all means the volunteer
    has not said, which is any time, here as in the engine's input
    (:func:`keepwell.help.queries.eligible_volunteers_for_matching`)."""
    slots = list(volunteer.availability.all())
    if not slots:
        return True
    local_start = timezone.localtime(start)
    local_end = timezone.localtime(end) if end else local_start
    if local_end.date() != local_start.date():
        return False
    first = local_start.hour * 60 + local_start.minute
    last = local_end.hour * 60 + local_end.minute
    return window_covered(
        [(s.start_minute, s.end_minute) for s in slots if s.weekday == local_start.weekday()],
        first,
        last,
    )


def eligibility(volunteer: Volunteer, task: Task, at: datetime | None = None) -> Eligibility:
    at = at or timezone.now()
    return Eligibility(
        blockers=tuple(hard_blockers(volunteer, task, at)),
        warnings=tuple(soft_warnings(volunteer, task, at)),
    )

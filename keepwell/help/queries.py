"""What the matching engine needs, as plain data: the seam between ``help`` and ``matching``.

:func:`open_requests_for_matching` gives one :class:`OpenRequest` per task waiting for a
volunteer, and :func:`eligible_volunteers_for_matching` one :class:`EligibleVolunteer` per
volunteer who could take work now. Their fields carry the names of
``keepwell.matching.engine.Request`` and ``Volunteer``, so an integration is::

    from keepwell.matching import engine
    requests = [engine.Request(**r.engine_fields()) for r in open_requests_for_matching(org)]
    pool = engine.VolunteerPool.from_volunteers(
        [engine.Volunteer(**v.engine_fields()) for v in eligible_volunteers_for_matching(org)]
    )
    for m in engine.match(requests, pool).matches:
        services.offer_task(Task.objects.get(pk=m.request_id), Volunteer.objects.get(pk=...),
                            by=user)

and ``services.offer_task`` still enforces the hard rules, so a stale proposal is refused
rather than acted on. Both functions run a fixed number of queries however many rows
there are. Rows whose postcode has no known location are left out (and counted in the
``unlocated`` attribute of the returned list) because they cannot be placed on a map.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, Value
from django.shortcuts import get_object_or_404
from django.utils import timezone

from keepwell.help.models import (
    HELD_STATES,
    Authorisation,
    Availability,
    Concern,
    NeedType,
    OfferStatus,
    RequestStatus,
    SafeguardingCheck,
    Task,
    TaskOffer,
    TaskState,
    Transport,
    Volunteer,
    VolunteerStatus,
    expand_checks,
    week_start,
)
from keepwell.places.geo import haversine_km
from keepwell.places.models import PostcodeLocation

# "Recent load" counts the tasks a volunteer accepted in this many days (the dashboard's
# "not used lately" uses the same window).
RECENT_DAYS = 14
# Weekly availability is turned into concrete windows this far ahead.
AVAILABILITY_HORIZON_DAYS = 14


@dataclass(frozen=True)
class OpenRequest:
    id: int  # the task's id
    lat: float
    lon: float
    need: str  # the need type's slug
    checks: frozenset[str]
    authorisations: frozenset[str]
    languages: frozenset[str]
    start: datetime | None
    end: datetime | None
    urgency: int
    preferred_volunteer: int | None
    # Not used by the engine; useful to whoever stores the result.
    request_id: int = 0
    area_id: int | None = None
    organisation_id: int = 0
    needs_car: bool = False
    # Volunteers who must never get it: the person asking is one of them (their account is
    # the one the person record is linked to). The engine has no such field; matching's
    # product layer keeps the pair apart.
    not_volunteers: frozenset[int] = frozenset()

    def engine_fields(self) -> dict:
        data = asdict(self)
        for extra in ("request_id", "area_id", "organisation_id", "needs_car", "not_volunteers"):
            data.pop(extra)
        return data


@dataclass(frozen=True)
class EligibleVolunteer:
    id: int  # the volunteer's id
    lat: float
    lon: float
    skills: frozenset[str]  # need type slugs they offer (and can: a car for a hospital run)
    checks: frozenset[str]  # valid now, with what they imply (enhanced DBS counts as basic)
    authorisations: frozenset[str]  # valid now
    languages: frozenset[str]
    max_km: float
    capacity: int  # tasks left this week
    recent_load: int  # tasks accepted in the last RECENT_DAYS days
    availability: tuple[tuple[datetime, datetime], ...] | None  # None: any time

    def engine_fields(self) -> dict:
        return asdict(self)


class Rows(list):
    unlocated: int = 0


def _locations(postcodes) -> dict[str, tuple[float, float]]:
    return {
        pc: (lat, lon)
        for pc, lat, lon in PostcodeLocation.objects.filter(
            postcode__in=set(postcodes)
        ).values_list("postcode", "latitude", "longitude")
    }


def open_requests_for_matching(
    organisation=None, *, area_ids=None, at: datetime | None = None
) -> Rows:
    """Every OPEN task of open requests (offered ones are already with someone), except
    those of a request flagged as a possible duplicate of one still open: until a coordinator
    merges it or says it is not one, a second volunteer could be sent for the same need."""
    at = at or timezone.now()
    tasks = Task.objects.filter(state=TaskState.OPEN, request__status=RequestStatus.OPEN).exclude(
        request__possible_duplicate_of__status=RequestStatus.OPEN
    )
    if organisation is not None:
        tasks = tasks.filter(request__organisation=organisation)
    if area_ids is not None:
        tasks = tasks.filter(request__area_id__in=area_ids)
    rows = list(
        tasks.values_list(
            "pk",
            "due_start",
            "due_end",
            "request_id",
            "request__urgency",
            "request__need_type_id",
            "request__language__code",
            "request__preferred_volunteer_id",
            "request__person__postcode",
            "request__area_id",
            "request__organisation_id",
            "request__person__user_id",
        ).order_by("pk")
    )
    own = defaultdict(set)
    for vid, user_id in Volunteer.objects.filter(
        user_id__in={r[11] for r in rows if r[11] is not None}
    ).values_list("pk", "user_id"):
        own[user_id].add(vid)
    needs = {n.pk: n for n in NeedType.objects.all()}
    where = _locations(r[8] for r in rows)
    # Continuity also for one-off needs: whoever last helped with this request.
    last_helper = dict(
        Task.objects.filter(
            request_id__in={r[3] for r in rows if r[7] is None},
            state__in=[TaskState.DONE, TaskState.ACCEPTED],
        )
        .order_by("request_id", "accepted_at")
        .values_list("request_id", "volunteer_id")
    )
    out = Rows()
    for pk, start, end, req, urgency, need_id, lang, preferred, postcode, area, org, user in rows:
        if postcode not in where:
            out.unlocated += 1
            continue
        need = needs[need_id]
        lat, lon = where[postcode]
        out.append(
            OpenRequest(
                id=pk,
                lat=lat,
                lon=lon,
                need=need.slug,
                checks=frozenset(need.required_checks),
                authorisations=frozenset(need.required_authorisations),
                languages=frozenset([lang]) if lang else frozenset(),
                start=start,
                end=end,
                urgency=urgency,
                preferred_volunteer=preferred or last_helper.get(req),
                request_id=req,
                area_id=area,
                organisation_id=org,
                needs_car=need.needs_car,
                not_volunteers=frozenset(own.get(user, ())),
            )
        )
    return out


def km_from_home(volunteer: Volunteer, task: Task) -> float | None:
    """How far the person asking lives from the volunteer's home, as the crow flies (None
    when either postcode has no known location). What a volunteer weighs up before saying
    yes, without the address itself."""
    where = _locations([volunteer.home_postcode, task.request.person.postcode])
    a, b = where.get(volunteer.home_postcode), where.get(task.request.person.postcode)
    if a is None or b is None:
        return None
    return float(haversine_km(a[0], a[1], b[0], b[1]))


def weekly_windows(slots, at: datetime, days: int = AVAILABILITY_HORIZON_DAYS):
    """Concrete (start, end) windows from weekly (weekday, start_minute, end_minute) slots."""
    local = timezone.localtime(at)
    today = local.date()
    windows = []
    for offset in range(days):
        day = today + timedelta(days=offset)
        midnight = timezone.make_aware(datetime.combine(day, datetime.min.time()))
        for weekday, start_minute, end_minute in slots:
            if weekday == day.weekday():
                start = midnight + timedelta(minutes=start_minute)
                end = midnight + timedelta(minutes=end_minute)
                if end > at:
                    windows.append((max(start, at), end))
    return tuple(sorted(windows))


def eligible_volunteers_for_matching(organisation=None, *, at: datetime | None = None) -> Rows:
    """Active volunteers with room this week (tasks held and offers pending both count),
    with what they hold at this moment."""
    at = at or timezone.now()
    volunteers = Volunteer.objects.filter(status=VolunteerStatus.ACTIVE)
    if organisation is not None:
        volunteers = volunteers.filter(organisations=organisation)
    base = list(
        volunteers.values_list(
            "pk", "home_postcode", "max_km", "max_tasks_per_week", "transport"
        ).order_by("pk")
    )
    # Sets per volunteer, one query each, filtered by a subquery rather than a long IN list.
    id_query = volunteers.values("pk")
    skills, checks, auths, langs = (defaultdict(set) for _ in range(4))
    car_needs = set(NeedType.objects.filter(needs_car=True).values_list("slug", flat=True))
    for vid, slug in Volunteer.skills.through.objects.filter(volunteer_id__in=id_query).values_list(
        "volunteer_id", "needtype__slug"
    ):
        skills[vid].add(slug)
    for vid, kind in (
        SafeguardingCheck.objects.valid(at)
        .filter(volunteer_id__in=id_query)
        .values_list("volunteer_id", "kind")
    ):
        checks[vid].add(kind)
    for vid, kind in (
        Authorisation.objects.valid(at)
        .filter(volunteer_id__in=id_query)
        .values_list("volunteer_id", "kind")
    ):
        auths[vid].add(kind)
    for vid, code in Volunteer.languages.through.objects.filter(
        volunteer_id__in=id_query
    ).values_list("volunteer_id", "language__code"):
        langs[vid].add(code)
    start = week_start(at)
    end = start + timedelta(days=7)
    week_load = dict(
        Task.objects.filter(
            volunteer_id__in=id_query,
            state__in=HELD_STATES,
            load_at__gte=start,
            load_at__lt=end,
        )
        .values_list("volunteer_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    # A pending offer holds a place too: the volunteer may say yes to every one of them.
    offered = (
        TaskOffer.objects.filter(
            volunteer_id__in=id_query,
            status=OfferStatus.PENDING,
            task__state=TaskState.OFFERED,
        )
        .filter(
            Q(task__due_start__isnull=True) | Q(task__due_start__gte=start, task__due_start__lt=end)
        )
        .values_list("volunteer_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for vid, n in offered:
        week_load[vid] = week_load.get(vid, 0) + n
    recent = dict(
        Task.objects.filter(
            volunteer_id__in=id_query, accepted_at__gte=at - timedelta(days=RECENT_DAYS)
        )
        .filter(~Q(state=TaskState.CANCELLED))
        .values_list("volunteer_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    slots = defaultdict(list)
    for vid, day, s, e in Availability.objects.filter(volunteer_id__in=id_query).values_list(
        "volunteer_id", "weekday", "start_minute", "end_minute"
    ):
        slots[vid].append((day, s, e))
    where = _locations(row[1] for row in base)
    out = Rows()
    for vid, postcode, max_km, per_week, transport in base:
        capacity = per_week - week_load.get(vid, 0)
        if capacity <= 0:
            continue
        if postcode not in where:
            out.unlocated += 1
            continue
        lat, lon = where[postcode]
        offers = skills[vid] if transport == Transport.CAR else skills[vid] - car_needs
        out.append(
            EligibleVolunteer(
                id=vid,
                lat=lat,
                lon=lon,
                skills=frozenset(offers),
                checks=expand_checks(checks[vid]),
                authorisations=frozenset(auths[vid]),
                languages=frozenset(langs[vid]),
                max_km=float(max_km),
                capacity=capacity,
                recent_load=recent.get(vid, 0),
                availability=weekly_windows(slots[vid], at) if slots[vid] else None,
            )
        )
    return out


# --- For other rooms ----------------------------------------------------------------------


def visible_concern(user, concern_id: int) -> Concern:
    """A doorstep concern this user may see, with its person and group: 404 if there is
    none, 403 if it is not theirs to see (referrals turns one into a review request)."""
    concern = get_object_or_404(
        Concern.objects.select_related("person", "person__gp_practice", "organisation"),
        pk=concern_id,
    )
    if not Concern.objects.visible_to(user).filter(pk=concern.pk).exists():
        raise PermissionDenied
    return concern


def task_key(task_id) -> str:
    """How another room refers to a help task (the time bank's ``source_ref`` and
    idempotency key for the hours it credits): the one place the form is written."""
    return f"help-task:{task_id}"


def done_tasks_for(user_id: int, *, limit: int = 50):
    """The help tasks done by the volunteer who signs in as ``user_id``, newest first, with
    what was needed and for whom (the time bank credits hours for them)."""
    return (
        Task.objects.filter(volunteer__user_id=user_id, state=TaskState.DONE)
        .select_related("request__need_type", "request__person")
        .order_by("-finished_at", "-pk")[:limit]
    )


def monthly_counts(since: datetime) -> dict[str, list[tuple]]:
    """Insights' counts of help since ``since``, by month: no one named, only tallies.

    Each measure is a list of ``(month, key, postcode, area_id, n)``: help requests by
    kind of need, tasks done by kind of need, tasks that could not be done (unmet need)
    and doorstep concerns by kind, and the volunteers who finished a task that month; the
    postcode is the person helped's (the volunteer's home for tasks done and volunteers,
    where the help came from).
    """
    from django.db.models.functions import TruncMonth

    from keepwell.help.models import HelpRequest

    def rows(qs, when: str, key: str, postcode: str, area: str, counted: str = "id") -> list[tuple]:
        grouped = (
            qs.filter(**{f"{when}__gte": since})
            .annotate(month=TruncMonth(when))
            .values_list("month", key, postcode, area)
            .annotate(n=Count(counted, distinct=counted != "id"))
            .order_by()
        )
        return list(grouped)

    tasks = Task.objects.exclude(finished_at=None)
    return {
        "help_requests": rows(
            HelpRequest.objects.exclude(status=RequestStatus.MERGED),
            "created_at",
            "need_type__slug",
            "person__postcode",
            "area_id",
        ),
        "tasks_done": rows(
            tasks.filter(state=TaskState.DONE),
            "finished_at",
            "request__need_type__slug",
            "volunteer__home_postcode",
            "volunteer__area_id",
        ),
        "tasks_not_done": rows(
            tasks.filter(state=TaskState.COULD_NOT_COMPLETE),
            "finished_at",
            "request__need_type__slug",
            "request__person__postcode",
            "request__area_id",
        ),
        "concerns": rows(Concern.objects.all(), "raised_at", "kind", "person__postcode", "area_id"),
        # Each volunteer once a month, however many tasks they finished (key: none).
        "volunteers_active": rows(
            tasks.filter(state=TaskState.DONE).annotate(none=Value("")),
            "finished_at",
            "none",
            "volunteer__home_postcode",
            "volunteer__area_id",
            counted="volunteer_id",
        ),
    }


def monthly_giving(since: datetime) -> list[tuple]:
    """Who gave help and who received it each month since ``since``, for insights'
    reciprocity: ``(month, person_id, postcode, area_id, gave, received)``, once a month for
    each volunteer who finished a task (by their own person record if they have one, at
    their home) and each person a finished task helped. Insights counts, never names."""
    from django.db.models.functions import TruncMonth

    done = Task.objects.filter(state=TaskState.DONE, finished_at__gte=since).annotate(
        month=TruncMonth("finished_at")
    )
    gave = done.values_list(
        "month",
        "volunteer__user__person__id",
        "volunteer_id",
        "volunteer__home_postcode",
        "volunteer__area_id",
    ).distinct()
    helped = done.values_list(
        "month", "request__person_id", "request__person__postcode", "request__area_id"
    ).distinct()
    rows: list[tuple] = []
    for month, person_id, volunteer_id, postcode, area_id in gave.order_by().iterator(
        chunk_size=5000
    ):
        # A volunteer with no person record of their own is still one giver.
        who = person_id if person_id is not None else f"volunteer:{volunteer_id}"
        rows.append((month, who, postcode or "", area_id, True, False))
    for month, person_id, postcode, area_id in helped.order_by().iterator(chunk_size=5000):
        if person_id is not None:
            rows.append((month, person_id, postcode or "", area_id, False, True))
    return rows


def count_labels() -> dict[str, str]:
    """What the keys of :func:`monthly_counts` are called: kinds of need and of concern."""
    from keepwell.help.models import ConcernKind

    return {**dict(NeedType.objects.values_list("slug", "name")), **dict(ConcernKind.choices)}

"""What the coordinator dashboard and an area queue show, in a fixed number of queries.

Each figure is one aggregate query (the volunteer counts share one pass, and "needs no
volunteer can meet" asks of every kind of need in one statement), so the pages cost the
same number of queries with ten requests as with fifty thousand, and stay fast without the
minute's cache of the volunteer figures. That cache is Django's database cache (``CACHES`` in
settings), shared by every web process.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Exists, F, Min, OuterRef, Q
from django.utils import timezone

from keepwell.accounts.models import Role
from keepwell.help.models import (
    HELD_STATES,
    WAITING_STATES,
    Authorisation,
    Availability,
    Concern,
    HelpRequest,
    NeedType,
    PublicRequest,
    PublicRequestStatus,
    SafeguardingCheck,
    Task,
    TaskState,
    Transport,
    Urgency,
    Volunteer,
    VolunteerStatus,
    kinds_satisfying,
    week_start,
)
from keepwell.help.queries import RECENT_DAYS
from keepwell.places.models import Area

LIST_LIMIT = 10


def scope_organisation_ids(user) -> set[int] | None:
    """The groups whose volunteers a user works with; None for a platform admin (all)."""
    if user.is_platform_admin:
        return None
    return user.organisation_ids(Role.COORDINATOR, Role.AREA_LEAD)


def volunteers_for(user):
    org_ids = scope_organisation_ids(user)
    volunteers = Volunteer.objects.all()
    if org_ids is not None:
        # A subquery, not a join: a volunteer in two of the user's groups is one volunteer.
        volunteers = volunteers.filter(
            pk__in=Volunteer.organisations.through.objects.filter(
                organisation_id__in=org_ids
            ).values("volunteer_id")
        )
    return volunteers


@dataclass
class AreaRow:
    area_id: int | None
    name: str
    slug: str | None
    counts: dict[int, int] = field(default_factory=dict)
    oldest: datetime | None = None

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def cells(self) -> list[int]:
        """Counts from most to least urgent, as the table's columns run."""
        return [self.counts.get(value, 0) for value, _ in reversed(Urgency.choices)]


@dataclass
class Dashboard:
    areas: list[AreaRow]
    unmet: list[tuple[NeedType, int]]
    available_count: int
    available: list[Volunteer]
    idle_count: int
    idle: list[Volunteer]
    concerns_open: int
    concerns_escalated: int
    to_triage: int
    urgencies: list = field(default_factory=lambda: list(reversed(Urgency.choices)))


def open_by_area(requests) -> list[AreaRow]:
    """Counts by area and urgency from the covering index, then the few areas' names: no
    join to the areas for each of thousands of requests."""
    grouped = list(
        requests.values_list("area_id", "urgency")
        .annotate(n=Count("pk"), oldest=Min("created_at"))
        .order_by()
    )
    areas = {
        pk: (name, slug)
        for pk, name, slug in Area.objects.filter(
            pk__in={area_id for area_id, *_ in grouped if area_id is not None}
        )
        .values_list("pk", "name", "slug")
        .order_by()
    }
    rows: dict[int | None, AreaRow] = {}
    for area_id, urgency, n, oldest in grouped:
        name, slug = areas.get(area_id, ("No area", None))
        row = rows.setdefault(area_id, AreaRow(area_id, name, slug))
        row.counts[urgency] = n
        row.oldest = oldest if row.oldest is None else min(row.oldest, oldest)
    return sorted(rows.values(), key=lambda r: (r.area_id is None, r.name))


def _unable_sql(needs: list[NeedType], org_ids: set[int] | None, at: datetime):
    """One statement listing the kinds of help no active volunteer of the groups can give now:
    ``SELECT <id> WHERE NOT EXISTS (<someone offers it and holds what it needs>)`` for each
    kind, joined by UNION ALL.

    Written out rather than built with the ORM: built from querysets, the fourteen
    subqueries cost about 30 ms of Python a page, and PostgreSQL spent 20 ms more planning
    them, as it flattened each into a join of five tables. Here each requirement sits inside
    a CASE, which keeps it a probe of one index (the check, the authorisation, the group
    membership) for the offers read, so planning is cheap and the search still stops at the
    first volunteer who can. A kind needing an authorisation starts from the authorisations
    (the rarest thing), any other from the volunteers who offer it (the skills index)."""
    qn = connection.ops.quote_name
    when = connection.ops.adapt_datetimefield_value(at)
    skills = qn(Volunteer.skills.through._meta.db_table)
    volunteers = qn(Volunteer._meta.db_table)
    checks = qn(SafeguardingCheck._meta.db_table)
    authorisations = qn(Authorisation._meta.db_table)
    groups = qn(Volunteer.organisations.through._meta.db_table)

    def marks(values) -> str:
        return ", ".join(["%s"] * len(values))

    # Only quoted table names and placeholders go into the text; every value is a parameter.
    authorised = (
        "{a}.kind = %s AND ({a}.expires_at IS NULL OR {a}.expires_at > %s)"
        " AND ({a}.revoked_at IS NULL OR {a}.revoked_at > %s)"
    )
    statements, params = [], []
    for need in needs:
        required = list(need.required_authorisations)
        conditions, args = [], []
        if required:
            source = f"{authorisations} d INNER JOIN {skills} s ON s.volunteer_id = d.volunteer_id"
            conditions.append(authorised.format(a="d"))
            args += [required.pop(0), when, when]
        else:
            source = f"{skills} s"
        source += f" INNER JOIN {volunteers} v ON v.id = s.volunteer_id"
        conditions.append("s.needtype_id = %s AND v.status = %s")
        args += [need.pk, VolunteerStatus.ACTIVE]
        if need.needs_car:
            conditions.append("v.transport = %s")
            args.append(Transport.CAR)
        probes = []
        for kind in required:
            probes.append(
                f"EXISTS (SELECT 1 FROM {authorisations} a WHERE a.volunteer_id = s.volunteer_id"  # noqa: S608
                f" AND {authorised.format(a='a')})"
            )
            args += [kind, when, when]
        for check in need.required_checks:
            # A kind keepwell does not know (typed in the admin) is met by that kind only.
            kinds = kinds_satisfying(check) or [check]
            probes.append(
                f"EXISTS (SELECT 1 FROM {checks} c WHERE c.volunteer_id = s.volunteer_id"  # noqa: S608
                f" AND c.kind IN ({marks(kinds)})"
                " AND (c.expires_at IS NULL OR c.expires_at > %s))"
            )
            args += [*kinds, when]
        if org_ids is not None and not org_ids:
            # Someone who leads an area but belongs to no group works with no volunteers.
            conditions.append("1 = 0")
        elif org_ids is not None:
            probes.append(
                f"EXISTS (SELECT 1 FROM {groups} m WHERE m.volunteer_id = s.volunteer_id"  # noqa: S608
                f" AND m.organisation_id IN ({marks(org_ids)}))"
            )
            args += sorted(org_ids)
        if probes:
            conditions.append(f"CASE WHEN {' AND '.join(probes)} THEN 1 ELSE 0 END = 1")
        # The id as a literal (an integer), so every branch of the UNION has a typed column.
        statements.append(
            f"SELECT {int(need.pk)} AS id WHERE NOT EXISTS (SELECT 1 FROM {source}"  # noqa: S608
            f" WHERE {' AND '.join(conditions)})"
        )
        params += args
    return " UNION ALL ".join(statements), params


def unmet_needs(requests, org_ids: set[int] | None, at: datetime) -> list[tuple[NeedType, int]]:
    """Kinds of help waiting in the queue that no volunteer of the group can give now
    (nobody active offers it with the checks, authorisations and transport it needs).

    Three queries whatever the number of kinds or requests: the kinds, one statement asking
    "can anyone meet it?" of every kind at once, and the waiting tasks of the kinds nobody
    can meet (usually a few, so the count reads a few requests by need rather than joining
    every waiting task)."""
    needs = list(NeedType.objects.all())
    if not needs:
        return []
    sql, params = _unable_sql(needs, org_ids, at)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        unable = {pk for (pk,) in cursor.fetchall()}
    if not unable:
        return []
    waiting = dict(
        requests.filter(need_type_id__in=unable, tasks__state__in=WAITING_STATES)
        .values_list("need_type_id")
        .annotate(n=Count("tasks"))
        .order_by()
    )
    return [(need, waiting[need.pk]) for need in needs if need.pk in waiting]


def _at_capacity(at: datetime):
    """Volunteers who already hold their most tasks this week: one grouped pass over this
    week's held tasks, rather than a count per volunteer."""
    start = week_start(at)
    return (
        Task.objects.filter(
            state__in=HELD_STATES, load_at__gte=start, load_at__lt=start + timedelta(days=7)
        )
        .values("volunteer_id", "volunteer__max_tasks_per_week")
        .annotate(n=Count("pk"))
        .filter(n__gte=F("volunteer__max_tasks_per_week"))
        .values("volunteer_id")
    )


def cache_seconds() -> int:
    return int(getattr(settings, "KEEPWELL_HELP_DASHBOARD_CACHE_SECONDS", 60))


def _free_now(at: datetime, field: str = "volunteer_id") -> Q:
    """Free at this moment by their weekly availability (no slots at all: any time), as two
    lists the database builds once, rather than two lookups for every volunteer."""
    local = timezone.localtime(at)
    minute = local.hour * 60 + local.minute
    slot = Availability.objects.filter(
        weekday=local.weekday(), start_minute__lte=minute, end_minute__gt=minute
    ).values("volunteer_id")
    return Q(**{f"{field}__in": slot}) | ~Q(
        **{f"{field}__in": Availability.objects.values("volunteer_id")}
    )


def _count_volunteers(org_ids: set[int] | None, **conditions: Q) -> dict[str, int]:
    """How many active volunteers of the groups meet each condition (written on the
    volunteer's id as ``volunteer_id``), all in one pass: read from the group membership
    table, so the group is an index range rather than a list of every volunteer's id."""
    if org_ids is None:
        rows = Volunteer.objects.filter(status=VolunteerStatus.ACTIVE).annotate(
            volunteer_id=F("pk")
        )
    else:
        rows = Volunteer.organisations.through.objects.filter(
            organisation_id__in=org_ids, volunteer__status=VolunteerStatus.ACTIVE
        )
    # One group: each volunteer is one membership row, so no DISTINCT (a sort) is needed.
    distinct = org_ids is not None and len(org_ids) > 1
    return rows.aggregate(
        **{
            name: Count("volunteer_id", distinct=distinct, filter=condition)
            for name, condition in conditions.items()
        }
    )


def _group_volunteers(org_ids: set[int] | None):
    """Active volunteers of the groups, for the short lists: per-row lookups (the group, a
    slot now, a recent task) are cheap there as the scan by id stops after a few rows."""
    rows = Volunteer.objects.active()
    if org_ids is not None:
        rows = rows.filter(
            Exists(
                Volunteer.organisations.through.objects.filter(
                    volunteer_id=OuterRef("pk"), organisation_id__in=org_ids
                )
            )
        )
    return rows.select_related("user", "area").order_by("pk")


def _volunteer_side(user, org_ids: set[int] | None, requests, at: datetime) -> dict:
    """Who can help: a fixed handful of aggregate queries over the group's volunteers. They
    are also kept for a minute (``KEEPWELL_HELP_DASHBOARD_CACHE_SECONDS``) to spare the
    database, in the database cache, so every web process reads what one of them worked
    out; the requests, concerns and triage figures beside them are always live."""
    key = f"help:dashboard:volunteers:{user.pk}"
    seconds = cache_seconds()
    if seconds > 0:
        found = cache.get(key)
        if found is not None:
            return found
    busy = _at_capacity(at)
    # Not null: NOT IN over a list holding a null matches nothing.
    recent = Task.objects.filter(
        accepted_at__gte=at - timedelta(days=RECENT_DAYS), volunteer__isnull=False
    ).values("volunteer_id")
    # The short lists are the first few by id: ordering thousands of rows by their week's
    # load or their last task would cost more than the whole rest of the page.
    counts = _count_volunteers(
        org_ids,
        available_count=_free_now(at) & ~Q(volunteer_id__in=busy),
        idle_count=~Q(volunteer_id__in=recent),
    )
    figures = {
        "unmet": unmet_needs(requests, org_ids, at),
        **counts,
        # Room this week checked row by row (the scan by id stops after a few rows), not
        # against the list of everyone at their limit, which costs a pass over the week.
        "available": list(
            _group_volunteers(org_ids)
            .available_at(at)
            .with_week_load(at)
            .filter(week_tasks__lt=F("max_tasks_per_week"))[:LIST_LIMIT]
        ),
        "idle": list(
            _group_volunteers(org_ids).idle_since(at - timedelta(days=RECENT_DAYS))[:LIST_LIMIT]
        ),
    }
    if seconds > 0:
        cache.set(key, figures, seconds)
    return figures


def build(user, at: datetime) -> Dashboard:
    org_ids = scope_organisation_ids(user)
    requests = HelpRequest.objects.visible_to(user).open()
    concerns = (
        Concern.objects.visible_to(user)
        .unclosed()
        .aggregate(open=Count("pk"), escalated=Count("pk", filter=Q(escalations__gt=0)))
    )
    triage = PublicRequest.objects.filter(status=PublicRequestStatus.NEEDS_TRIAGE)
    if org_ids is not None:
        triage = triage.filter(
            Q(organisation_id__in=user.organisation_ids(Role.COORDINATOR))
            | Q(area_id__in=user.led_area_ids())
        )
    return Dashboard(
        areas=open_by_area(requests),
        **_volunteer_side(user, org_ids, requests, at),
        concerns_open=concerns["open"],
        concerns_escalated=concerns["escalated"],
        to_triage=triage.count(),
    )


def area_queue(user, area_ids: set[int]):
    """Tasks waiting for a volunteer in these areas, most urgent and soonest first."""
    requests = HelpRequest.objects.visible_to(user).open().filter(area_id__in=area_ids)
    return (
        Task.objects.filter(state__in=WAITING_STATES, request__in=requests)
        .select_related("request__person", "request__need_type", "request__language")
        # Only what the queue shows (and the audit row needs), not every column of four
        # tables.
        .only(
            "state",
            "due_start",
            "request__person_id",
            "request__urgency",
            "request__created_at",
            "request__person__given_name",
            "request__person__family_name",
            "request__person__postcode",
            "request__need_type__name",
            "request__language__name",
        )
        .order_by(
            "-request__urgency", F("due_start").asc(nulls_last=True), "request__created_at", "pk"
        )
    )


def area_held(user, area_ids: set[int]):
    requests = HelpRequest.objects.visible_to(user).open().filter(area_id__in=area_ids)
    return Task.objects.filter(state=TaskState.ACCEPTED, request__in=requests)


def tasks_by_state(tasks) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for state, n in tasks.values_list("state").annotate(n=Count("pk")).order_by():
        counts[state] = n
    return dict(counts)

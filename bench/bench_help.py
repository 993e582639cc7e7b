"""Benchmark: the mutual aid coordinator dashboard and an area queue at the scale of a big
group (the Kendal co-ordinator ran 250 volunteers; this is a county's worth).

    python bench/bench_help.py                  # 100,000 people, 20,000 volunteers, 50,000 tasks
    python bench/bench_help.py --quick          # 5,000 people, 1,000 volunteers, 2,500 tasks
    python bench/bench_help.py --backends sqlite
    python bench/bench_help.py --cases dashboard,dashboard_uncached   # skip the area queue

The data goes straight into the tables with bulk inserts (the columns the services keep):
20 areas with a lead each; people spread over them; volunteers with skills, checks (some
expired), a car for a quarter, weekly availability for 30%; one task per request plus
recurring befriending, in every state: 20% waiting (open or offered), 10% accepted, 60%
done, 5% could not complete, 5% cancelled, accepted and finished over the last six weeks;
a few hundred doorstep concerns, a fifth unclosed.

Each backend runs in its own process on a throwaway database (SQLite under var/bench/; for
PostgreSQL, a database ``keepwell_bench_help`` on the server of DATABASE_URL, or of
postgres://postgres@127.0.0.1:5432 when unset, dropped afterwards).

Cases (n requests each, over a real HTTP connection to a threaded WSGI server, signed in,
the whole page rendered and its audit rows written):

  <backend>/http/dashboard    GET /help/ as the coordinator (every area); its volunteer
                              figures are kept for a minute in the database cache every
                              web process shares, as in production
  <backend>/http/dashboard_uncached  the same with that cache off (n/4 requests): what the
                              one request a minute that refreshes them pays
  <backend>/http/area_queue   GET /help/areas/<slug>/ as that area's lead, areas in turn

Metrics: p50_ms, p95_ms, and ``queries`` (SQL statements for one page, counted in-process);
``queries`` is the same at --quick and at full scale: it does not grow with the data.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import sys
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from _common import Emitter, postgres_server, run_per_backend

emit = Emitter("help")

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

BENCH_DIR = ROOT / "var" / "bench"
PG_NAME = "keepwell_bench_help"
FULL = (100_000, 20_000, 50_000, 400)  # people, volunteers, tasks, measured requests a case
QUICK = (5_000, 1_000, 2_500, 60)
AREAS = 20
ALL_CASES = "dashboard,dashboard_uncached,area_queue"
SKILLS = [
    "shopping",
    "prescription",
    "phone_check_in",
    "befriending",
    "food_parcel",
    "dog_walking",
    "hospital_run",
    "digital_help",
]
WAITING_NEEDS = [
    "shopping",
    "shopping",
    "phone_check_in",
    "prescription",
    "food_parcel",
    "dog_walking",
    "controlled_drugs",
    "interpreting",
]


# ---------------------------------------------------------------------------------------
# The generated group


def _chunks(rows, size: int = 5000):
    for i in range(0, len(rows), size):
        yield rows[i : i + size]


def _bulk(model, rows) -> None:
    for chunk in _chunks(rows):
        model.objects.bulk_create(chunk)


def build(n_people: int, n_volunteers: int, n_tasks: int, rng: random.Random):
    """Fill the tables; return (coordinator, [(area slug, lead)])."""
    from django.db import transaction

    from keepwell.accounts.models import Membership, Role, User
    from keepwell.directory.models import Organisation, OrganisationKind
    from keepwell.help.models import (
        Availability,
        Concern,
        HelpRequest,
        NeedType,
        SafeguardingCheck,
        Task,
        TaskOffer,
        Volunteer,
    )
    from keepwell.people.models import Person
    from keepwell.places.models import Area

    now = datetime.now(UTC)
    needs = {n.slug: n for n in NeedType.objects.all()}
    with transaction.atomic():
        group = Organisation.objects.create(
            name="Bench Mutual Aid", slug="bench-mutual-aid", kind=OrganisationKind.GRASS_ROOTS
        )
        practice = Organisation.objects.create(
            name="Bench Surgery", slug="bench-surgery", kind=OrganisationKind.GP_PRACTICE
        )
        coordinator = User.objects.create_user(username="bench-coordinator", display_name="Sam")
        Membership.objects.create(user=coordinator, role=Role.COORDINATOR, organisation=group)
        top = Area.objects.create(name="Benchshire", slug="benchshire", kind=Area.Kind.PLACE)
        areas, leads = [], []
        for i in range(AREAS):
            lead = User.objects.create_user(username=f"bench-lead-{i}", display_name=f"Lead {i}")
            area = Area.objects.create(
                name=f"Area {i:02d}",
                slug=f"area-{i:02d}",
                parent=top,
                postcode_sectors=[f"BH{i} 1"],
                lead=lead,
            )
            Membership.objects.create(user=lead, role=Role.AREA_LEAD, organisation=group, area=area)
            areas.append(area)
            leads.append((area.slug, lead))

        people = []
        for i in range(n_people):
            a = i % AREAS
            postcode = f"BH{a} 1{'ABDEFGHJLN'[i % 10]}{'PQRSTUWXYZ'[(i // 10) % 10]}"
            phone = f"01632 {i % 1000000:06d}"
            people.append(
                Person(
                    given_name=f"Person{i}",
                    family_name=f"Family{i % 997}",
                    phone=phone,
                    phone_digits=phone.replace(" ", ""),
                    postcode=postcode,
                    postcode_compact=postcode.replace(" ", ""),
                    area=areas[a],
                    gp_practice=practice,
                    address_line_1=f"{i % 200 + 1} Bench Street",
                )
            )
        _bulk(Person, people)
        person_ids = list(Person.objects.order_by("pk").values_list("pk", flat=True))
        _bulk(
            Person.organisations.through,
            [
                Person.organisations.through(person_id=p, organisation_id=group.pk)
                for p in person_ids
            ],
        )

        users = [
            User(
                username=f"bench-vol-{i}",
                first_name=f"Vol{i}",
                last_name="Bench",
                display_name=f"Vol{i} Bench",
                password="!",
            )
            for i in range(n_volunteers)
        ]
        _bulk(User, users)
        user_ids = list(
            User.objects.filter(username__startswith="bench-vol-")
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        _bulk(
            Membership,
            [Membership(user_id=u, role=Role.VOLUNTEER, organisation=group) for u in user_ids],
        )
        statuses = ["active"] * 8 + ["paused", "checks_pending"]
        volunteers = []
        for i, u in enumerate(user_ids):
            a = i % AREAS
            volunteers.append(
                Volunteer(
                    user_id=u,
                    home_postcode=f"BH{a} 1AP",
                    area=areas[a],
                    transport="car" if i % 4 == 0 else "on_foot",
                    status=statuses[i % len(statuses)],
                    max_tasks_per_week=1 + i % 4,
                )
            )
        _bulk(Volunteer, volunteers)
        vol_ids = list(Volunteer.objects.order_by("pk").values_list("pk", flat=True))
        through = Volunteer.organisations.through
        _bulk(through, [through(volunteer_id=v, organisation_id=group.pk) for v in vol_ids])
        skills = Volunteer.skills.through
        _bulk(
            skills,
            [
                skills(volunteer_id=v, needtype_id=needs[s].pk)
                for i, v in enumerate(vol_ids)
                for s in rng.sample(SKILLS, 1 + i % 3)
            ],
        )
        checks = []
        for i, v in enumerate(vol_ids):
            expires = now + timedelta(days=rng.randint(-60, 700)) if i % 3 else None
            checks.append(
                SafeguardingCheck(
                    volunteer_id=v, kind="id_check", checked_on=date(2024, 1, 1), expires_at=expires
                )
            )
            checks.append(
                SafeguardingCheck(
                    volunteer_id=v, kind="safeguarding_training", checked_on=date(2024, 1, 1)
                )
            )
            if i % 5 == 0:
                checks.append(
                    SafeguardingCheck(
                        volunteer_id=v,
                        kind="dbs_basic",
                        checked_on=date(2024, 1, 1),
                        expires_at=expires,
                    )
                )
        _bulk(SafeguardingCheck, checks)
        _bulk(
            Availability,
            [
                Availability(volunteer_id=v, weekday=d, start_minute=9 * 60, end_minute=13 * 60)
                for i, v in enumerate(vol_ids)
                if i % 10 < 3
                for d in (i % 7, (i + 2) % 7, (i + 4) % 7)
            ],
        )

        # Requests and their tasks: most one-off, every 50th a recurring befriending.
        requests, plan = [], []
        made_tasks = 0
        while made_tasks < n_tasks:
            i = len(requests)
            roll = rng.random()
            state = (
                "open"
                if roll < 0.12
                else "offered"
                if roll < 0.20
                else "accepted"
                if roll < 0.30
                else "done"
                if roll < 0.90
                else "could_not_complete"
                if roll < 0.95
                else "cancelled"
            )
            recurring = i % 50 == 0
            slug = (
                "befriending"
                if recurring
                else (
                    rng.choice(WAITING_NEEDS)
                    if state in ("open", "offered")
                    else rng.choice(SKILLS)
                )
            )
            count = 6 if recurring else 1
            person = person_ids[rng.randrange(len(person_ids))]
            a = (person - person_ids[0]) % AREAS
            created = now - timedelta(hours=rng.randint(1, 24 * 42))
            status = (
                "open"
                if state in ("open", "offered", "accepted")
                else ("cancelled" if state == "cancelled" else "closed")
            )
            requests.append(
                HelpRequest(
                    person_id=person,
                    organisation=group,
                    area=areas[a],
                    need_type=needs[slug],
                    urgency=1 + rng.randrange(3),
                    times_per_week=3 if recurring else 1,
                    weeks=2 if recurring else 1,
                    status=status,
                    created_at=created,
                    created_by=coordinator,
                )
            )
            plan.append((state, count, created))
            made_tasks += count
        _bulk(HelpRequest, requests)
        request_ids = list(HelpRequest.objects.order_by("pk").values_list("pk", flat=True))
        tasks, offers = [], []
        for request_id, (state, count, created) in zip(request_ids, plan, strict=True):
            for seq in range(1, count + 1):
                due = created + timedelta(days=1 + seq * 2)
                held = state in ("accepted", "done", "could_not_complete")
                volunteer = vol_ids[rng.randrange(len(vol_ids))] if held else None
                accepted = created + timedelta(hours=rng.randint(1, 30)) if held else None
                tasks.append(
                    Task(
                        request_id=request_id,
                        sequence=seq,
                        state=state,
                        volunteer_id=volunteer,
                        due_start=due,
                        due_end=due + timedelta(hours=2),
                        created_at=created,
                        accepted_at=accepted,
                        load_at=due if held else None,
                        finished_at=accepted + timedelta(hours=3)
                        if state in ("done", "could_not_complete")
                        else (created + timedelta(hours=2) if state == "cancelled" else None),
                    )
                )
        _bulk(Task, tasks)
        for task_id in Task.objects.filter(state="offered").values_list("pk", flat=True):
            offers.append(
                TaskOffer(task_id=task_id, volunteer_id=vol_ids[rng.randrange(len(vol_ids))])
            )
        _bulk(TaskOffer, offers)
        concerns = []
        for i in range(max(20, n_tasks // 100)):
            person = person_ids[rng.randrange(len(person_ids))]
            concerns.append(
                Concern(
                    person_id=person,
                    organisation=group,
                    area=areas[i % AREAS],
                    kind="health_worse",
                    urgent=i % 4 == 0,
                    details="Bench",
                    raised_by=coordinator,
                    raised_at=now - timedelta(days=i % 30),
                    routed_at=now - timedelta(days=i % 30),
                    escalations=i % 3,
                    closed_at=None if i % 5 == 0 else now,
                )
            )
        _bulk(Concern, concerns)
    return coordinator, leads


# ---------------------------------------------------------------------------------------
# Measuring


def _session_cookie(user) -> str:
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def _serve():
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler

    class Quiet(WSGIRequestHandler):
        # Without this each response waits for the client's delayed ACK (40 ms on Linux).
        disable_nagle_algorithm = True

        def log_message(self, *args):
            pass

    server = ThreadedWSGIServer(("127.0.0.1", 0), Quiet, allow_reuse_address=True)
    server.set_app(WSGIHandler())
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def measure_http(case: str, port: int, requests: list[tuple[str, str]], n: int) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    samples = []
    for i, (path, cookie) in enumerate(requests[: n + 10]):
        started = time.perf_counter()
        conn.request("GET", path, headers={"Host": "127.0.0.1", "Cookie": cookie})
        response = conn.getresponse()
        body = response.read()
        elapsed = time.perf_counter() - started
        if response.status != 200:
            raise SystemExit(f"{case}: {path} gave {response.status}: {body[:300]!r}")
        if i >= 10:  # the first few warm the caches
            samples.append(elapsed)
    conn.close()
    emit.percentiles(case, samples)


def count_queries(case: str, path: str, user, *, warm: bool = False) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(user)
    if warm:
        client.get(path)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200, response.status_code
    emit(case, "queries", len(ctx.captured_queries), "queries", 1)


def child(
    backend: str, n_people: int, n_volunteers: int, n_tasks: int, n: int, cases: str = ALL_CASES
) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "keepwell.settings")
    os.environ.setdefault("KEEPWELL_SECRET_KEY", "bench-only-secret-key-" + "x" * 40)
    os.environ.setdefault("KEEPWELL_HTTPS", "false")
    os.environ["KEEPWELL_REQUIRE_2FA"] = "false"
    os.environ["KEEPWELL_VAR_DIR"] = str(BENCH_DIR)
    if backend == "sqlite":
        db = BENCH_DIR / "help.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{db}"
    else:
        os.environ["DATABASE_URL"] = f"{postgres_server()}/{PG_NAME}"
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "127.0.0.1"]
    call_command("migrate", verbosity=0)
    rng = random.Random(2020)
    started = time.perf_counter()
    coordinator, leads = build(n_people, n_volunteers, n_tasks, rng)
    if connection.vendor == "postgresql":
        # VACUUM as well: freshly bulk-loaded tables have no visibility map until autovacuum
        # visits them, so no index-only scan is possible; a live database's tables have one.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    emit(f"{backend}/build", "build_s", round(time.perf_counter() - started, 1), "s", n_tasks)
    # The page as most visits see it, the figures already in the shared cache (the first
    # visit, uncounted, puts them there), and the page working them out afresh.
    count_queries(f"{backend}/http/dashboard", "/help/", coordinator, warm=True)
    settings.KEEPWELL_HELP_DASHBOARD_CACHE_SECONDS = 0
    count_queries(f"{backend}/http/dashboard_uncached", "/help/", coordinator)
    settings.KEEPWELL_HELP_DASHBOARD_CACHE_SECONDS = 60
    slug, lead = leads[0]
    count_queries(f"{backend}/http/area_queue", f"/help/areas/{slug}/", lead)
    server = _serve()
    try:
        port = server.server_address[1]
        cookie = _session_cookie(coordinator)
        wanted = set(cases.split(","))
        if "dashboard" in wanted:
            measure_http(f"{backend}/http/dashboard", port, [("/help/", cookie)] * (n + 10), n)
        if "dashboard_uncached" in wanted:
            # The same page with the volunteer figures worked out afresh every time (what one
            # request in a minute pays; see KEEPWELL_HELP_DASHBOARD_CACHE_SECONDS).
            settings.KEEPWELL_HELP_DASHBOARD_CACHE_SECONDS = 0
            quarter = max(20, n // 4)
            measure_http(
                f"{backend}/http/dashboard_uncached",
                port,
                [("/help/", cookie)] * (quarter + 10),
                quarter,
            )
            settings.KEEPWELL_HELP_DASHBOARD_CACHE_SECONDS = 60
        if "area_queue" in wanted:
            cookies = {slug: _session_cookie(lead) for slug, lead in leads}
            queue = [(f"/help/areas/{s}/", cookies[s]) for s, _ in leads] * (n // len(leads) + 2)
            measure_http(f"{backend}/http/area_queue", port, queue, n)
    finally:
        server.shutdown()
        server.server_close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="5,000 people, 60 requests a case")
    ap.add_argument("--backends", default="sqlite,postgres", help="comma-separated")
    ap.add_argument("--n", type=int, help="measured requests per case")
    ap.add_argument(
        "--cases", default=ALL_CASES, help=f"comma-separated, of {ALL_CASES} (all by default)"
    )
    ap.add_argument("--child", nargs=6, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        backend, *numbers, cases = args.child
        child(backend, *(int(x) for x in numbers), cases=cases)
        return
    unknown = set(args.cases.split(",")) - set(ALL_CASES.split(","))
    if unknown:
        ap.error(f"unknown cases: {', '.join(sorted(unknown))}")
    people, volunteers, tasks, n = QUICK if args.quick else FULL
    n = args.n or n
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    sys.exit(
        run_per_backend(__file__, args.backends, PG_NAME, people, volunteers, tasks, n, args.cases)
    )


if __name__ == "__main__":
    main()

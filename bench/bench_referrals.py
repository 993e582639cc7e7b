"""Benchmark: an organisation's referral inbox and the cohort outcomes page, through HTTP.

    python bench/bench_referrals.py            # 10,000 referrals and 50,000 answers
    python bench/bench_referrals.py --quick    # 1,000 referrals and 5,000 answers
    python bench/bench_referrals.py --backends sqlite

Each backend runs in its own process on a throwaway database (SQLite under var/bench/; for
PostgreSQL, a database ``keepwell_bench_referrals`` created on the server of DATABASE_URL,
or of postgres://postgres@127.0.0.1:5432 when that is unset, and dropped afterwards).

Data (same seed, same data): one community group receiving every referral, from one GP
practice, across 20 services, for 5,000 people in 10 areas; statuses spread over the whole
loop, sent over the last year; 2,000 notifications. Outcomes: 2,500 journeys, each answered
at the start and at 8 weeks on all three measures (3Cs, ONS4, UCLA-3): 20 answers each,
50,000 in all, most showing change.

The pages are requested by Django's test client as a signed-in coordinator (two-factor
passed), so each timing is the whole view: permission checks, the queries, the audit rows a
list writes and the template. Cases, each "<backend>/http/<page>":

  inbox            /referrals/ : incoming, newest first, 25 a page
  inbox_filtered   /referrals/?status=open&age=7&service=<one> : the three filters at once
  inbox_page_100   /referrals/?page=100 : deep in the list
  cohort_service   /outcomes/?weeks=8&group_by=service : change per service, every measure
  cohort_area      /outcomes/?weeks=8&group_by=area
  cohort_csv       /outcomes/cohort.csv?weeks=8&group_by=service

Metrics: p50_ms and p95_ms over ``n`` timed requests (after five warm-up requests), wall
clock; p95_cpu_ms is the same requests' CPU time in the benchmark's own process (Python:
middleware, view, template; not the database server's), which separates our work from
waiting on a busy machine; queries is the number of SQL queries one request makes,
measured with a hundredth of the data and again at full size (``n`` is the number of
referrals or answers then): the two must be equal, or the script fails.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

from _common import Emitter, postgres_server, run_per_backend

emit = Emitter("referrals")

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

BENCH_DIR = ROOT / "var" / "bench"
DB_NAME = "keepwell_bench_referrals"
FULL = {"referrals": 10_000, "journeys": 2_500, "people": 5_000, "requests": 200}
QUICK = {"referrals": 1_000, "journeys": 250, "people": 500, "requests": 10}
P95_TARGET_MS = 150
SERVICES = 20
AREAS = 10


class World:
    """The fixed part: organisations, a coordinator signed in, services, areas, people."""

    def __init__(self, people: int, rng: random.Random):
        from keepwell.accounts.models import Membership, Role, User
        from keepwell.directory.models import (
            Organisation,
            OrganisationKind,
            Service,
            ServiceCategory,
        )
        from keepwell.people.models import Person
        from keepwell.places.models import Area

        self.rng = rng
        self.practice = Organisation.objects.create(
            name="Bench Health Centre",
            slug="bench-health-centre",
            kind=OrganisationKind.GP_PRACTICE,
        )
        self.group = Organisation.objects.create(
            name="Bench Mutual Aid", slug="bench-mutual-aid", kind=OrganisationKind.GRASS_ROOTS
        )
        self.gp = User.objects.create_user("bench-gp", display_name="Dr Bench")
        Membership.objects.create(user=self.gp, role=Role.NHS_CONNECTOR, organisation=self.practice)
        self.coordinator = User.objects.create_user("bench-sam", display_name="Sam Bench")
        Membership.objects.create(
            user=self.coordinator, role=Role.COORDINATOR, organisation=self.group
        )
        categories = list(ServiceCategory.values)
        self.services = Service.objects.bulk_create(
            Service(
                organisation=self.group,
                name=f"Service {i:02d}",
                category=categories[i % len(categories)],
                status=Service.Status.PUBLISHED,
            )
            for i in range(SERVICES)
        )
        self.areas = [
            Area.objects.create(name=f"Area {i}", slug=f"bench-area-{i}") for i in range(AREAS)
        ]
        self.people = Person.objects.bulk_create(
            Person(
                given_name=f"Person{i}",
                family_name="Bench",
                phone=f"01632 {960000 + i % 1000:06d}",
                area=self.areas[i % AREAS],
                gp_practice=self.practice,
            )
            for i in range(people)
        )
        self.referrals = 0
        self.journeys = 0
        self.answers = 0

    def add_referrals(self, count: int) -> None:
        from django.utils import timezone

        from keepwell.messaging.models import Message
        from keepwell.referrals.models import Direction, Referral, Status

        rng, now = self.rng, timezone.now()
        statuses = [
            (Status.SENT, 15),
            (Status.ACCEPTED, 15),
            (Status.DECLINED, 8),
            (Status.CONTACTED, 12),
            (Status.ENGAGED, 20),
            (Status.COMPLETED, 20),
            (Status.CLOSED, 10),
        ]
        names, weights = zip(*statuses, strict=True)
        rows = []
        for _ in range(count):
            sent = now - timedelta(minutes=rng.randint(0, 365 * 24 * 60))
            rows.append(
                Referral(
                    direction=Direction.TO_COMMUNITY,
                    person=rng.choice(self.people),
                    service=rng.choice(self.services),
                    to_organisation=self.group,
                    from_organisation=self.practice,
                    referred_by=self.gp,
                    referrer_label="Dr Bench",
                    source="bench",
                    what_matters="Company, and getting out more",
                    themes=["loneliness"],
                    status=rng.choices(names, weights)[0],
                    sent_at=sent,
                    status_changed_at=sent,
                    created_at=sent,
                    accept_by=sent + timedelta(days=5),
                    escalate_by=sent + timedelta(days=7),
                )
            )
        made = Referral.objects.bulk_create(rows, batch_size=2000)
        # The group's inbox notes (messaging's inbox channel), a fifth of the referrals.
        Message.objects.bulk_create(
            (
                Message(
                    idempotency_key=f"bench:referral_new:{referral.pk}",
                    event=f"bench:referral_new:{referral.pk}",
                    kind="referral_new",
                    purpose="work",
                    channel="inbox",
                    organisation=self.group,
                    about_type="referral",
                    about_id=referral.pk,
                    body=f"New referral {i}",
                    status="delivered",
                    provider="inbox",
                )
                for i, referral in enumerate(made[: max(count // 5, 1)])
            ),
            batch_size=2000,
        )
        self.referrals += count

    def add_journeys(self, count: int) -> None:
        """Each journey: all three measures at the start and at 8 weeks (20 answers)."""
        from django.utils import timezone

        from keepwell.outcomes import services
        from keepwell.outcomes.models import Answer, OutcomePlan, Response, Scoring

        rng, now = self.rng, timezone.now()
        measures = services.measures_with_questions()
        plans = OutcomePlan.objects.bulk_create(
            (
                OutcomePlan(
                    person=rng.choice(self.people),
                    service=rng.choice(self.services),
                    organisation=self.group,
                    started_at=now - timedelta(days=rng.randint(60, 400)),
                )
                for _ in range(count)
            ),
            batch_size=2000,
        )
        responses, values, starts = [], [], []
        for plan in plans:
            area_id = plan.person.area_id
            gain = rng.choice((-1, 0, 1, 1, 2, 2, 3))
            for measure in measures:
                start = {
                    q.item: rng.randint(q.min_value, q.max_value) for q in measure.current_questions
                }
                for weeks in (0, 8):
                    answers = {}
                    for q in measure.current_questions:
                        value = start[q.item]
                        if weeks:
                            step = -gain if q.lower_is_better else gain
                            value = max(q.min_value, min(q.max_value, value + step))
                        answers[q.item] = value
                    total = sum(answers.values()) if measure.scoring == Scoring.SUM else None
                    responses.append(
                        Response(
                            plan=plan,
                            measure=measure,
                            version=measure.version,
                            weeks=weeks,
                            answered_at=plan.started_at + timedelta(weeks=weeks),
                            how="phone",
                            total=total,
                            baseline_total=starts[-1][1] if weeks else None,
                            person_id=plan.person_id,
                            service_id=plan.service_id,
                            area_id=area_id,
                        )
                    )
                    values.append((measure, answers, starts[-1][0] if weeks else {}))
                    if not weeks:
                        starts.append((answers, total))
        Response.objects.bulk_create(responses, batch_size=2000)
        rows = []
        for response, (measure, answers, baseline) in zip(responses, values, strict=True):
            for q in measure.current_questions:
                rows.append(
                    Answer(
                        response=response,
                        question=q,
                        value=answers[q.item],
                        baseline=baseline.get(q.item),
                        item=q.item,
                        lower_is_better=q.lower_is_better,
                        plan_id=response.plan_id,
                        measure=measure,
                        weeks=response.weeks,
                        service_id=response.service_id,
                        area_id=response.area_id,
                    )
                )
        Answer.objects.bulk_create(rows, batch_size=5000)
        self.journeys += count
        self.answers += len(rows)


def _client(user):
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = Client()
    client.force_login(user)
    device, _ = TOTPDevice.objects.get_or_create(
        user=user, defaults={"name": "bench", "confirmed": True}
    )
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def _cases(world) -> dict[str, str]:
    service = world.services[3].pk
    return {
        "inbox": "/referrals/",
        "inbox_filtered": f"/referrals/?status=open&age=7&service={service}",
        "inbox_page_100": "/referrals/?page=100",
        "cohort_service": "/outcomes/?weeks=8&group_by=service",
        "cohort_area": "/outcomes/?weeks=8&group_by=area",
        "cohort_csv": "/outcomes/cohort.csv?weeks=8&group_by=service",
    }


def _queries(client, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # sessions and caches warm
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    if response.status_code != 200:
        raise SystemExit(f"{url}: HTTP {response.status_code}")
    return len(ctx.captured_queries)


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[18]


def _size(world, name: str) -> int:
    return world.referrals if name.startswith("inbox") else world.answers


def child(backend: str, quick: bool) -> None:
    scale = QUICK if quick else FULL
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "keepwell.settings")
    os.environ.setdefault("KEEPWELL_SECRET_KEY", "bench-only-secret-key-" + "x" * 40)
    os.environ.setdefault("KEEPWELL_HTTPS", "false")
    os.environ["KEEPWELL_VAR_DIR"] = str(BENCH_DIR)
    if backend == "sqlite":
        BENCH_DIR.mkdir(parents=True, exist_ok=True)
        db = BENCH_DIR / "referrals.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{db}"
    else:
        os.environ["DATABASE_URL"] = f"{postgres_server()}/{DB_NAME}"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    rng = random.Random(871731000000106)
    started = time.perf_counter()
    world = World(scale["people"], rng)
    # A hundredth of the data, but enough that every filter finds someone.
    world.add_referrals(max(scale["referrals"] // 100, 200))
    world.add_journeys(max(scale["journeys"] // 100, 10))
    client = _client(world.coordinator)
    cases = _cases(world)
    small = {name: (_queries(client, url), _size(world, name)) for name, url in cases.items()}
    world.add_referrals(scale["referrals"] - world.referrals)
    world.add_journeys(scale["journeys"] - world.journeys)
    if backend == "postgres":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(
        f"{backend}: {world.referrals:,} referrals, {world.answers:,} answers "
        f"built in {time.perf_counter() - started:.1f}s",
        file=sys.stderr,
    )
    failed = []
    for name, url in cases.items():
        case = f"{backend}/http/{name}"
        queries_small, n_small = small[name]
        queries = _queries(client, url)
        emit(case, "queries", queries_small, "queries", n_small)
        emit(case, "queries", queries, "queries", _size(world, name))
        if queries != queries_small:
            failed.append(f"{case}: {queries_small} queries at {n_small}, {queries} at full size")
        for _ in range(5):
            client.get(url)
        timings, cpu = [], []
        for _ in range(scale["requests"]):
            begun, begun_cpu = time.perf_counter(), time.process_time()
            response = client.get(url)
            if response.status_code != 200:
                raise SystemExit(f"{case}: HTTP {response.status_code}")
            if hasattr(response, "streaming_content"):
                b"".join(response.streaming_content)
            timings.append((time.perf_counter() - begun) * 1000)
            cpu.append((time.process_time() - begun_cpu) * 1000)
        p95 = _p95(timings)
        emit(case, "p50_ms", round(statistics.median(timings), 1), "ms", scale["requests"])
        emit(case, "p95_ms", round(p95, 1), "ms", scale["requests"])
        emit(case, "p95_cpu_ms", round(_p95(cpu), 1), "ms", scale["requests"])
        if p95 > P95_TARGET_MS:
            print(f"{case}: p95 {p95:.1f} ms is over {P95_TARGET_MS} ms", file=sys.stderr)
    if failed:
        raise SystemExit("query count grew with the data: " + "; ".join(failed))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="a tenth of the data, 30 requests")
    ap.add_argument("--backends", default="sqlite,postgres", help="comma-separated")
    ap.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        backend, quick = args.child
        child(backend, quick == "quick")
        return
    quick = "quick" if args.quick else "full"
    sys.exit(run_per_backend(__file__, args.backends, DB_NAME, quick))


if __name__ == "__main__":
    main()

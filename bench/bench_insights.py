"""Benchmark: insights (issue 16) — the pages and exports over a large place, and a refresh.

    python bench/bench_insights.py            # 100,000 people, 1,000 LSOAs, 3.7M rows
    python bench/bench_insights.py --quick    # 3,000 people, 100 LSOAs, 76,000 rows
    python bench/bench_insights.py --backends sqlite

Each backend runs in its own process on a throwaway database (SQLite under var/bench/; for
PostgreSQL ``keepwell_bench_insights`` on the server of DATABASE_URL, dropped afterwards).
The world is written in bulk: one place of 50 neighbourhoods over ``lsoas`` LSOAs, each with
an IMD 2025 decile and residents; people spread over them; help requests, referrals (with
themes, a tenth declined) and messages (by text, email and letter, a tenth failed) spread
over the last year; and outcome answers: the 3Cs at the start and at eight weeks, three
answers each time, for a sixth as many people as there are answers.

Cases (``<backend>`` is sqlite or postgres):
  <backend>/refresh/everything     refresh_s: every month counted again (a first install)
  <backend>/refresh/day            refresh_s: the periodic refresh after a day's changes
                                   (a day's share of requests added, then last month and
                                   this one counted again, as every 15 minutes)
  <backend>/http/<page>            p50_ms, p95_ms of the analyst page (by neighbourhood and
                                   by decile), the public page, the CSV and the JSON export,
                                   a year each (goal p95 <= 200 ms); a report is cached under
                                   the refresh it was made from, so these are warm
  <backend>/http/analyst_cold      the analyst page for periods not asked for since the
                                   refresh, each asked once (by neighbourhood and by decile):
                                   added up from the roll-ups and suppressed afresh
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path

from _common import Emitter, postgres_server, run_per_backend

emit = Emitter("insights")

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

BENCH_DIR = ROOT / "var" / "bench"
PG_NAME = "keepwell_bench_insights"
# people, LSOAs, help requests, referrals, requests per page, messages, outcome answers
FULL = (100_000, 1_000, 1_000_000, 500_000, 100, 2_000_000, 200_000)
QUICK = (3_000, 100, 20_000, 10_000, 20, 40_000, 6_000)
NEIGHBOURHOODS = 50
UNITS = "ABDEFGHJLNPQRSTUWXYZ"
THEMES = ["loneliness", "money", "food", "housing", "mental_wellbeing", "digital"]
BATCH = 10_000


def _env(backend: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "keepwell.settings")
    os.environ.setdefault("KEEPWELL_SECRET_KEY", "bench-only-secret-key-" + "x" * 40)
    os.environ.setdefault("KEEPWELL_HTTPS", "false")
    os.environ["KEEPWELL_VAR_DIR"] = str(BENCH_DIR)
    os.environ["KEEPWELL_REQUIRE_2FA"] = "false"
    if backend == "sqlite":
        db = BENCH_DIR / "insights.sqlite3"
        db.unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{db}"
    else:
        os.environ["DATABASE_URL"] = f"{postgres_server()}/{PG_NAME}"


def _postcode(lsoa_index: int) -> tuple[str, int]:
    """The one postcode of LSOA ``i`` and its neighbourhood (20 LSOAs to a sector)."""
    hood = lsoa_index % NEIGHBOURHOODS
    unit = lsoa_index // NEIGHBOURHOODS
    sector = f"BQ{hood} {unit // 20 + 1}"
    return f"{sector}{UNITS[unit % 20]}{UNITS[(unit // 20) % 20]}", hood


def build_world(
    n_people: int,
    n_lsoas: int,
    n_requests: int,
    n_referrals: int,
    n_messages: int = 0,
    n_answers: int = 0,
):
    from django.db import transaction
    from django.utils import timezone

    from keepwell.accounts.models import Membership, Role, User
    from keepwell.directory.models import Organisation, OrganisationKind
    from keepwell.help.models import HelpRequest, NeedType
    from keepwell.people.models import Person
    from keepwell.places.models import Area, Deprivation, Population, PostcodeLocation
    from keepwell.referrals.models import Direction, Referral, Status

    rng = random.Random(16)
    now = timezone.now()
    with transaction.atomic():
        group = Organisation.objects.create(
            name="Bench Mutual Aid", slug="bench-mutual-aid", kind=OrganisationKind.GRASS_ROOTS
        )
        analyst = User.objects.create_user(username="bench-analyst", display_name="Nadia")
        Membership.objects.create(user=analyst, role=Role.ANALYST)
        place = Area.objects.create(name="Benchshire", slug="benchshire", kind=Area.Kind.PLACE)
        postcodes = [_postcode(i) for i in range(n_lsoas)]
        sectors: dict[int, set[str]] = {}
        for code, hood in postcodes:
            sectors.setdefault(hood, set()).add(code[:-2])
        hoods = [
            Area.objects.create(
                name=f"Neighbourhood {h:02d}",
                slug=f"hood-{h:02d}",
                parent=place,
                postcode_sectors=sorted(sectors.get(h, ())),
            )
            for h in range(NEIGHBOURHOODS)
        ]
        PostcodeLocation.objects.bulk_create(
            PostcodeLocation(postcode=code, latitude=52.5, longitude=-2.0, lsoa=f"E0{i:07d}")
            for i, (code, _) in enumerate(postcodes)
        )
        Deprivation.objects.bulk_create(
            Deprivation(lsoa=f"E0{i:07d}", edition=2025, imd_rank=i + 1, imd_decile=i % 10 + 1)
            for i in range(n_lsoas)
        )
        Population.objects.bulk_create(
            Population(lsoa=f"E0{i:07d}", residents=1500 + i % 400, year=2023)
            for i in range(n_lsoas)
        )
        people = []
        for i in range(n_people):
            code, hood = postcodes[i % n_lsoas]
            people.append(
                Person(
                    given_name=f"P{i}",
                    family_name="Bench",
                    postcode=code,
                    postcode_compact=code.replace(" ", ""),
                    area=hoods[hood],
                )
            )
        Person.objects.bulk_create(people, batch_size=BATCH)
    person_ids = list(Person.objects.values_list("id", "area_id"))
    needs = list(NeedType.objects.values_list("id", flat=True))

    def spread(n: int):
        for _ in range(n):
            pid, area_id = person_ids[rng.randrange(len(person_ids))]
            yield pid, area_id, now - timedelta(minutes=rng.randrange(365 * 24 * 60))

    rows = []
    for pid, area_id, at in spread(n_requests):
        rows.append(
            HelpRequest(
                person_id=pid,
                organisation=group,
                area_id=area_id,
                need_type_id=rng.choice(needs),
                created_at=at,
            )
        )
        if len(rows) == BATCH:
            HelpRequest.objects.bulk_create(rows)
            rows = []
    HelpRequest.objects.bulk_create(rows)
    rows = []
    for pid, _, at in spread(n_referrals):
        rows.append(
            Referral(
                direction=Direction.TO_PRACTICE,
                person_id=pid,
                to_organisation=group,
                themes=rng.sample(THEMES, rng.randint(1, 2)),
                status=Status.DECLINED if rng.random() < 0.1 else Status.SENT,
                sent_at=at,
                accept_by=at,
                escalate_by=at,
                created_at=at,
            )
        )
        if len(rows) == BATCH:
            Referral.objects.bulk_create(rows)
            rows = []
    Referral.objects.bulk_create(rows)
    _messages(spread, n_messages, rng)
    _outcomes(person_ids, n_answers, group, rng, now)
    return place, analyst, group, needs


def _messages(spread, n: int, rng: random.Random) -> None:
    from keepwell.messaging.models import Channel, Message, Purpose, Status

    channels = [Channel.SMS, Channel.SMS, Channel.EMAIL, Channel.LETTER]
    rows = []
    for i, (pid, area_id, at) in enumerate(spread(n)):
        failed = rng.random() < 0.1
        rows.append(
            Message(
                idempotency_key=f"bench-{i}",
                event=f"bench-{i}",
                kind="broadcast",
                purpose=Purpose.NEWS,
                channel=rng.choice(channels),
                person_id=pid,
                area_id=area_id,
                to="+447700900123",
                audience="person",
                body="Wellbrook's flu clinic is on Saturday.",
                status=Status.PERMANENT_FAILURE if failed else Status.DELIVERED,
                queued_at=at,
                provider="fake",
            )
        )
        if len(rows) == BATCH:
            Message.objects.bulk_create(rows)
            rows = []
    Message.objects.bulk_create(rows)


def _outcomes(person_ids, n_answers: int, group, rng: random.Random, now) -> None:
    """The 3Cs at the start and eight weeks later: six answers a person."""
    from keepwell.outcomes.models import Answer, Measure, OutcomePlan, Question, Response

    measure = Measure.objects.get(code="3cs")
    questions = list(Question.objects.current().filter(measure=measure))
    people = rng.sample(person_ids, min(len(person_ids), n_answers // (2 * len(questions))))
    plans = OutcomePlan.objects.bulk_create(
        [OutcomePlan(person_id=pid, organisation=group) for pid, _ in people], batch_size=BATCH
    )
    responses, answers = [], []
    for plan, (pid, area_id) in zip(plans, people, strict=True):
        later = now - timedelta(minutes=rng.randrange(300 * 24 * 60))
        start = {q.item: rng.randint(1, 6) for q in questions}
        for weeks, at in ((0, later - timedelta(weeks=8)), (8, later)):
            response = Response(
                plan=plan,
                measure=measure,
                version=measure.version,
                weeks=weeks,
                answered_at=at,
                how="phone",
                person_id=pid,
                area_id=area_id,
            )
            responses.append(response)
            for q in questions:
                value = start[q.item] if weeks == 0 else min(10, start[q.item] + rng.randint(-1, 3))
                answers.append(
                    Answer(
                        response=response,
                        question=q,
                        value=value,
                        baseline=start[q.item] if weeks else None,
                        item=q.item,
                        lower_is_better=q.lower_is_better,
                        plan=plan,
                        measure=measure,
                        weeks=weeks,
                        area_id=area_id,
                    )
                )
    Response.objects.bulk_create(responses, batch_size=BATCH)
    Answer.objects.bulk_create(answers, batch_size=BATCH)


def child(backend: str, quick: bool) -> None:
    _env(backend)
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client
    from django.urls import reverse

    from keepwell.help.models import HelpRequest
    from keepwell.insights import services

    n_people, n_lsoas, n_requests, n_referrals, per_page, n_messages, n_answers = (
        QUICK if quick else FULL
    )
    call_command("migrate", verbosity=0)
    place, analyst, group, needs = build_world(
        n_people, n_lsoas, n_requests, n_referrals, n_messages, n_answers
    )

    started = time.perf_counter()
    services.refresh(everything=True)
    emit(
        f"{backend}/refresh/everything",
        "refresh_s",
        round(time.perf_counter() - started, 2),
        "s",
        1,
    )

    # A day's share of new requests, then the periodic refresh.
    day = max(n_requests // 365, 1)
    first = HelpRequest.objects.order_by("pk").first()
    HelpRequest.objects.bulk_create(
        HelpRequest(
            person_id=first.person_id,
            organisation=group,
            area_id=first.area_id,
            need_type_id=needs[i % len(needs)],
        )
        for i in range(day)
    )
    started = time.perf_counter()
    services.refresh()
    emit(f"{backend}/refresh/day", "refresh_s", round(time.perf_counter() - started, 2), "s", day)

    client = Client()
    client.force_login(analyst)
    public = reverse("insights:public", kwargs={"slug": place.slug})
    pages = {
        "analyst_by_area": (reverse("insights:index"), {}),
        "analyst_by_decile": (reverse("insights:index"), {"by": "decile"}),
        "public": (public, {}),
        "export_csv": (reverse("insights:export_csv", kwargs={"slug": place.slug}), {}),
        "export_json": (reverse("insights:export_json", kwargs={"slug": place.slug}), {}),
    }
    for name, (url, query) in pages.items():
        client.get(url, query)  # warm
        seconds = []
        for _ in range(per_page):
            started = time.perf_counter()
            answer = client.get(url, query)
            seconds.append(time.perf_counter() - started)
            assert answer.status_code == 200, (name, answer.status_code)
        emit.percentiles(f"{backend}/http/{name}", seconds)

    # Cold: periods nobody asked for since the refresh (each asked once, by neighbourhood
    # and by decile), so every figure is added up and suppressed afresh.
    from django.utils import timezone

    this_month = timezone.localdate().replace(day=1)

    def months_back(n: int) -> date:
        index = this_month.year * 12 + this_month.month - 1 - n
        return date(index // 12, index % 12 + 1, 1)

    combos = [
        {"start": f"{months_back(s):%Y-%m}", "end": f"{months_back(e):%Y-%m}", "by": by}
        for by in ("area", "decile")
        for s in range(1, 13)
        for e in range(0, min(s, 4))
    ]
    seconds = []
    for query in combos[:per_page]:
        started = time.perf_counter()
        answer = client.get(reverse("insights:index"), query)
        seconds.append(time.perf_counter() - started)
        assert answer.status_code == 200, ("cold", answer.status_code)
    emit.percentiles(f"{backend}/http/analyst_cold", seconds)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args, rest = parser.parse_known_args()
    if args.child:
        child(args.child, "--quick" in rest or args.quick)
        return 0
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    extra = ["--quick"] if args.quick else []
    return run_per_backend(__file__, args.backends, PG_NAME, *extra)


if __name__ == "__main__":
    sys.exit(main())

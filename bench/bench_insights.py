"""Benchmark: insights (issue 16) — the pages and exports over a large place, and a refresh.

    python bench/bench_insights.py            # 100,000 people, 1,000 LSOAs, 1.5M rows
    python bench/bench_insights.py --quick    # 3,000 people, 100 LSOAs, 30,000 rows
    python bench/bench_insights.py --backends sqlite

Each backend runs in its own process on a throwaway database (SQLite under var/bench/; for
PostgreSQL ``keepwell_bench_insights`` on the server of DATABASE_URL, dropped afterwards).
The world is written in bulk: one place of 50 neighbourhoods over ``lsoas`` LSOAs, each with
an IMD 2025 decile and residents; people spread over them; help requests and referrals
(with themes, a tenth declined) spread over the last year.

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
                                   refresh: counted from the roll-ups and suppressed afresh
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import timedelta
from pathlib import Path

from _common import Emitter, postgres_server, run_per_backend

emit = Emitter("insights")

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

BENCH_DIR = ROOT / "var" / "bench"
PG_NAME = "keepwell_bench_insights"
# people, LSOAs, help requests, referrals, requests per page
FULL = (100_000, 1_000, 1_000_000, 500_000, 100)
QUICK = (3_000, 100, 20_000, 10_000, 20)
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


def build_world(n_people: int, n_lsoas: int, n_requests: int, n_referrals: int):
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
    return place, analyst, group, needs


def child(backend: str, quick: bool) -> None:
    _env(backend)
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client
    from django.urls import reverse

    from keepwell.help.models import HelpRequest
    from keepwell.insights import services

    n_people, n_lsoas, n_requests, n_referrals, per_page = QUICK if quick else FULL
    call_command("migrate", verbosity=0)
    place, analyst, group, needs = build_world(n_people, n_lsoas, n_requests, n_referrals)

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

    # Cold: a period nobody asked for since the refresh, so counted and suppressed afresh.
    from django.utils import timezone

    this_month = timezone.localdate().replace(day=1)
    seconds = []
    for i in range(per_page):
        start = this_month - timedelta(days=31 * (i % 12 + 1))
        query = {"start": f"{start:%Y-%m}", "by": ("area", "decile")[i // 12 % 2]}
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

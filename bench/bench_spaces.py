"""Benchmark: finding free rooms among many bookings, and many groups racing for the same slots.

    python bench/bench_spaces.py                # 10,000 spaces, 1,000,000 bookings, 16 clients
    python bench/bench_spaces.py --quick        # 500 spaces, 20,000 bookings, 16 clients
    python bench/bench_spaces.py --backends sqlite

On each backend (SQLite under var/bench/, PostgreSQL on a throwaway database on the server
of DATABASE_URL), in a process of its own:

1. spaces are spread over a 110 km by 100 km county, each at a building of its own with
   weekday opening hours, a capacity from 4 to 60 and step-free access for three in five;
   their bookings (100 a space) fill two-hour slots across a year, never overlapping, and
   the statistics are taken;
2. "free rooms for 10 people, step-free, within 3 km, Tuesday 14:00-16:00" is asked from
   random points of the county through ``queries.free_spaces`` (the search page's query);
3. 16 client processes (each its own connection, as web workers are) race for 1,000 slots
   (100 spaces, five with --quick, ten two-hour slots each, in a week nobody has booked):
   every client asks for every slot, in its own order, each ask a whole
   ``services.request_booking`` (lock, opening hours, clash check, insert, the owner's
   message) in one transaction; then the bookings are checked for any two of one space that overlap.

On PostgreSQL, pgbench's built-in TPC-B-like script runs with the same clients in the same
run, and the requests' rate is given as a share of its tps.

Cases (``<backend>`` is sqlite or postgres):
  <backend>/query/free_rooms       p50_ms, p95_ms
  <backend>/race/request_booking   requests_per_s (every ask, won or refused), bookings_per_s
                                   (asks that won), won, refused, failed (database busy)
  <backend>/race/invariants        double_bookings (must be 0), slots_unbooked (must be 0)
  postgres/pgbench/tpcb_like       tps
  postgres/race/vs_pgbench         ratio_to_pgbench (requests_per_s / pgbench tps)
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path

from _common import Emitter, postgres_server, run_per_backend

emit = Emitter("spaces")

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

BENCH_DIR = ROOT / "var" / "bench"
PG_NAME = "keepwell_bench_spaces"
FULL = (10_000, 100, 500, 100)  # spaces, bookings a space, searches, race spaces
QUICK = (500, 40, 100, 5)
RACE_SLOTS = 10  # a race space's slots: 1,000 in all at full scale, 50 with --quick
# The county: a box of about 110 km north-south by 100 km east-west.
LAT0, LON0, DLAT, DLON = 52.5, -2.2, 1.0, 1.5
SLOT_HOURS = (9, 11, 13, 15, 17, 19)  # two-hour slots a day


def _setup_django(backend: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "keepwell.settings")
    os.environ.setdefault("KEEPWELL_SECRET_KEY", "bench-only-secret-key-" + "x" * 40)
    os.environ.setdefault("KEEPWELL_HTTPS", "false")
    os.environ["KEEPWELL_VAR_DIR"] = str(BENCH_DIR)
    if backend == "postgres":
        os.environ["DATABASE_URL"] = f"{postgres_server()}/{PG_NAME}"
    else:
        path = BENCH_DIR / "spaces.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    import django

    django.setup()


def _monday(weeks_ahead: int) -> date:
    today = date.today()
    return today + timedelta(days=7 * weeks_ahead - today.weekday())


def build(spaces: int, per_space: int, race_spaces: int) -> list[int]:
    """The county's spaces and their year of bookings; returns the race's space ids."""
    from datetime import time as clock

    from django.core.management import call_command
    from django.db import connection

    from keepwell.accounts.models import User
    from keepwell.directory.models import Location, Organisation
    from keepwell.spaces.models import Booking, OpeningHours, Space
    from keepwell.spaces.times import aware

    call_command("migrate", verbosity=0)
    rng = random.Random(17)  # noqa: S311 - a reproducible county
    user = User.objects.create(username="bench-booker", display_name="Bench Booker")
    owners = Organisation.objects.bulk_create(
        Organisation(name=f"Owner {n}", slug=f"owner-{n}", kind="community_hub")
        for n in range(max(1, spaces // 10))
    )
    group = Organisation.objects.create(name="Bench group", slug="bench-group", kind="grass_roots")
    locations = Location.objects.bulk_create(
        (
            Location(
                organisation=owners[n % len(owners)],
                address_1=f"{n} Bench Street",
                town="Benchtown",
                postcode="BE1 1AA",
                latitude=LAT0 + rng.random() * DLAT,
                longitude=LON0 + rng.random() * DLON,
            )
            for n in range(spaces)
        ),
        batch_size=2000,
    )
    rows = Space.objects.bulk_create(
        (
            Space(
                owner_id=loc.organisation_id,
                location=loc,
                name=f"Room {n}",
                capacity=rng.randint(4, 60),
                step_free=rng.random() < 0.6,
            )
            for n, loc in enumerate(locations)
        ),
        batch_size=2000,
    )
    OpeningHours.objects.bulk_create(
        (
            OpeningHours(space=space, weekday=day, opens=clock(9), closes=clock(21))
            for space in rows
            for day in range(5)
        ),
        batch_size=5000,
    )
    # A year of bookings from last month on, two hours each, never two in one slot.
    first = _monday(-4)
    slots = [(week, day, hour) for week in range(52) for day in range(5) for hour in SLOT_HOURS]
    race_ids = [space.pk for space in rows[:race_spaces]]
    assert race_ids == list(range(race_ids[0], race_ids[0] + race_spaces))
    batch: list[Booking] = []
    for space in rows:
        taken = [] if space.pk in race_ids else rng.sample(slots, per_space)
        for week, day, hour in taken:
            on = first + timedelta(weeks=week, days=day)
            start = aware(on, clock(hour))
            batch.append(
                Booking(
                    space=space,
                    organisation=group,
                    title="Session",
                    people=8,
                    start=start,
                    end=start + timedelta(hours=2),
                    status="approved",
                    requested_by=user,
                )
            )
        if len(batch) >= 20_000:
            Booking.objects.bulk_create(batch, batch_size=5000)
            batch = []
    Booking.objects.bulk_create(batch, batch_size=5000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return race_ids


def search(backend: str, searches: int) -> None:
    from datetime import time as clock

    from keepwell.spaces.queries import free_spaces
    from keepwell.spaces.times import aware

    rng = random.Random(3)  # noqa: S311 - reproducible points
    seconds = []
    found = 0
    for n in range(searches):
        tuesday = _monday(n % 20) + timedelta(days=1)
        near = (LAT0 + rng.random() * DLAT, LON0 + rng.random() * DLON)
        began = time.perf_counter()
        rooms = free_spaces(
            people=10,
            step_free=True,
            near=near,
            km=3.0,
            start=aware(tuesday, clock(14)),
            end=aware(tuesday, clock(16)),
        )
        seconds.append(time.perf_counter() - began)
        found += len(rooms)
    emit.percentiles(f"{backend}/query/free_rooms", seconds)
    print(f"{backend}: {found / searches:.1f} free rooms a search", file=sys.stderr)


def _client(number: int, race_ids: list[int], results) -> None:
    from datetime import time as clock

    from django.db import DatabaseError, connections

    from keepwell.accounts.models import User
    from keepwell.directory.models import Organisation
    from keepwell.spaces import services
    from keepwell.spaces.models import Space
    from keepwell.spaces.times import aware

    connections.close_all()  # never share the parent's connection
    rng = random.Random(number)  # noqa: S311 - each client its own order
    user = User.objects.get(username="bench-booker")
    group = Organisation.objects.get(slug="bench-group")
    spaces = {s.pk: s for s in Space.objects.filter(pk__in=race_ids)}
    monday = _monday(60)  # a week nobody has booked
    asks = [(space_id, slot) for space_id in race_ids for slot in range(RACE_SLOTS)]
    rng.shuffle(asks)
    won = refused = failed = 0
    for space_id, slot in asks:
        on = monday + timedelta(days=slot % 5)
        # Asks for one slot overlap without being equal (9-11 or 10-12; 13-15 or 14-16).
        hour = (9, 13)[slot // 5] + rng.choice((0, 1))
        start = aware(on, clock(hour))
        try:
            services.request_booking(
                spaces[space_id],
                organisation=group,
                by=user,
                title=f"Client {number}",
                start=start,
                end=start + timedelta(hours=2),
                # Five people, or as many as the room holds: a room for four refuses five
                # for every client, and its slots would stay empty for that reason alone.
                people=min(5, spaces[space_id].capacity),
            )
            won += 1
        except services.BookingRefused:
            refused += 1
        except DatabaseError:  # SQLite's busy timeout ran out: counted, never hidden
            failed += 1
    results.put((won, refused, failed))
    connections.close_all()


def race(backend: str, race_ids: list[int], clients: int) -> float:
    from django.db import connection, connections

    from keepwell.spaces.models import Booking

    connections.close_all()
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    workers = [context.Process(target=_client, args=(n, race_ids, results)) for n in range(clients)]
    began = time.perf_counter()
    for worker in workers:
        worker.start()
    outcomes = [results.get(timeout=3600) for _ in workers]
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - began
    won = sum(w for w, _, _ in outcomes)
    refused = sum(r for _, r, _ in outcomes)
    failed = sum(f for _, _, f in outcomes)
    case = f"{backend}/race/request_booking"
    requests_per_s = round((won + refused) / elapsed, 1)
    emit(case, "requests_per_s", requests_per_s, "requests/s", won + refused)
    emit(case, "bookings_per_s", round(won / elapsed, 1), "bookings/s", won)
    emit(case, "won", won, "bookings", clients)
    emit(case, "refused", refused, "requests", clients)
    emit(case, "failed", failed, "requests", clients)
    with connection.cursor() as cursor:
        # The race's spaces were made first, so their ids run in one unbroken stretch.
        cursor.execute(
            """
            SELECT COUNT(*) FROM spaces_booking a JOIN spaces_booking b
              ON a.space_id = b.space_id AND a.id < b.id
             AND a.start < b."end" AND b.start < a."end"
             WHERE a.status IN ('requested', 'approved') AND b.status IN ('requested', 'approved')
               AND a.space_id BETWEEN %s AND %s
            """,
            [min(race_ids), max(race_ids)],
        )
        doubles = cursor.fetchone()[0]
    booked_slots = Booking.objects.filter(space_id__in=race_ids).holding().count()
    emit(f"{backend}/race/invariants", "double_bookings", doubles, "pairs", won)
    unbooked = len(race_ids) * RACE_SLOTS - booked_slots
    emit(f"{backend}/race/invariants", "slots_unbooked", unbooked, "slots", booked_slots)
    return requests_per_s


def pgbench(clients: int, seconds: int) -> float | None:
    """pgbench's TPC-B-like tps, run as the time bank's bench runs it (named for this bench)."""
    import bench_timebank

    bench_timebank.emit = emit
    return bench_timebank.run_pgbench(clients, seconds)


def child(backend: str, quick: bool, clients: int) -> None:
    spaces, per_space, searches, race_spaces = QUICK if quick else FULL
    _setup_django(backend)
    race_ids = build(spaces, per_space, race_spaces)
    search(backend, searches)
    rate = race(backend, race_ids, clients)
    if backend == "postgres":
        tps = pgbench(clients, 4 if quick else 30)
        if tps:
            emit("postgres/race/vs_pgbench", "ratio_to_pgbench", round(rate / tps, 3), "", clients)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="500 spaces, 20,000 bookings")
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--backends", default="sqlite,postgres")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("child_args", nargs="*", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        quick, clients = args.child_args
        child(args.child, quick == "quick", int(clients))
        return
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    mode = "quick" if args.quick else "full"
    sys.exit(run_per_backend(__file__, args.backends, PG_NAME, mode, args.clients))


if __name__ == "__main__":
    main()

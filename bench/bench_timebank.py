"""Benchmark: concurrent time bank exchanges through the service layer, next to pgbench.

    python bench/bench_timebank.py             # 16 clients, 30 s each run, 200 members
    python bench/bench_timebank.py --quick     # 16 clients, 4 s each run, 40 members
    python bench/bench_timebank.py --clients 8 --seconds 10
    python bench/bench_timebank.py --profile   # one client under cProfile, no pgbench
    python bench/bench_timebank.py --profile --sort tottime   # ... by time in each function
    python bench/bench_timebank.py --orm       # the clients take the portable (ORM) path only

PostgreSQL only (the ledger's concurrency is the point; SQLite serialises writers). On the
server of DATABASE_URL (or postgres://postgres@127.0.0.1:5432), in the same run:

1. ``pgbench`` initialises ``keepwell_bench_pgbench`` at scale = clients and runs its
   built-in TPC-B-like script with the same number of clients for the same time;
2. a bank of 200 members is built in ``keepwell_bench_timebank`` with a history of ten
   exchanges a member, and its statistics taken (as autovacuum would have);
3. 16 client processes (each its own connection, as web workers are) record exchanges
   between random members of that bank through
   ``services.record_exchange`` as a broker: the whole use case (idempotency check, the
   exchange and its two movements, row locks in id order, limit check, balance updates,
   audit rows), one transaction each, retried on deadlock. Some are refused at a limit,
   as in life; refusals are counted, not timed as exchanges.

Then the ledger is checked from the movements up (``services.ledger_problems``: balances
sum to zero and equal their movements, every exchange balances, no limit crossed) and
every exchange a client was told about is found once.

Cases:
  postgres/pgbench/tpcb_like         tps (pgbench's figure, without connection time)
  postgres/service/record_exchange   exchanges_per_s, p50_ms, p95_ms, refused,
                                     client_cpu_ms, server_cpu_ms (CPU per call, the
                                     clients' and their server processes')
  postgres/service/vs_pgbench        percent (exchanges/s as a share of pgbench tps)
  postgres/service/invariants        violations (must be 0)

With ``--orm``, the clients never take the one-statement fast path (``fastpath``): every
exchange goes the portable way, through the ORM, as on SQLite; the cases are then named
``postgres/service_orm/...``, so the two figures sit side by side. The bank's history is
built the same way in both modes.

With ``--profile``, one client runs alone under cProfile instead (its top functions go to
stderr):
  postgres/service/one_client        exchanges_per_s, client_cpu_ms (process CPU per exchange)
"""

from __future__ import annotations

import argparse
import cProfile
import io
import multiprocessing
import os
import pstats
import random
import re
import shutil
import subprocess
import sys
import time
from glob import glob
from pathlib import Path

from _common import Emitter, postgres_admin, postgres_server

emit = Emitter("timebank")

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

BENCH_DIR = ROOT / "var" / "bench"
PG_NAME = "keepwell_bench_timebank"
PGBENCH_DB = "keepwell_bench_pgbench"
FULL = (200, 30)  # members, seconds per run
QUICK = (40, 4)
HISTORY_PER_MEMBER = 10  # exchanges on the ledger before the clients start
MINUTES = [15, 30, 45, 60, 90, 120]  # what an exchange moves, history and clients alike
ORM_ONLY = False  # --orm: the clients take the portable path (set before the clients fork)
SERVICE = "postgres/service"  # the cases' prefix; postgres/service_orm with --orm


def _pgbench_binary() -> str | None:
    found = shutil.which("pgbench")
    if found:
        return found
    candidates = sorted(glob("/usr/lib/postgresql/*/bin/pgbench"))
    return candidates[-1] if candidates else None


def run_pgbench(clients: int, seconds: int) -> float | None:
    binary = _pgbench_binary()
    if binary is None:
        print("pgbench not found: its case is skipped", file=sys.stderr)
        return None
    from urllib.parse import urlparse

    url = urlparse(postgres_server())
    base = [binary, "-h", url.hostname or "127.0.0.1", "-p", str(url.port or 5432)]
    base += ["-U", url.username or "postgres"]
    env = {**os.environ, "PGPASSWORD": url.password or ""}
    postgres_admin(f"DROP DATABASE IF EXISTS {PGBENCH_DB}")
    postgres_admin(f"CREATE DATABASE {PGBENCH_DB}")
    try:
        subprocess.run(
            [*base, "-i", "-q", "-s", str(clients), PGBENCH_DB],
            check=True,
            env=env,
            capture_output=True,
        )
        # Each side starts from a checkpoint, so neither pays for the other's dirty pages.
        postgres_admin("CHECKPOINT")
        threads = max(1, min(clients, os.cpu_count() or 1))
        done = subprocess.run(
            [*base, "-n", "-c", str(clients), "-j", str(threads), "-T", str(seconds), PGBENCH_DB],
            check=True,
            env=env,
            capture_output=True,
            text=True,
        )
    finally:
        postgres_admin(f"DROP DATABASE IF EXISTS {PGBENCH_DB}")
    match = re.search(r"tps = ([0-9.]+) \(without initial connection time\)", done.stdout)
    if match is None:
        match = re.search(r"tps = ([0-9.]+)", done.stdout)
    transactions = re.search(r"number of transactions actually processed: (\d+)", done.stdout)
    tps = float(match.group(1))
    emit(
        "postgres/pgbench/tpcb_like",
        "tps",
        round(tps, 1),
        "tps",
        int(transactions.group(1)) if transactions else 0,
    )
    return tps


# ---------------------------------------------------------------------------------------
# The time bank side


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "keepwell.settings")
    os.environ.setdefault("KEEPWELL_SECRET_KEY", "bench-only-secret-key-" + "x" * 40)
    os.environ.setdefault("KEEPWELL_HTTPS", "false")
    os.environ["KEEPWELL_VAR_DIR"] = str(BENCH_DIR)
    os.environ["DATABASE_URL"] = f"{postgres_server()}/{PG_NAME}"
    import django

    django.setup()


def build(members: int) -> tuple[int, int, list[int]]:
    from django.core.management import call_command

    from keepwell.accounts.models import User
    from keepwell.people.models import Person
    from keepwell.timebank import services

    call_command("migrate", verbosity=0)
    broker = User.objects.create(username="bench-broker", display_name="Bench Broker")
    bank = services.create_bank(
        name="Bench Time Bank",
        slug="bench-time-bank",
        by=broker,
        brokers=[broker],
        min_balance=-600,
        max_balance=600,
    )
    people = Person.objects.bulk_create(
        [Person(given_name=f"Member{i}", family_name="Bench") for i in range(members)]
    )
    accounts = [services.add_member(bank, by=broker, person=p, via="command") for p in people]
    # A bank with a history, as a running one has: ten exchanges a member, recorded as the
    # clients record theirs. (Statistics taken over an empty ledger would describe a table
    # of no rows, and every plan made from them would read the ledger end to end.)
    rng = random.Random(-1)  # noqa: S311 - a reproducible history
    for n in range(HISTORY_PER_MEMBER * members):
        giver, receiver = rng.sample(accounts, 2)
        try:
            services.record_exchange(
                giver=giver,
                receiver=receiver,
                minutes=rng.choice(MINUTES),
                by=broker,
                as_broker=True,
                idempotency_key=f"history-{n}",
                via="command",
            )
        except services.LimitExceeded:
            continue
    return bank.pk, broker.pk, [a.pk for a in accounts]


def _backend_cpu(connection) -> float | None:
    """CPU seconds the server process of this connection has used (if it runs on this host)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def client(number, bank_id, broker_id, ids, start_at, stop_at, results) -> None:
    from django.db import connection, connections

    from keepwell.accounts.models import User
    from keepwell.timebank import fastpath, services
    from keepwell.timebank.models import Account

    if ORM_ONLY:
        # Only the bench does this: the services ask fastpath.available() on every call.
        fastpath.available = lambda: False
    rng = random.Random(number)  # noqa: S311 - a reproducible workload
    broker = User.objects.get(pk=broker_id)
    accounts = {
        a.pk: a
        for a in Account.objects.filter(pk__in=ids).select_related("bank", "person", "organisation")
    }
    told, refused, latencies = [], 0, []
    while time.time() < start_at:
        time.sleep(0.001)
    cpu, server_cpu = time.process_time(), _backend_cpu(connection)
    while time.time() < stop_at:
        giver_id, receiver_id = rng.sample(ids, 2)
        key = f"bench-{number}-{len(told) + refused}"
        minutes = rng.choice(MINUTES)
        started = time.perf_counter()
        try:
            exchange = services.record_exchange(
                giver=accounts[giver_id],
                receiver=accounts[receiver_id],
                minutes=minutes,
                by=broker,
                as_broker=True,
                idempotency_key=key,
                via="command",
            )
        except services.LimitExceeded:
            refused += 1
            continue
        latencies.append(time.perf_counter() - started)
        told.append((key, exchange.pk))
    cpu = time.process_time() - cpu
    if server_cpu is not None:
        after = _backend_cpu(connection)
        server_cpu = None if after is None else after - server_cpu
    connections.close_all()
    results.put((told, refused, latencies, cpu, server_cpu))


def check(bank_id: int, told: list[tuple[str, int]]) -> int:
    from keepwell.timebank import services
    from keepwell.timebank.models import Exchange, TimeBank

    bank = TimeBank.objects.get(pk=bank_id)
    problems = services.ledger_problems(bank)
    on_ledger = dict(
        Exchange.objects.filter(
            bank=bank, kind="exchange", idempotency_key__startswith="bench-"
        ).values_list("idempotency_key", "pk")
    )
    if on_ledger != dict(told):
        problems.append(
            f"{len(on_ledger)} exchanges on the ledger, clients were told of {len(told)}"
        )
    for problem in problems[:10]:
        print(problem, file=sys.stderr)
    return len(problems)


def run_timebank(clients: int, members: int, seconds: int) -> float:
    postgres_admin(f"DROP DATABASE IF EXISTS {PG_NAME}")
    postgres_admin(f"CREATE DATABASE {PG_NAME}")
    try:
        _setup_django()
        from django.db import connection, connections

        started = time.perf_counter()
        bank_id, broker_id, ids = build(members)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        emit("postgres/build", "build_s", round(time.perf_counter() - started, 1), "s", members)
        connections.close_all()  # each client process opens its own connection
        postgres_admin("CHECKPOINT")
        ctx = multiprocessing.get_context("fork")
        results = ctx.Queue()
        start_at = time.time() + 2
        stop_at = start_at + seconds
        procs = [
            ctx.Process(
                target=client, args=(n, bank_id, broker_id, ids, start_at, stop_at, results)
            )
            for n in range(clients)
        ]
        for proc in procs:
            proc.start()
        told, refused, latencies, cpu, server_cpu = [], 0, [], 0.0, 0.0
        for _ in procs:
            t, r, lat, c, sc = results.get(timeout=seconds + 120)
            told += t
            refused += r
            latencies += lat
            cpu += c
            server_cpu = None if server_cpu is None or sc is None else server_cpu + sc
        for proc in procs:
            proc.join(timeout=30)
        rate = len(told) / seconds
        case = f"{SERVICE}/record_exchange"
        emit(case, "exchanges_per_s", round(rate, 1), "exchanges/s", len(told))
        ordered = sorted(latencies)
        for name, q in (("p50_ms", 0.50), ("p95_ms", 0.95)):
            value = ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else 0
            emit(case, name, round(value, 2), "ms", len(ordered))
        emit(case, "refused", refused, "exchanges", len(told) + refused)
        # CPU per call (exchanges and refusals): the clients', and their server processes'.
        calls = max(len(told) + refused, 1)
        emit(case, "client_cpu_ms", round(1000 * cpu / calls, 3), "ms", calls)
        if server_cpu is not None:
            emit(case, "server_cpu_ms", round(1000 * server_cpu / calls, 3), "ms", calls)
        emit(f"{SERVICE}/invariants", "violations", check(bank_id, told), "problems", 1)
        connections.close_all()
        return rate
    finally:
        from django.db import connections

        connections.close_all()
        postgres_admin(f"DROP DATABASE IF EXISTS {PG_NAME}")


def profile_one_client(members: int, seconds: int, sort: str = "cumulative") -> None:
    """One client alone, under cProfile (CPU time): where a service call's CPU goes."""
    import queue

    postgres_admin(f"DROP DATABASE IF EXISTS {PG_NAME}")
    postgres_admin(f"CREATE DATABASE {PG_NAME}")
    try:
        _setup_django()
        from django.db import connection, connections

        bank_id, broker_id, ids = build(members)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        results: queue.Queue = queue.Queue()
        # A short warm-up (imports, connection, prepared statements), then the measured run.
        client(-1, bank_id, broker_id, ids, time.time(), time.time() + 1, results)
        warm_up = results.get()[0]
        profiler = cProfile.Profile(time.process_time)  # CPU, not waiting for the server
        cpu = time.process_time()
        start_at = time.time()
        profiler.enable()
        client(0, bank_id, broker_id, ids, start_at, start_at + seconds, results)
        profiler.disable()
        cpu = time.process_time() - cpu
        told, refused, _latencies, _cpu, _server_cpu = results.get()
        done = len(told) + refused
        case = f"{SERVICE}/one_client"
        emit(case, "exchanges_per_s", round(len(told) / seconds, 1), "exchanges/s", len(told))
        emit(case, "client_cpu_ms", round(1000 * cpu / max(done, 1), 3), "ms", done)
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(sort)
        stats.print_stats(35)
        print(out.getvalue(), file=sys.stderr)
        emit(
            f"{SERVICE}/invariants",
            "violations",
            check(bank_id, warm_up + told),
            "problems",
            1,
        )
        connections.close_all()
    finally:
        from django.db import connections

        connections.close_all()
        postgres_admin(f"DROP DATABASE IF EXISTS {PG_NAME}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="4 s runs, 40 members")
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--members", type=int)
    ap.add_argument("--seconds", type=int)
    ap.add_argument("--profile", action="store_true", help="one client alone, under cProfile")
    ap.add_argument("--sort", default="cumulative", help="with --profile: pstats sort key")
    ap.add_argument("--orm", action="store_true", help="the clients take the portable path only")
    args = ap.parse_args()
    if args.orm:
        global ORM_ONLY, SERVICE
        ORM_ONLY, SERVICE = True, "postgres/service_orm"
    members, seconds = QUICK if args.quick else FULL
    members = args.members or members
    seconds = args.seconds or seconds
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    try:
        postgres_admin("SELECT 1")
    except Exception as exc:  # noqa: BLE001 - no server means nothing to measure
        print(f"postgres not reachable, nothing measured: {exc}", file=sys.stderr)
        return
    if args.profile:
        profile_one_client(members, seconds, args.sort)
        return
    tps = run_pgbench(args.clients, seconds)
    rate = run_timebank(args.clients, members, seconds)
    if tps:
        share = round(100 * rate / tps, 1)
        emit(f"{SERVICE}/vs_pgbench", "percent", share, "%", args.clients)


if __name__ == "__main__":
    main()

"""Benchmark: messaging (issue 13) — a broadcast through the outbox, the cost of writing an
event's messages, and the communication audit over millions of messages.

    python bench/bench_messaging.py                 # 100,000 people, 2,000,000 audit rows
    python bench/bench_messaging.py --quick         # 3,000 people, 20,000 audit rows
    python bench/bench_messaging.py --backends sqlite --cases broadcast
    python bench/bench_messaging.py --limit 3000 --window 3   # the fake's rolling limit

Each backend runs in its own process on a throwaway database (SQLite under var/bench/; for
PostgreSQL ``keepwell_bench_messaging`` on the server of DATABASE_URL, dropped afterwards).

Cases:

* ``<backend>/outbox/broadcast``: N people who said yes to news (a third each by text, email
  and letter; languages en, pt (both approved) and pl (falls back to English); 0.5% on
  Notify's permanent-failure test number) are written into the outbox by
  ``services.send`` in batches of 1,000, as a broadcast's release does. Two
  ``keepwell messaging_worker`` processes deliver them to the fake provider, set to a
  rolling limit of ``--limit`` per ``--window`` seconds; halfway, one worker is killed with
  SIGKILL while its claimed rows are ``sending``, and started again. The fake's receipts
  (written by the workers) take messages to ``delivered``. Metrics:
  ``delivered_rate_ratio`` (delivered per second from the first send to the last, over the
  limit per second; goal ≥ 0.9), ``rate_limited`` (429s the fake answered; 0),
  ``duplicates`` (the fake's sends sharing a reference beyond the first; 0), ``lost``
  (messages not delivered at the end, the test number's deliberate failures aside; 0),
  ``steady_rate_ratio`` (the same without the rows sent a second time after the kill),
  ``orphaned_by_kill`` (rows the killed worker left ``sending`` 3 s after it died: 0 when
  the fake already had its batch, whose receipts then carry them on; otherwise the reaper
  asks the fake once their lease of ``outbox.LEASE_SECONDS`` runs out), ``write_s`` and
  ``deliver_s``.
* ``<backend>/send/write_overhead``: one event's transaction (a person's row updated) with
  and without ``services.send`` of a task offer to one person; ``write_overhead_p95_ms`` is
  the p95 of the time ``send`` takes inside the transaction (goal ≤ 2 ms), beside the
  whole transaction's p95 with and without it.
* ``<backend>/http/audit_*``: ``GET /messaging/audit/`` as a coordinator (two-factor done)
  over ``--audit-rows`` messages spread over the last year (bulk SQL), after the tallies
  are rolled up (``report.roll_up_all``): a year by channel × language, a year by area, a
  year in one area by channel. ``p95_ms`` (goal ≤ 300 ms).
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import time
from datetime import time as dtime
from datetime import timedelta
from pathlib import Path

from _common import Emitter, postgres_server, run_per_backend

emit = Emitter("messaging")

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

BENCH_DIR = ROOT / "var" / "bench"
PG_NAME = "keepwell_bench_messaging"
# people in the broadcast, write-overhead repetitions, audit rows, audit requests a case
FULL = (100_000, 2_000, 2_000_000, 100)
QUICK = (3_000, 300, 20_000, 20)
ALL_CASES = "broadcast,overhead,audit"
AREAS = 20
PERM_FAIL_MOBILE = "07700900002"  # Notify's test number: a permanent failure
SEND_BATCH = 1_000


def _env(backend: str) -> dict[str, str]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "keepwell.settings")
    os.environ.setdefault("KEEPWELL_SECRET_KEY", "bench-only-secret-key-" + "x" * 40)
    os.environ.setdefault("KEEPWELL_HTTPS", "false")
    os.environ["KEEPWELL_VAR_DIR"] = str(BENCH_DIR)
    os.environ["KEEPWELL_MESSAGING_PROVIDER"] = "fake"
    if backend == "sqlite":
        db = BENCH_DIR / "messaging.sqlite3"
        os.environ["DATABASE_URL"] = f"sqlite:///{db}"
    else:
        os.environ["DATABASE_URL"] = f"{postgres_server()}/{PG_NAME}"
    return dict(os.environ)


# ---------------------------------------------------------------------------------------
# The world


def build_world(n_people: int):
    """A group, a coordinator, 20 areas and ``n_people`` people who said yes to news."""
    from django.db import transaction

    from keepwell.accounts.models import Membership, Role, User
    from keepwell.directory.models import Organisation, OrganisationKind
    from keepwell.messaging.models import (
        PURPOSE_BASIS,
        Preference,
        Purpose,
        PurposeChoice,
    )
    from keepwell.people.models import Person
    from keepwell.places.models import Area

    with transaction.atomic():
        group = Organisation.objects.create(
            name="Bench Mutual Aid", slug="bench-mutual-aid", kind=OrganisationKind.GRASS_ROOTS
        )
        coordinator = User.objects.create_user(username="bench-coordinator", display_name="Sam")
        Membership.objects.create(user=coordinator, role=Role.COORDINATOR, organisation=group)
        top = Area.objects.create(name="Benchshire", slug="benchshire", kind=Area.Kind.PLACE)
        areas = [
            Area.objects.create(
                name=f"Area {i:02d}", slug=f"area-{i:02d}", parent=top, kind=Area.Kind.PLACE
            )
            for i in range(AREAS)
        ]
        people = []
        for i in range(n_people):
            postcode = f"BH{i % AREAS} 1AB"
            people.append(
                Person(
                    given_name=f"Person{i}",
                    family_name=f"Family{i % 997}",
                    mobile=PERM_FAIL_MOBILE if i % 200 == 7 else f"07700 {900100 + i % 800000}",
                    email=f"person{i}@example.org",
                    address_line_1=f"{i % 200 + 1} Bench Street",
                    town="Benchton",
                    postcode=postcode,
                    postcode_compact=postcode.replace(" ", ""),
                    area=areas[i % AREAS],
                )
            )
        for start in range(0, len(people), 5000):
            Person.objects.bulk_create(people[start : start + 5000])
        ids = list(
            Person.objects.filter(given_name__startswith="Person")
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        channels = (["sms"], ["email"], ["letter"])
        languages = (["en"], ["pt"], ["pl"])  # Polish has no approved words: English instead
        prefs, choices = [], []
        for i, pid in enumerate(ids):
            # A perm-fail number must be texted, so its failure is a real one.
            channel = ["sms"] if i % 200 == 7 else channels[i % 3]
            prefs.append(
                Preference(
                    person_id=pid,
                    channels=channel,
                    languages=languages[(i // 3) % 3],
                    # No quiet hours: the bench may run at night.
                    quiet_from=dtime(0, 0),
                    quiet_until=dtime(0, 0),
                )
            )
            choices.append(
                PurposeChoice(
                    person_id=pid,
                    purpose=Purpose.NEWS,
                    allowed=True,
                    lawful_basis=PURPOSE_BASIS[Purpose.NEWS],
                    how=PurposeChoice.How.ONLINE,
                )
            )
        for start in range(0, len(ids), 5000):
            Preference.objects.bulk_create(prefs[start : start + 5000])
            PurposeChoice.objects.bulk_create(choices[start : start + 5000])
    return coordinator, group, areas, ids


# ---------------------------------------------------------------------------------------
# 1. The broadcast through the outbox


def _worker(env: dict[str, str], name: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), "messaging_worker", "--worker-id", name],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        # A file, not a pipe: a pipe nobody reads fills up and stops the worker.
        stderr=(BENCH_DIR / f"messaging-worker-{name}.log").open("a"),
    )


def _kill_mid_batch(worker: subprocess.Popen, timeout: float = 20.0) -> int:
    """SIGKILL worker "a" while it holds claimed rows (its leases are named "a:…"); failing
    that within ``timeout``, between batches. Returns the rows it left ``sending``."""
    from django.db import connection

    from keepwell.messaging.models import Message, Status

    deadline = time.monotonic() + timeout
    while True:
        # Leases name their worker ("a:…"): kill "a" while it holds a batch.
        tokens = set(
            Message.objects.filter(status=Status.SENDING, lease_token__startswith="a:")
            .order_by()
            .values_list("lease_token", flat=True)
            .distinct()[:3]
        )
        if tokens:
            worker.send_signal(signal.SIGKILL)
            worker.wait()
            print(f"killed worker a holding {len(tokens)} batch(es)", file=sys.stderr)
            break
        if time.monotonic() > deadline:
            # Nothing seen mid-batch for a long while: kill it between batches instead.
            worker.send_signal(signal.SIGKILL)
            worker.wait()
            print("killed the worker between batches (none seen mid-batch)", file=sys.stderr)
            break
        time.sleep(0.002)
    connection.close()
    # What the dead worker held stays ``sending`` under its token; the survivor's batches
    # come and go. Whatever is still sending under an old token a while later is the dead one's.
    time.sleep(3.0)
    left = (
        Message.objects.filter(status=Status.SENDING, lease_token__in=tokens)
        .order_by()
        .values_list("lease_token", flat=True)
    )
    return len(list(left))


def bench_broadcast(backend: str, ids: list[int], limit: int, window: float, env: dict) -> None:
    from django.db import transaction
    from django.db.models import Count, Max, Min, Q

    from keepwell.messaging import services
    from keepwell.messaging.models import (
        PROVIDER_CHANNELS,
        FakeSend,
        Message,
        ProviderState,
        Purpose,
        Status,
    )
    from keepwell.people.models import Person

    case = f"{backend}/outbox/broadcast"
    event = "broadcast:bench"
    started = time.perf_counter()
    for start in range(0, len(ids), SEND_BATCH):
        people = Person.objects.filter(pk__in=ids[start : start + SEND_BATCH])
        with transaction.atomic():
            services.send(
                event=event,
                kind="broadcast",
                to=[services.To(person=p, audience="residents") for p in people],
                purpose=Purpose.NEWS,
                context={"body": "The community fridge opens on Saturday at 10."},
            )
    write_s = time.perf_counter() - started
    ours = Message.objects.filter(event=event, channel__in=PROVIDER_CHANNELS)
    total = ours.count()
    emit(case, "write_s", round(write_s, 1), "s", total)
    emit(case, "messages_written_per_s", round(total / write_s), "per_s", total)

    env = {
        **env,
        "KEEPWELL_MESSAGING_RATE_LIMIT": str(limit),
        "KEEPWELL_MESSAGING_RATE_WINDOW_SECONDS": str(window),
    }
    workers = [_worker(env, "a"), _worker(env, "b")]
    t0 = time.perf_counter()
    orphaned = -1
    verbose = bool(os.environ.get("BENCH_VERBOSE"))
    budget = 120 + 3 * total / (limit / window)
    # Progress is read once a second through the indexes the workers use (status, and the
    # sent window), not by scanning the broadcast's rows: the bench shares the cores.
    unfinished = Message.objects.filter(
        channel__in=PROVIDER_CHANNELS, status__in=[Status.QUEUED, Status.SENDING, Status.SENT]
    )
    sent_so_far = Message.objects.filter(provider="fake", sent_at__isnull=False)
    try:
        while True:
            done = total - unfinished.count()
            # Halfway through sending (receipts come later): kill worker "a" mid-batch and
            # start it again under its name, as a supervisor would.
            if orphaned < 0 and sent_so_far.count() >= total // 2:
                orphaned = _kill_mid_batch(workers[0])
                workers[0] = _worker(env, "a")
            if done >= total:
                break
            if time.perf_counter() - t0 > budget:
                print(f"{case}: gave up waiting, {done} of {total} final", file=sys.stderr)
                break
            if verbose:
                print(f"{time.perf_counter() - t0:.1f} s: {done} of {total} final", file=sys.stderr)
            time.sleep(1.0)
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        for worker in workers:
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
    deliver_s = time.perf_counter() - t0

    span = ours.aggregate(first=Min("sent_at"), last=Max("sent_at"))
    delivered = ours.filter(status=Status.DELIVERED).count()
    seconds = max((span["last"] - span["first"]).total_seconds(), 1e-6) if span["first"] else 0
    rate = delivered / seconds if seconds else 0.0
    ratio = rate / (limit / window)
    # The same, leaving out the rows the killed worker held (sent again once their lease of
    # outbox.LEASE_SECONDS ran out, after a wait that dominates a short run).
    first_try = ours.filter(attempts=1)
    steady = first_try.aggregate(first=Min("sent_at"), last=Max("sent_at"))
    steady_n = first_try.filter(status=Status.DELIVERED).count()
    steady_s = (
        max((steady["last"] - steady["first"]).total_seconds(), 1e-6) if steady["first"] else 0
    )
    steady_ratio = (steady_n / steady_s) / (limit / window) if steady_s else 0.0
    limited = (
        ProviderState.objects.filter(provider="fake").values_list("rate_limited", flat=True).first()
    ) or 0
    duplicates = sum(
        n - 1
        for n in FakeSend.objects.values("reference")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .values_list("n", flat=True)
    )
    deliberate = Q(to__endswith=PERM_FAIL_MOBILE[1:])
    lost = ours.exclude(deliberate).exclude(status=Status.DELIVERED).count()
    emit(case, "limit_per_s", round(limit / window, 1), "per_s", limit)
    emit(case, "deliver_s", round(deliver_s, 1), "s", total)
    emit(case, "sending_period_s", round(seconds, 1), "s", delivered)
    emit(case, "delivered_per_s", round(rate, 1), "per_s", delivered)
    emit(case, "delivered_rate_ratio", round(ratio, 3), "ratio", delivered)
    emit(case, "steady_rate_ratio", round(steady_ratio, 3), "ratio", steady_n)
    emit(case, "rate_limited", limited, "count", total)
    emit(case, "duplicates", duplicates, "count", total)
    emit(case, "lost", lost, "count", total)
    emit(case, "orphaned_by_kill", orphaned, "count", total)


# ---------------------------------------------------------------------------------------
# 2. The cost of writing an event's messages


def _context_for(kind: str) -> dict[str, str]:
    import re

    from keepwell.messaging.models import Template

    text = " ".join(
        f"{t.subject} {t.body}" for t in Template.objects.filter(key=kind, state="approved")
    )
    return {name: "x" for name in set(re.findall(r"\(\(([a-z_]+)\)\)", text))} | {
        "need": "shopping",
        "area": "Area 01",
        "when": "tomorrow morning",
    }


def _settle() -> None:
    """After the broadcast's 100,000 rows and their updates, let the database catch up
    (a checkpoint, and the vacuum autovacuum would start mid-measurement), so the overhead
    is an event's in a running system, not the tail of a bulk load."""
    from django.db import connection

    from keepwell.messaging.models import Message

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(Message._meta.db_table)}")
            cursor.execute("CHECKPOINT")
        else:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            cursor.execute("ANALYZE")


def bench_overhead(backend: str, ids: list[int], n: int) -> None:
    from django.db import transaction

    from keepwell.messaging import services
    from keepwell.messaging.models import Purpose
    from keepwell.people.models import Person

    case = f"{backend}/send/write_overhead"
    context = _context_for("task_offer")
    people = list(Person.objects.filter(pk__in=ids[: min(len(ids), 200)]))
    rng = random.Random(13)
    with_send, without, sends = [], [], []
    for i in range(n + 20):
        person = people[rng.randrange(len(people))]
        for send_too in (False, True):
            started = time.perf_counter()
            with transaction.atomic():
                # The event itself: a row of the person's record changes.
                Person.objects.filter(pk=person.pk).update(known_as=f"P{i}")
                if send_too:
                    t = time.perf_counter()
                    services.send(
                        event=f"task_offer:bench:{i}",
                        kind="task_offer",
                        to=[services.To(person=person)],
                        purpose=Purpose.VOLUNTEERING,
                        context=context,
                        url=f"/help/offers/{i}/",
                        about=("task", i),
                    )
                    send_s = time.perf_counter() - t
            elapsed = time.perf_counter() - started
            if i < 20:
                continue  # warming the caches
            if send_too:
                with_send.append(elapsed)
                sends.append(send_s)
            else:
                without.append(elapsed)

    def p95(xs: list[float]) -> float:
        ordered = sorted(xs)
        return round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))] * 1000, 3)

    emit(case, "write_overhead_p95_ms", p95(sends), "ms", n)
    emit(case, "txn_with_send_p95_ms", p95(with_send), "ms", n)
    emit(case, "txn_without_send_p95_ms", p95(without), "ms", n)


# ---------------------------------------------------------------------------------------
# 3. The communication audit


def fill_messages(rows: int, area_ids: list[int], organisation_id: int) -> None:
    """``rows`` messages over the last 365 days, in one INSERT … SELECT; four in five sent
    by ``organisation_id`` (the coordinator's group, whose figures the audit shows them)."""
    from django.db import connection, transaction

    first_area = min(area_ids)
    n_areas = len(area_ids)
    if connection.vendor == "postgresql":
        series = f"SELECT g AS i FROM generate_series(1, {rows}) AS g"
        queued = "now() - (i % 365) * interval '1 day' - (i % 80000) * interval '1 second'"
        json_list, json_dict, true, false = "'[]'::jsonb", "'{}'::jsonb", "true", "false"
        text = "CAST(i AS TEXT)"
    else:
        series = (
            f"WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {rows}) "
            "SELECT i FROM s"
        )
        queued = (
            "strftime('%Y-%m-%d %H:%M:%S', 'now', '-' || (i % 365) || ' days', "
            "'-' || (i % 80000) || ' seconds')"
        )
        json_list, json_dict, true, false = "'[]'", "'{}'", "1", "0"
        text = "CAST(i AS TEXT)"
    channel = (
        "CASE i % 10 WHEN 0 THEN 'letter' WHEN 1 THEN 'inbox' WHEN 2 THEN 'phone' "
        "WHEN 3 THEN 'email' WHEN 4 THEN 'email' ELSE 'sms' END"
    )
    language = "CASE i % 7 WHEN 0 THEN 'pt' WHEN 1 THEN 'pl' WHEN 2 THEN 'ur' ELSE 'en' END"
    purpose = (
        "CASE i % 4 WHEN 0 THEN 'news' WHEN 1 THEN 'volunteering' WHEN 2 THEN 'work' "
        "ELSE 'care' END"
    )
    status = (
        "CASE WHEN i % 50 = 0 THEN 'permanent-failure' WHEN i % 13 = 0 THEN 'sent' "
        "ELSE 'delivered' END"
    )
    columns = {
        "idempotency_key": f"'bench|' || {text}",
        "event": "'bench'",
        "kind": "'broadcast'",
        "purpose": purpose,
        "channel": channel,
        "urgent": false,
        "recipient_label": "''",
        '"to"': f"'+4477009' || {text}",
        "address": json_list,
        "audience": "CASE i % 3 WHEN 0 THEN 'residents' WHEN 1 THEN 'volunteers' ELSE '' END",
        "area_id": f"{first_area} + i % {n_areas}",
        "sender_organisation_id": f"CASE WHEN i % 5 = 0 THEN NULL ELSE {organisation_id} END",
        "about_type": "''",
        "language": language,
        "language_fallback": f"CASE WHEN i % 7 = 1 THEN {true} ELSE {false} END",
        "large_print": false,
        "subject": "''",
        "body": "'Bench'",
        "url": "''",
        "context": json_dict,
        "next_channels": json_list,
        "sms_encoding": "''",
        "sms_parts": "1",
        "cost_pence": "2",
        "status": status,
        "status_detail": "''",
        "queued_at": "q",
        "sent_at": "q",
        "delivered_at": "q",
        "next_attempt_at": "q",
        "attempts": "1",
        "lease_token": "''",
        "provider": "'fake'",
        "provider_id": "''",
        "call_outcome": "CASE WHEN i % 10 = 2 THEN 'got_through' ELSE '' END",
        "call_notes": "''",
    }
    names = ", ".join(columns)
    values = ", ".join(columns.values())
    sql = (
        f"INSERT INTO messaging_message ({names}) "  # noqa: S608 - no user input
        f"SELECT {values} FROM (SELECT i, {queued} AS q FROM ({series}) AS s0) AS s1"
    )
    if connection.vendor == "sqlite":
        sql = (
            f"WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {rows}) "
            f"INSERT INTO messaging_message ({names}) "  # noqa: S608
            f"SELECT {values} FROM (SELECT i, {queued} AS q FROM s) AS s1"
        )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)


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


def bench_audit(backend: str, coordinator, areas, rows: int, n: int) -> None:
    from django.conf import settings
    from django.db import connection

    from keepwell.messaging import report
    from keepwell.messaging.models import Message

    started = time.perf_counter()
    from keepwell.accounts.models import Role

    (organisation_id,) = sorted(coordinator.organisation_ids(Role.COORDINATOR))[:1]
    fill_messages(rows, [a.pk for a in areas], organisation_id)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE messaging_message")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    total = Message.objects.count()
    emit(f"{backend}/audit/build", "build_s", round(time.perf_counter() - started, 1), "s", total)
    started = time.perf_counter()
    tallies = report.roll_up_all()
    emit(
        f"{backend}/audit/rollup", "rollup_s", round(time.perf_counter() - started, 1), "s", tallies
    )

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    client = _client(coordinator)
    today = report.local_today()
    year = f"start={today - timedelta(days=364)}&end={today}"
    cases = {
        "audit_channel_language": f"/messaging/audit/?{year}&group_by=channel&group_by=language",
        "audit_area": f"/messaging/audit/?{year}&group_by=area",
        "audit_one_area": f"/messaging/audit/?{year}&group_by=channel&area={areas[3].pk}",
    }
    for name, url in cases.items():
        samples = []
        for i in range(n + 3):
            t = time.perf_counter()
            response = client.get(url)
            elapsed = time.perf_counter() - t
            if response.status_code != 200:
                raise SystemExit(f"{url}: HTTP {response.status_code}")
            if i >= 3:
                samples.append(elapsed)
        emit.percentiles(f"{backend}/http/{name}", samples)


# ---------------------------------------------------------------------------------------


def child(
    backend: str,
    n_people: int,
    n_overhead: int,
    audit_rows: int,
    n_audit: int,
    limit: int,
    window: float,
    cases: str,
) -> None:
    env = _env(backend)
    if backend == "sqlite":
        db = BENCH_DIR / "messaging.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    coordinator, _group, areas, ids = build_world(n_people)
    emit(f"{backend}/build", "build_s", round(time.perf_counter() - started, 1), "s", n_people)
    wanted = set(cases.split(","))
    if "broadcast" in wanted:
        bench_broadcast(backend, ids, limit, window, env)
    if "overhead" in wanted:
        _settle()
        bench_overhead(backend, ids, n_overhead)
    if "audit" in wanted:
        bench_audit(backend, coordinator, areas, audit_rows, n_audit)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="small: under a minute")
    ap.add_argument("--backends", default="sqlite,postgres", help="comma-separated")
    ap.add_argument("--cases", default=ALL_CASES, help=f"comma-separated, of {ALL_CASES}")
    ap.add_argument("--people", type=int, help="people in the broadcast")
    ap.add_argument("--audit-rows", type=int, help="messages for the audit")
    ap.add_argument("--limit", type=int, help="the fake's rolling limit (sends per window)")
    ap.add_argument("--window", type=float, help="the rolling window, in seconds")
    ap.add_argument("--child", nargs=8, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        backend, people, overhead, rows, n, limit, window, cases = args.child
        child(
            backend, int(people), int(overhead), int(rows), int(n), int(limit), float(window), cases
        )
        return
    unknown = set(args.cases.split(",")) - set(ALL_CASES.split(","))
    if unknown:
        ap.error(f"unknown cases: {', '.join(sorted(unknown))}")
    people, overhead, rows, n = QUICK if args.quick else FULL
    # Quick: 600 per 3 s, so 3,000 take about 5 s; full: 3,000 per 3 s, 100,000 in ~100 s.
    limit = args.limit or (600 if args.quick else 3000)
    window = args.window or 3.0
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    sys.exit(
        run_per_backend(
            __file__,
            args.backends,
            PG_NAME,
            args.people or people,
            overhead,
            args.audit_rows or rows,
            n,
            limit,
            window,
            args.cases,
        )
    )


if __name__ == "__main__":
    main()

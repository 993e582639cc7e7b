"""Benchmark: directory search near a postcode, and paging the Open Referral UK feed.

    python bench/bench_directory.py                # 200,000 services at 20,000 postcodes
    python bench/bench_directory.py --quick        # 2,000 services at 400 postcodes
    python bench/bench_directory.py --services 50000 --backends sqlite

The directory is generated straight into the tables (bulk inserts, the same columns the
service layer keeps, ``search_text`` included) over a region about 80 km across with 20
towns, postcodes clustered round them as people are: 10 services an organisation, two
venues each, 90% of services at a venue, 95% published, Table two activities, languages
and opening times on some. Search postcodes are drawn from the postcodes themselves, so
busy towns are searched more, as they would be.

Each backend runs in its own process on a throwaway database (SQLite under var/bench/; for
PostgreSQL, a database ``keepwell_bench_directory`` created on the server of DATABASE_URL,
or of postgres://postgres@127.0.0.1:5432 when that is unset, and dropped afterwards).

Cases (metrics p50_ms and p95_ms, n searches or pages):

  <backend>/service/search   services.search(): a word, within 5 km of a postcode, a
                             category; postcode lookup included, first page of 20
  <backend>/http/search      GET /directory/?q=...&postcode=...&radius=5&category=...
                             over a real HTTP connection to a threaded WSGI server,
                             the whole page rendered (anonymous, as the public sees it)
  <backend>/http/oruk_services  GET /oruk/services?page=N&per_page=50, N uniform over
                             every page (deep offsets included)

plus build_s (the time to generate the directory) per backend.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from urllib.parse import urlencode

from _common import Emitter, postgres_server, run_per_backend

emit = Emitter("directory")

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

BENCH_DIR = ROOT / "var" / "bench"
PG_NAME = "keepwell_bench_directory"
FULL = (200_000, 20_000, 1000)  # services, postcodes, measured requests per case
QUICK = (2_000, 400, 40)
UNIT_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
WORDS = ["friendly", "local", "weekly", "free", "community", "neighbourhood", "drop-in"]
SENTENCES = [
    "Run by volunteers who live nearby",
    "Everyone is welcome, come as you are",
    "Tea, cake and a chat afterwards",
    "Wheelchair accessible with a hearing loop",
    "For carers and the people they look after",
    "Open to all ages; under 16s with an adult",
    "Bring a friend or come on your own",
]


# ---------------------------------------------------------------------------------------
# The generated directory


def build(n_services: int, n_postcodes: int, rng: random.Random) -> list[tuple[str, str, str]]:
    """Fill the tables; return (word, postcode, category) search triples to draw from."""
    from django.db import connection, transaction

    from keepwell.directory.models import (
        COMMUNITY_KINDS,
        Location,
        Organisation,
        Schedule,
        Service,
        ServiceAtLocation,
        TaxonomyTerm,
    )
    from keepwell.directory.services import words_of_all
    from keepwell.people.models import Language
    from keepwell.places.models import PostcodeLocation

    towns = [(53.0 + rng.uniform(-0.35, 0.35), -1.5 + rng.uniform(-0.6, 0.6)) for _ in range(20)]
    postcodes: list[tuple[str, float, float, int]] = []
    per_sector = 40
    district = 0
    while len(postcodes) < n_postcodes:
        district += 1
        town = district % len(towns)
        lat0, lon0 = towns[town]
        for sector in range(10):
            for u in range(per_sector):
                if len(postcodes) >= n_postcodes:
                    break
                unit = UNIT_LETTERS[u % 20] + UNIT_LETTERS[(u // 20 + sector) % 20]
                postcodes.append(
                    (
                        f"BX{district} {sector}{unit}",
                        lat0 + rng.gauss(0, 0.03),
                        lon0 + rng.gauss(0, 0.05),
                        town,
                    )
                )
    terms = list(TaxonomyTerm.objects.exclude(parent=None).select_related("parent"))
    languages = list(Language.objects.all())
    now = datetime.now(UTC)
    by_town: dict[int, list[int]] = {}
    for i, pc in enumerate(postcodes):
        by_town.setdefault(pc[3], []).append(i)
    with transaction.atomic():
        PostcodeLocation.objects.bulk_create(
            (PostcodeLocation(postcode=p, latitude=a, longitude=b) for p, a, b, _ in postcodes),
            batch_size=5000,
        )
        n_orgs = max(1, n_services // 10)
        orgs = Organisation.objects.bulk_create(
            (
                Organisation(
                    name=f"Bench group {i}",
                    slug=f"bench-group-{i}",
                    kind=COMMUNITY_KINDS[i % len(COMMUNITY_KINDS)],
                    description="A community group",
                )
                for i in range(n_orgs)
            ),
            batch_size=5000,
        )
        org_ids = [o.pk for o in orgs]
        town_keys = sorted(by_town)
        locations = []
        for i, org_id in enumerate(org_ids):
            town_postcodes = by_town[town_keys[i % len(town_keys)]]
            for v in range(2):
                p, lat, lon, _ = postcodes[rng.choice(town_postcodes)]
                locations.append(
                    Location(
                        organisation_id=org_id,
                        address_1=f"{v + 1} High Street",
                        town="Benchton",
                        postcode=p,
                        latitude=lat,
                        longitude=lon,
                        confidential=rng.random() < 0.005,
                    )
                )
        locations = Location.objects.bulk_create(locations, batch_size=5000)
        services = []
        picks = []
        for i in range(n_services):
            term = rng.choice(terms)
            org_index = i // 10
            name = f"{term.name} {rng.choice(WORDS)} {i}"
            description = rng.choice(SENTENCES)
            text = " ".join(
                words_of_all(
                    " ".join(
                        [name, f"Bench group {org_index}", term.category, term.name, description]
                    )
                )
            )
            r = rng.random()
            status = "published" if r < 0.95 else ("draft" if r < 0.98 else "withdrawn")
            services.append(
                Service(
                    organisation_id=org_ids[org_index],
                    name=name,
                    description=description,
                    category=term.category,
                    status=status,
                    delivery="in_person" if rng.random() < 0.9 else "phone",
                    is_free=rng.random() < 0.7,
                    last_verified_at=now - timedelta(days=rng.randint(0, 600)),
                    search_text=text,
                )
            )
            picks.append(term)
        services = Service.objects.bulk_create(services, batch_size=5000)
        through_terms = Service.taxonomy_terms.through
        through_terms.objects.bulk_create(
            (
                through_terms(service_id=s.pk, taxonomyterm_id=t.pk)
                for s, t in zip(services, picks, strict=True)
            ),
            batch_size=10000,
        )
        through_langs = Service.languages.through
        through_langs.objects.bulk_create(
            (
                through_langs(service_id=s.pk, language_id=rng.choice(languages).pk)
                for s in services
                if rng.random() < 0.3
            ),
            batch_size=10000,
        )
        Schedule.objects.bulk_create(
            (
                Schedule(
                    service_id=s.pk,
                    weekday=rng.randint(0, 6),
                    opens_at=clock(10),
                    closes_at=clock(12),
                )
                for s in services
                if rng.random() < 0.6
            ),
            batch_size=10000,
        )
        sals = []
        for i, s in enumerate(services):
            if s.delivery != "in_person":
                continue
            loc = locations[(i // 10) * 2 + rng.randint(0, 1)]
            sals.append(
                ServiceAtLocation(
                    service_id=s.pk,
                    location_id=loc.pk,
                    latitude=loc.latitude,
                    longitude=loc.longitude,
                    confidential=loc.confidential,
                    # What services.sync_venues copies from the service.
                    published=s.status == "published",
                    category=s.category,
                    search_text=s.search_text,
                )
            )
        ServiceAtLocation.objects.bulk_create(sals, batch_size=10000)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    # What people search for: a word of an activity, at a postcode where people live, with
    # that activity's kind of support.
    searches = []
    for _ in range(5000):
        term = rng.choice(terms)
        words = [w for w in words_of_all(term.name) if len(w) > 3] or words_of_all(term.name)
        searches.append((rng.choice(words), rng.choice(postcodes)[0], term.category))
    return searches


# ---------------------------------------------------------------------------------------
# Measuring


def measure_service(case: str, searches, n: int) -> None:
    from keepwell.directory.services import SearchQuery, search
    from keepwell.places.services import PostcodeLookup

    def one(word, postcode, category):
        found = PostcodeLookup().try_locate(postcode)
        page = search(
            SearchQuery(
                words=word,
                point=(found.latitude, found.longitude),
                radius_km=5,
                category=category,
            )
        )
        for result in page.results:
            result.service.organisation.name  # noqa: B018 - what the page shows
        return page.total

    for args in searches[:20]:
        one(*args)
    samples, hits = [], 0
    for args in searches[20 : 20 + n]:
        started = time.perf_counter()
        hits += one(*args)
        samples.append(time.perf_counter() - started)
    emit.percentiles(case, samples)
    print(f"{case}: {hits / len(samples):.1f} results a search on average", file=sys.stderr)
    if not hits:
        raise SystemExit(f"{case}: no search found anything; the generated data is wrong")


def _serve():
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler

    class Quiet(WSGIRequestHandler):
        # wsgiref writes the headers and the body in two sends: with Nagle's algorithm on,
        # each response would wait for the client's delayed ACK (40 ms on Linux).
        disable_nagle_algorithm = True

        def log_message(self, *args):
            pass

    server = ThreadedWSGIServer(("127.0.0.1", 0), Quiet, allow_reuse_address=True)
    server.set_app(WSGIHandler())
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _get(conn: http.client.HTTPConnection, path: str) -> tuple[int, bytes]:
    conn.request("GET", path, headers={"Host": "127.0.0.1", "Connection": "keep-alive"})
    response = conn.getresponse()
    return response.status, response.read()


def measure_http(case: str, port: int, paths: list[str], n: int) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    for path in paths[:20]:
        status, body = _get(conn, path)
        if status != 200:
            raise SystemExit(f"{case}: {path} gave {status}: {body[:500]!r}")
    samples = []
    for path in paths[20 : 20 + n]:
        started = time.perf_counter()
        status, body = _get(conn, path)
        samples.append(time.perf_counter() - started)
        if status != 200:
            raise SystemExit(f"{case}: {path} gave {status}")
    conn.close()
    emit.percentiles(case, samples)


def child(backend: str, n_services: int, n_postcodes: int, n: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "keepwell.settings")
    os.environ.setdefault("KEEPWELL_SECRET_KEY", "bench-only-secret-key-" + "x" * 40)
    os.environ.setdefault("KEEPWELL_HTTPS", "false")
    os.environ["KEEPWELL_VAR_DIR"] = str(BENCH_DIR)
    if backend == "sqlite":
        db = BENCH_DIR / "directory.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{db}"
    else:
        os.environ["DATABASE_URL"] = f"{postgres_server()}/{PG_NAME}"
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "127.0.0.1"]
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - import every view now, not mid-measurement
    call_command("migrate", verbosity=0)
    rng = random.Random(2020)
    started = time.perf_counter()
    searches = build(n_services, n_postcodes, rng)
    label = f"{backend}/{n_services // 1000}k"
    emit(f"{label}/build", "build_s", round(time.perf_counter() - started, 1), "s", n_services)
    rng.shuffle(searches)
    measure_service(f"{backend}/service/search", searches, n)
    server = _serve()
    try:
        port = server.server_address[1]
        paths = [
            "/directory/?" + urlencode({"q": w, "postcode": p, "radius": "5", "category": c})
            for w, p, c in searches
        ]
        measure_http(f"{backend}/http/search", port, paths, n)
        from keepwell.directory.models import Service

        pages = -(-Service.objects.published().count() // 50)
        oruk = [
            "/oruk/services?" + urlencode({"page": rng.randint(1, pages), "per_page": 50})
            for _ in range(n + 20)
        ]
        measure_http(f"{backend}/http/oruk_services", port, oruk, n)
    finally:
        server.shutdown()
        server.server_close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="2,000 services, 40 requests a case")
    ap.add_argument("--services", type=int, help="services to generate (default 200,000)")
    ap.add_argument("--postcodes", type=int, help="postcodes (default services / 10)")
    ap.add_argument("--n", type=int, help="measured requests per case")
    ap.add_argument("--backends", default="sqlite,postgres", help="comma-separated")
    ap.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        backend, services, postcodes, n = args.child
        child(backend, int(services), int(postcodes), int(n))
        return
    services, postcodes, n = QUICK if args.quick else FULL
    services = args.services or services
    postcodes = args.postcodes or (postcodes if not args.services else max(100, services // 10))
    n = args.n or n
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    sys.exit(run_per_backend(__file__, args.backends, PG_NAME, services, postcodes, n))


if __name__ == "__main__":
    main()

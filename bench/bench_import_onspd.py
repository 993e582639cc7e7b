"""Benchmark: ``keepwell import-onspd`` of a full-size ONS Postcode Directory (SQLite, PostgreSQL).

    python bench/bench_import_onspd.py            # 2.7 million rows (the real directory's size)
    python bench/bench_import_onspd.py --quick    # 100k rows, well under a minute
    python bench/bench_import_onspd.py --rows 500000 --backends sqlite

The file is generated (and cached under var/bench/) in the layout of the November 2025
ONSPD: all 53 columns of the real header, string values quoted and numbers not, as the ONS
writes them; postcodes in order, grouped by area, district and sector with the codes
(ward, local authority, LSOA, ICB ...) of each; about 5% terminated (``doterm`` set), 0.1%
without a grid reference (lat 99.999999, gridind 9), Scottish, Welsh and Northern Irish
areas with their pseudo codes. About 535 bytes a row, as the real file: 1.45 GB at 2.7M.

Each backend runs in its own process on a throwaway database (SQLite under var/bench/; for
PostgreSQL, a database ``keepwell_bench_places`` created on the server of DATABASE_URL, or
of postgres://postgres@127.0.0.1:5432 when that is unset, and dropped afterwards). The
table starts with 100 demo postcodes (``is_demo``) that every import must keep. Two cases:

  <backend>/<rows>/first     the import into an empty table
  <backend>/<rows>/reimport  the same file again: every non-demo row replaced (the monthly case)

Metrics: wall_s is the whole ``import_onspd()`` call (reading and checking the file,
loading, the swap, the commit); rows_per_s is data rows read per second of wall_s;
peak_rss_mb is the process's peak resident memory during the call (Linux VmHWM, reset just
before the call through /proc/self/clear_refs where allowed); generate_s is the time to
write the file when it was not cached.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

from _common import Emitter, postgres_server, reset_peak, run_per_backend, vm

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

BENCH_DIR = ROOT / "var" / "bench"
GENERATOR_VERSION = 1
FULL_ROWS = 2_700_000
QUICK_ROWS = 100_000
DEMO_ROWS = 100

HEADER = (
    "pcd7,pcd8,pcds,dointr,doterm,cty25cd,ced25cd,lad25cd,wd25cd,parncp25cd,usrtypind,east1m,"
    "north1m,gridind,hlth19cd,nhser24cd,ctry25cd,rgn25cd,ssr95cd,pcon24cd,eer20cd,educ23cd,"
    "ttwa15cd,pco19cd,itl25cd,wdstl05cd,oa01cd,wdcas03cd,npark16cd,lsoa01cd,msoa01cd,ruc01ind,"
    "oac01ind,oa11cd,lsoa11cd,msoa11cd,wz11cd,sicbl24cd,bua24cd,ruc11ind,oac11ind,lat,long,"
    "lep21cd1,lep21cd2,pfa23cd,imd20ind,cal24cd,icb23cd,oa21cd,lsoa21cd,msoa21cd,ruc21ind"
)

emit = Emitter("import_onspd")

# Postcode areas with a rough centre; the nation decides the code prefixes and pseudo codes.
AREAS = [
    ("AB", 57.15, -2.2, "S"), ("AL", 51.75, -0.33, "E"), ("B", 52.48, -1.9, "E"),
    ("BA", 51.38, -2.36, "E"), ("BB", 53.75, -2.48, "E"), ("BD", 53.8, -1.75, "E"),
    ("BH", 50.72, -1.88, "E"), ("BL", 53.58, -2.43, "E"), ("BN", 50.83, -0.14, "E"),
    ("BR", 51.4, 0.02, "E"), ("BS", 51.45, -2.59, "E"), ("BT", 54.6, -5.93, "N"),
    ("CA", 54.89, -2.93, "E"), ("CB", 52.2, 0.12, "E"), ("CF", 51.48, -3.18, "W"),
    ("CH", 53.19, -2.89, "E"), ("CM", 51.73, 0.47, "E"), ("CO", 51.89, 0.9, "E"),
    ("CR", 51.37, -0.1, "E"), ("CT", 51.28, 1.08, "E"), ("CV", 52.41, -1.51, "E"),
    ("CW", 53.1, -2.44, "E"), ("DA", 51.45, 0.21, "E"), ("DD", 56.46, -2.97, "S"),
    ("DE", 52.92, -1.47, "E"), ("DG", 55.07, -3.6, "S"), ("DH", 54.78, -1.57, "E"),
    ("DL", 54.52, -1.55, "E"), ("DN", 53.52, -1.13, "E"), ("DT", 50.71, -2.44, "E"),
    ("DY", 52.51, -2.08, "E"), ("E", 51.52, -0.05, "E"), ("EC", 51.52, -0.1, "E"),
    ("EH", 55.95, -3.19, "S"), ("EN", 51.65, -0.08, "E"), ("EX", 50.72, -3.53, "E"),
    ("FK", 56.0, -3.78, "S"), ("FY", 53.82, -3.05, "E"), ("G", 55.86, -4.25, "S"),
    ("GL", 51.86, -2.24, "E"), ("GU", 51.24, -0.57, "E"), ("HA", 51.58, -0.34, "E"),
    ("HD", 53.65, -1.78, "E"), ("HG", 54.0, -1.54, "E"), ("HP", 51.75, -0.75, "E"),
    ("HR", 52.06, -2.72, "E"), ("HU", 53.74, -0.33, "E"), ("HX", 53.72, -1.86, "E"),
    ("IG", 51.56, 0.07, "E"), ("IP", 52.06, 1.16, "E"), ("IV", 57.48, -4.22, "S"),
    ("KA", 55.61, -4.5, "S"), ("KT", 51.38, -0.3, "E"), ("KY", 56.2, -3.15, "S"),
    ("L", 53.41, -2.98, "E"), ("LA", 54.05, -2.8, "E"), ("LD", 52.24, -3.38, "W"),
    ("LE", 52.64, -1.13, "E"), ("LL", 53.14, -3.8, "W"), ("LN", 53.23, -0.54, "E"),
    ("LS", 53.8, -1.55, "E"), ("LU", 51.88, -0.42, "E"), ("M", 53.48, -2.24, "E"),
    ("ME", 51.35, 0.52, "E"), ("MK", 52.04, -0.76, "E"), ("ML", 55.78, -3.98, "S"),
    ("N", 51.57, -0.11, "E"), ("NE", 54.97, -1.61, "E"), ("NG", 52.95, -1.15, "E"),
    ("NN", 52.24, -0.9, "E"), ("NP", 51.59, -3.0, "W"), ("NR", 52.63, 1.3, "E"),
    ("NW", 51.55, -0.17, "E"), ("OL", 53.54, -2.11, "E"), ("OX", 51.75, -1.26, "E"),
    ("PA", 55.85, -4.42, "S"), ("PE", 52.57, -0.24, "E"), ("PH", 56.4, -3.43, "S"),
    ("PL", 50.38, -4.14, "E"), ("PO", 50.82, -1.09, "E"), ("PR", 53.76, -2.7, "E"),
    ("RG", 51.45, -0.97, "E"), ("RH", 51.12, -0.18, "E"), ("RM", 51.56, 0.18, "E"),
    ("S", 53.38, -1.47, "E"), ("SA", 51.62, -3.94, "W"), ("SE", 51.47, -0.06, "E"),
    ("SG", 51.9, -0.2, "E"), ("SK", 53.41, -2.16, "E"), ("SL", 51.51, -0.6, "E"),
    ("SM", 51.36, -0.19, "E"), ("SN", 51.56, -1.78, "E"), ("SO", 50.9, -1.4, "E"),
    ("SP", 51.07, -1.8, "E"), ("SR", 54.9, -1.38, "E"), ("SS", 51.54, 0.71, "E"),
    ("ST", 53.0, -2.18, "E"), ("SW", 51.46, -0.17, "E"), ("SY", 52.71, -2.75, "E"),
    ("TA", 51.02, -3.1, "E"), ("TD", 55.6, -2.43, "S"), ("TF", 52.68, -2.45, "E"),
    ("TN", 51.13, 0.26, "E"), ("TQ", 50.46, -3.53, "E"), ("TR", 50.26, -5.05, "E"),
    ("TS", 54.57, -1.23, "E"), ("TW", 51.45, -0.34, "E"), ("UB", 51.53, -0.42, "E"),
    ("W", 51.51, -0.19, "E"), ("WA", 53.39, -2.59, "E"), ("WC", 51.52, -0.12, "E"),
    ("WD", 51.66, -0.4, "E"), ("WF", 53.68, -1.5, "E"), ("WN", 53.55, -2.63, "E"),
    ("WR", 52.19, -2.22, "E"), ("WS", 52.59, -1.98, "E"), ("WV", 52.59, -2.13, "E"),
    ("YO", 53.96, -1.08, "E"), ("ZE", 60.15, -1.15, "S"),
]  # fmt: skip
# Districts written with a letter (A9A / AA9A), as in central London.
LETTERED = {
    "EC": ("EC1A", "EC1M", "EC1N", "EC1R", "EC1V", "EC1Y", "EC2A", "EC2M", "EC2N", "EC2R"),
    "WC": ("WC1A", "WC1B", "WC1E", "WC1H", "WC1N", "WC1R", "WC1V", "WC1X", "WC2A", "WC2B"),
    "W": ("W1A", "W1B", "W1C", "W1D", "W1F", "W1G", "W1H", "W1J", "W1K", "W1S", "W1T", "W1U"),
    "SW": ("SW1A", "SW1E", "SW1H", "SW1P", "SW1V", "SW1W", "SW1X", "SW1Y"),
}
UNIT_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
UNITS = [a + b for a in UNIT_LETTERS for b in UNIT_LETTERS]  # 400 a sector, in order
REGION = {"E": "E12000007", "W": "W99999999", "S": "S99999999", "N": "N99999999"}
COUNTRY = {"E": "E92000001", "W": "W92000004", "S": "S92000003", "N": "N92000002"}


def _districts(area: str) -> list[str]:
    numbered = [f"{area}{n}" for n in range(1, 30)]
    return list(LETTERED.get(area, ())) + numbered


def _district_codes(nation: str, serial: int, rng: random.Random) -> dict[str, str]:
    """The codes that one district shares (a real district spans a few of each)."""
    n = nation
    pseudo = f"{n}99999999"
    english = n == "E"
    return {
        "cty": f"E10000{serial % 100:03d}" if english else pseudo,
        "ced": f"E58000{serial % 1000:03d}" if english else pseudo,
        "lad": f"{n}0{6 + serial % 3}{serial % 1000:06d}",
        "par": f"E04{serial % 1000000:06d}" if english else pseudo,
        "hlth": f"{n}{'S' if n == 'S' else '1'}8000{serial % 1000:03d}"[:9],
        "nhser": "E40000003" if english else pseudo,
        "ctry": COUNTRY[n],
        "rgn": REGION[n],
        "pcon": f"{n}14{serial % 1000000:06d}",
        "eer": f"{n}15000{serial % 10:03d}",
        "educ": f"{n}09000{serial % 1000:03d}",
        "ttwa": f"{n}30000{serial % 1000:03d}",
        "pco": f"{n}1{serial % 10000000:07d}",
        "itl": f"{n}06000{serial % 1000:03d}",
        "sicbl": f"{n}38000{serial % 1000:03d}" if english else f"{n}03000{serial % 1000:03d}",
        "bua": f"{n}63{serial % 1000000:06d}" if n in "EW" else pseudo,
        "lep": f"E37000{serial % 100:03d}" if english else pseudo,
        "pfa": f"{n}23000{serial % 100:03d}",
        "cal": f"E56000{serial % 1000:03d}" if english else pseudo,
        "icb": f"E54000{serial % 100:03d}" if english else pseudo,
        "npark": pseudo if rng.random() < 0.95 else f"{n}26000{serial % 10:03d}",
    }


def _row_template() -> str:
    # Values as the ONS writes them: strings quoted, lat/long/imd20ind bare numbers.
    fields = [
        '"{pcd7}"', '"{pcd8}"', '"{pcds}"', '"{dointr}"', '"{doterm}"', '"{cty}"', '"{ced}"',
        '"{lad}"', '"{ward}"', '"{par}"', '"{usr}"', '"{east}"', '"{north}"', '"{grid}"',
        '"{hlth}"', '"{nhser}"', '"{ctry}"', '"{rgn}"', '"0"', '"{pcon}"', '"{eer}"', '"{educ}"',
        '"{ttwa}"', '"{pco}"', '"{itl}"', '"99ZZ00"', '"{oa01}"', '"01C30"', '"{npark}"',
        '"{lsoa01}"', '"{msoa01}"', '"6"', '"3C2"', '"{oa11}"', '"{lsoa11}"', '"{msoa11}"',
        '"{wz11}"', '"{sicbl}"', '"{bua}"', '"{ruc11}"', '"1C3"', "{lat}", "{lon}", '"{lep}"',
        '"{lep2}"', '"{pfa}"', "{imd}", '"{cal}"', '"{icb}"', '"{oa21}"', '"{lsoa21}"',
        '"{msoa21}"', '"{ruc21}"',
    ]  # fmt: skip
    assert len(fields) == len(HEADER.split(","))
    return ",".join(fields) + "\n"


def generate(path: Path, rows: int, seed: int = 2025) -> None:
    """Write an ONSPD-shaped CSV of ``rows`` data rows to ``path``."""
    rng = random.Random(seed)
    template = _row_template()
    tmp = path.with_suffix(".tmp")
    written = 0
    serial = 0
    # Spread the rows over every area: enough districts and sectors are taken in order.
    per_area = -(-rows // len(AREAS))
    with tmp.open("w", encoding="ascii", newline="") as out:
        out.write(HEADER + "\n")
        for area, lat0, lon0, nation in AREAS:
            area_rows = 0
            pseudo = f"{nation}99999999"
            for district in _districts(area):
                if area_rows >= per_area or written >= rows:
                    break
                serial += 1
                codes = _district_codes(nation, serial, rng)
                d_lat = lat0 + rng.uniform(-0.25, 0.25)
                d_lon = lon0 + rng.uniform(-0.35, 0.35)
                for sector in range(10):
                    if area_rows >= per_area or written >= rows:
                        break
                    s_lat = d_lat + rng.uniform(-0.03, 0.03)
                    s_lon = d_lon + rng.uniform(-0.05, 0.05)
                    ward = f"{nation}05{(serial * 10 + sector) % 1000000:06d}"
                    buf = []
                    for u, unit in enumerate(UNITS[: 250 + rng.randrange(150)]):
                        if area_rows >= per_area or written >= rows:
                            break
                        pcds = f"{district} {sector}{unit}"
                        lsoa_n = (serial * 40 + sector * 4 + u // 60) % 1000000
                        terminated = rng.random() < 0.05
                        no_grid = rng.random() < 0.001
                        lat = s_lat + rng.uniform(-0.01, 0.01)
                        lon = s_lon + rng.uniform(-0.015, 0.015)
                        buf.append(
                            template.format(
                                pcd7=f"{district:<4}{sector}{unit}"[:7],
                                pcd8=f"{district:<4} {sector}{unit}",
                                pcds=pcds,
                                dointr=f"{1980 + rng.randrange(44)}{1 + rng.randrange(12):02d}",
                                doterm=f"{2000 + rng.randrange(25)}{1 + rng.randrange(12):02d}"
                                if terminated
                                else "",
                                ward=ward,
                                usr="1" if rng.random() < 0.08 else "0",
                                east="" if no_grid else f"{int(400000 + lon * 60000):06d}",
                                north="" if no_grid else f"{int(lat * 11000):07d}",
                                grid="9" if no_grid else "1",
                                oa01=f"{nation}00{lsoa_n * 5 % 1000000:06d}",
                                lsoa01=f"{nation}01{lsoa_n:06d}",
                                msoa01=f"{nation}02{lsoa_n // 5:06d}",
                                oa11=f"{nation}00{lsoa_n * 5 % 1000000:06d}",
                                lsoa11=f"{nation}01{lsoa_n:06d}",
                                msoa11=f"{nation}02{lsoa_n // 5:06d}",
                                wz11=f"{nation}33{lsoa_n:06d}",
                                ruc11="C1" if nation != "S" else "3",
                                lat="99.999999" if no_grid else f"{lat:.6f}",
                                lon="0.000000" if no_grid else f"{lon:.6f}",
                                lep2=pseudo if rng.random() < 0.9 else "",
                                imd=rng.randrange(1, 32845),
                                oa21=f"{nation}00{(lsoa_n * 5 + u % 5) % 1000000:06d}",
                                lsoa21=f"{nation}01{lsoa_n:06d}",
                                msoa21=f"{nation}02{lsoa_n // 5:06d}",
                                ruc21="UN1" if nation != "S" else "1",
                                **codes,
                            )
                        )
                        area_rows += 1
                        written += 1
                    out.write("".join(buf))
    if written != rows:
        tmp.unlink()
        raise SystemExit(f"the generator ran out of postcodes at {written} of {rows} rows")
    tmp.rename(path)


def cached_file(rows: int) -> tuple[Path, float | None]:
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    path = BENCH_DIR / f"onspd_{rows}_v{GENERATOR_VERSION}.csv"
    if path.exists():
        return path, None
    started = time.perf_counter()
    generate(path, rows)
    return path, time.perf_counter() - started


# --- running ------------------------------------------------------------------------------


def _label(rows: int) -> str:
    return f"{rows / 1_000_000:g}M" if rows >= 1_000_000 else f"{rows / 1000:g}k"


def child(backend: str, path: Path, rows: int) -> None:
    """One backend in this process: a fresh database, 100 demo rows, two imports."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "keepwell.settings")
    os.environ.setdefault("KEEPWELL_SECRET_KEY", "bench-only-secret-key-" + "x" * 40)
    os.environ["KEEPWELL_VAR_DIR"] = str(BENCH_DIR)
    if backend == "sqlite":
        db = BENCH_DIR / "import_onspd.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{db}"
    else:
        os.environ["DATABASE_URL"] = postgres_server() + "/keepwell_bench_places"
    import django

    django.setup()
    from django.core.management import call_command

    from keepwell.places.importers import import_onspd
    from keepwell.places.models import PostcodeLocation

    call_command("migrate", verbosity=0)
    PostcodeLocation.objects.bulk_create(
        PostcodeLocation(
            postcode=f"WB9 {n // 20}{UNIT_LETTERS[n % 20]}A",
            latitude=53.0,
            longitude=-1.5,
            is_demo=True,
        )
        for n in range(DEMO_ROWS)
    )
    for case in ("first", "reimport"):
        can_reset = reset_peak()
        started = time.perf_counter()
        result = import_onspd(path)
        wall = time.perf_counter() - started
        peak = vm("VmHWM")
        held = PostcodeLocation.objects.count()
        if held != result.imported + DEMO_ROWS:
            raise SystemExit(f"{backend}/{case}: {held} rows held, expected {result.imported}+100")
        label = f"{backend}/{_label(rows)}/{case}"
        emit(label, "wall_s", round(wall, 2), "s", result.rows_read)
        emit(label, "rows_per_s", round(result.rows_read / wall), "rows/s", result.rows_read)
        emit(label, "peak_rss_mb", round(peak, 1), "MB", result.rows_read)
        print(
            f"{label}: {result.imported:,} imported, {result.skipped_terminated:,} terminated, "
            f"{result.skipped_no_grid:,} without grid reference"
            + ("" if can_reset else " (peak RSS is the whole process's)"),
            file=sys.stderr,
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help=f"{QUICK_ROWS:,} rows")
    ap.add_argument("--rows", type=int, help=f"rows in the file (default {FULL_ROWS:,})")
    ap.add_argument("--backends", default="sqlite,postgres", help="comma-separated")
    ap.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        backend, path, rows = args.child
        child(backend, Path(path), int(rows))
        return
    rows = args.rows or (QUICK_ROWS if args.quick else FULL_ROWS)
    path, generate_s = cached_file(rows)
    if generate_s is not None:
        emit(f"file/{_label(rows)}", "generate_s", round(generate_s, 1), "s", rows)
    print(f"{path}: {path.stat().st_size / 1e9:.2f} GB", file=sys.stderr)
    sys.exit(run_per_backend(__file__, args.backends, "keepwell_bench_places", path, rows))


if __name__ == "__main__":
    main()

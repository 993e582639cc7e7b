"""What every bench script shares: the JSON line format, percentiles, the PostgreSQL server
to build throwaway databases on, and this process's memory from /proc.

Scripts run as ``python bench/bench_<capability>.py``, so this folder is on ``sys.path``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path


class Emitter:
    """Prints one JSON object per line, as DESIGN.md's "Benchmarks" asks:

    {"bench": "directory", "case": "sqlite/http/search", "metric": "p95_ms", "value": 18.4,
     "unit": "ms", "n": 1000}
    """

    def __init__(self, bench: str) -> None:
        self.bench = bench

    def __call__(self, case: str, metric: str, value: float, unit: str, n: int) -> None:
        row = {"bench": self.bench, "case": case, "metric": metric, "value": value}
        print(json.dumps({**row, "unit": unit, "n": n}), flush=True)

    def percentiles(self, case: str, seconds: list[float]) -> None:
        """p50_ms and p95_ms of ``seconds`` (nearest rank)."""
        ordered = sorted(seconds)
        n = len(ordered)
        for metric, q in (("p50_ms", 0.50), ("p95_ms", 0.95)):
            self(case, metric, round(ordered[min(n - 1, int(q * n))] * 1000, 2), "ms", n)


def postgres_server() -> str:
    """The server of ``DATABASE_URL`` (without a database name), or the local default."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        url = "postgres://postgres@127.0.0.1:5432/postgres"
    return url.rsplit("/", 1)[0]


def postgres_admin(sql: str) -> None:
    """Run ``sql`` (CREATE / DROP DATABASE) on the server's maintenance database."""
    import psycopg

    with psycopg.connect(postgres_server() + "/postgres", autocommit=True) as conn:
        conn.execute(sql)


def vm(field: str) -> float:
    """A VmXXX line of /proc/self/status (VmRSS, VmHWM), in MB; NaN where there is none."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def reset_peak() -> bool:
    """Start VmHWM afresh from the current RSS (Linux); False where that is not possible."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def run_per_backend(script: str, backends: str, pg_name: str, *child_args: object) -> int:
    """Run ``script --child BACKEND *child_args`` for each of the comma-separated
    ``backends``, each in a process of its own; for PostgreSQL on a throwaway database
    ``pg_name``, created before and dropped after (skipped, saying why, when no server
    answers). Returns the first non-zero exit status of a child, or 0."""
    import subprocess
    import sys

    status = 0
    for backend in backends.split(","):
        if backend == "postgres":
            try:
                postgres_admin(f"DROP DATABASE IF EXISTS {pg_name}")
                postgres_admin(f"CREATE DATABASE {pg_name}")
            except Exception as exc:  # noqa: BLE001 - any failure to connect means "skip"
                print(f"postgres skipped: {exc}", file=sys.stderr)
                continue
        try:
            command = [sys.executable, script, "--child", backend, *map(str, child_args)]
            status = status or subprocess.run(command, check=False).returncode
        finally:
            if backend == "postgres":
                postgres_admin(f"DROP DATABASE IF EXISTS {pg_name}")
    return status

"""Periodic work: each capability's AppConfig may list ``periodic_tasks`` as
``[("keepwell.help.tasks.escalate_concerns", 300), ...]`` (a django-tasks task, seconds).

``keepwell scheduler`` enqueues each when due; ``keepwell db_worker`` runs what is queued.
The tasks themselves are idempotent, so a restart that enqueues everything once is safe.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module

from django.apps import apps


@dataclass(frozen=True)
class Periodic:
    path: str
    every_seconds: int

    def task(self):
        module, _, name = self.path.rpartition(".")
        return getattr(import_module(module), name)


def registered() -> list[Periodic]:
    found = []
    for config in apps.get_app_configs():
        for path, seconds in getattr(config, "periodic_tasks", ()):
            found.append(Periodic(path, int(seconds)))
    return sorted(found, key=lambda p: p.path)


def run_due(
    last_run: dict[str, float], now: float, enqueue: Callable[[Periodic], None]
) -> list[str]:
    """Enqueue every periodic task that is due at ``now``; returns the paths enqueued."""
    started = []
    for periodic in registered():
        previous = last_run.get(periodic.path)
        if previous is None or now - previous >= periodic.every_seconds:
            enqueue(periodic)
            last_run[periodic.path] = now
            started.append(periodic.path)
    return started


def loop(stop: Callable[[], bool], tick_seconds: float = 15.0, log=print) -> None:
    last_run: dict[str, float] = {}
    while not stop():
        for path in run_due(last_run, time.monotonic(), lambda p: p.task().enqueue()):
            log(f"enqueued {path}")
        time.sleep(tick_seconds)

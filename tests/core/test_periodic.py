from __future__ import annotations

from keepwell.core import periodic
from keepwell.core.periodic import Periodic, run_due


def test_a_periodic_task_is_enqueued_at_start_then_once_per_interval(monkeypatch):
    monkeypatch.setattr(periodic, "registered", lambda: [Periodic("x.y.remind", 300)])
    enqueued: list[str] = []
    last: dict[str, float] = {}
    run_due(last, 1000.0, lambda p: enqueued.append(p.path))
    run_due(last, 1100.0, lambda p: enqueued.append(p.path))
    run_due(last, 1300.0, lambda p: enqueued.append(p.path))
    assert enqueued == ["x.y.remind", "x.y.remind"]


def test_every_registered_periodic_task_names_a_real_task():
    for item in periodic.registered():
        assert hasattr(item.task(), "enqueue"), item.path

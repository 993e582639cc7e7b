"""Claims made and paid at the same moment (PostgreSQL, real concurrency; SQLite serialises
writers, so there it would prove nothing)."""

from __future__ import annotations

import threading

import pytest
from django.db import connections
from django.db.models import Sum

from keepwell.funding.expenses import services
from keepwell.funding.expenses.models import ExpenseLine, PaymentExport
from tests.expenses.factories import approved, days_ago, make_claim


def _at_once(*jobs) -> list[str]:
    """Run each job in its own thread and connection, all released together; the errors."""
    barrier = threading.Barrier(len(jobs))
    errors: list[str] = []
    lock = threading.Lock()

    def run(job):
        try:
            barrier.wait(timeout=10)
            job()
        except Exception as exc:  # noqa: BLE001 - reported to the test
            with lock:
                errors.append(str(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_coordinators_pressing_pay_at_once_pay_each_claim_once(world):
    for round_ in range(4):
        claims = [approved(world, parking_pence=100 * round_ + n + 1) for n in range(3)]

        def pay(by):
            return lambda: services.export_for_payment(world.mutual_aid, by=by)

        errors = _at_once(pay(world.sam), pay(world.alex))
        assert errors == ["There are no approved claims waiting to be paid"]
        export = PaymentExport.objects.latest("pk")
        assert sorted(c.pk for c in export.claims.all()) == sorted(c.pk for c in claims)
    assert PaymentExport.objects.count() == 4


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_journeys_added_at_once_never_pay_45p_past_the_10000th_mile(world):
    services.set_limits(
        world.mutual_aid, by=world.sam, claim_limit_pence=10_000_00, line_limit_pence=10_000_00
    )
    first = make_claim(world, parking_pence=None)
    services.add_line(
        first, by=world.jo, kind="mileage", spent_on=days_ago(20), description="Many trips",
        miles=9_990, vehicle="car",
    )  # fmt: skip
    drafts = [make_claim(world, parking_pence=None) for _ in range(4)]

    def journey(claim, n):
        return lambda: services.add_line(
            claim, by=world.jo, kind="mileage", spent_on=days_ago(n), description=f"Trip {n}",
            miles=20, vehicle="car",
        )  # fmt: skip

    assert _at_once(*(journey(claim, n + 1) for n, claim in enumerate(drafts))) == []
    at = ExpenseLine.objects.filter(kind="mileage").values("rate_pence").annotate(m=Sum("miles"))
    assert {row["rate_pence"]: row["m"] for row in at} == {45: 10_000, 25: 70}

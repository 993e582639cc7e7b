"""The demo place's expenses: claims in every state, a paid role with sessions, once."""

from __future__ import annotations

from keepwell.demo.place import load_demo
from keepwell.funding.expenses import demo
from keepwell.funding.expenses.models import (
    ExpenseClaim,
    ExpenseLine,
    PaidRole,
    PaymentExport,
    SessionLog,
)


def _counts():
    return tuple(
        model.objects.count()
        for model in (ExpenseClaim, ExpenseLine, SessionLog, PaidRole, PaymentExport)
    )


def test_the_demo_has_claims_in_every_state_and_a_paid_role_once(db, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    place = load_demo(verbosity=0)
    first = _counts()
    demo.load(place)
    assert _counts() == first

    states = set(ExpenseClaim.objects.values_list("state", flat=True))
    assert states == {"draft", "submitted", "approved", "rejected", "paid"}
    assert ExpenseClaim.objects.filter(state="rejected").exclude(rejection_reason="").exists()
    role = PaidRole.objects.get(holder__username="volunteer")
    assert role.sessions.count() >= 3
    assert any(claim.on_behalf for claim in ExpenseClaim.objects.all())
    assert ExpenseLine.objects.exclude(receipt="").count() == 2
    paid = ExpenseClaim.objects.get(state="paid")
    assert paid.reference in PaymentExport.objects.get().csv

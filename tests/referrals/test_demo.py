"""The demo place's referrals and outcomes: every state, change to see, and no duplicates."""

from __future__ import annotations

from keepwell.demo.place import load_demo
from keepwell.directory.models import Service
from keepwell.messaging.models import Message
from keepwell.outcomes import services as outcomes
from keepwell.outcomes.models import Answer, Response
from keepwell.referrals.models import BarsMessage, Direction, Referral, Status


def _counts():
    return (
        Referral.objects.count(),
        Service.objects.count(),
        Response.objects.count(),
        Answer.objects.count(),
        Message.objects.filter(channel="inbox").count(),
    )


def test_the_demo_has_referrals_in_every_state_and_answers_that_show_change(db):
    load_demo(verbosity=0)
    first = _counts()
    load_demo(verbosity=0)
    assert _counts() == first

    assert set(Referral.objects.values_list("status", flat=True)) == set(Status.values)
    assert set(Referral.objects.values_list("direction", flat=True)) == set(Direction.values)
    late = Referral.objects.get(source="demo:sent-late")
    assert late.reminded_at and late.escalated_at
    assert Message.objects.filter(kind="referral_escalation", channel="inbox").exists()
    full = Service.objects.get(name="Money and benefits advice")
    assert full.taking_new_people is False

    # BaRS both ways: the practice's system referred someone and hears that it was
    # accepted; Riverside Surgery's system was sent a review request.
    received = Referral.objects.get(source="bars:GP-2041")
    assert received.status == Status.ACCEPTED and "Lives alone" in received.safety_notes
    bars = BarsMessage.objects.filter(referral=received)
    assert set(bars.values_list("direction", "event")) == {
        ("in", "servicerequest-request"),
        ("out", "servicerequest-response"),
    }
    sent = Referral.objects.get(source="demo:review-bars")
    assert sent.bars_messages.filter(direction="out", event="servicerequest-request").exists()
    assert Message.objects.filter(channel="fhir", to__contains="riverside-surgery").count() == 1

    rows = outcomes.cohort(8, "service", ["3cs"])
    shown = [row for row in rows if not row.suppressed]
    assert shown, "at least one service has enough people to show change"
    assert all(row.mean_change > 0 for row in shown)
    assert any(0 < row.share_improved < 1 for row in shown)
    assert outcomes.cohort(26, "all", ["3cs"])

"""Stories about doorstep concerns: routed to a named contact, acknowledged, closed, and
escalated when nobody answers. None is ever lost."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from keepwell.audit.models import AuditEvent
from keepwell.help import services
from keepwell.help.models import Concern
from keepwell.help.tasks import escalate_concerns
from keepwell.messaging.models import Channel, Message
from tests.help.factories import make_request, make_routing


@pytest.fixture
def routing(world):
    return make_routing(world.mutual_aid, world.practice, gp_user=world.priya, lead_user=world.sam)


@pytest.fixture
def held_task(world, jo_volunteer):
    request = make_request(
        world.margaret_person, "shopping", by=world.sam, organisation=world.mutual_aid
    )
    task = request.tasks.get()
    services.assign_task(task, jo_volunteer, by=world.sam)
    return task


def _raise(world, task, kind="health_worse", urgent=False):
    return services.raise_concern(
        by=world.jo,
        person=world.margaret_person,
        task=task,
        kind=kind,
        urgent=urgent,
        details="Breathless on the stairs, more than last week",
    )


def _emailed(**filters) -> list[Message]:
    """The emails in keepwell's outbox (messaging sends them once the transaction commits)."""
    return list(Message.objects.filter(channel=Channel.EMAIL, **filters).order_by("pk"))


def test_a_health_concern_goes_to_the_persons_gp_practice(world, routing, held_task):
    duty, _ = routing
    concern = _raise(world, held_task)
    assert concern.routed_to == duty
    (email,) = _emailed(kind="concern_routed")
    assert email.to == "duty@example.com"
    assert "Breathless" not in email.body  # no personal details by email
    assert AuditEvent.objects.filter(
        person_id=world.margaret_person.pk, purpose="safeguarding", action="create"
    ).exists()


def test_a_safeguarding_concern_goes_to_the_safeguarding_lead(world, routing, held_task):
    _, lead = routing
    assert _raise(world, held_task, kind="safeguarding").routed_to == lead


def test_without_a_gp_practice_the_next_rule_applies(world, routing, held_task):
    _, lead = routing
    world.margaret_person.gp_practice = None
    world.margaret_person.save(update_fields=["gp_practice"])
    assert _raise(world, held_task).routed_to == lead


def test_the_contact_acknowledges_and_records_an_outcome(world, routing, held_task):
    concern = _raise(world, held_task)
    services.acknowledge_concern(concern, by=world.priya)
    services.close_concern(concern, by=world.priya, outcome="Home visit booked for tomorrow")
    concern.refresh_from_db()
    assert concern.acknowledged_by == world.priya and concern.closed_at is not None
    assert concern.outcome == "Home visit booked for tomorrow"
    with pytest.raises(services.InvalidTransition):
        services.close_concern(concern, by=world.priya, outcome="again")


def test_an_unacknowledged_concern_escalates_after_the_set_time_and_stays_open(
    world, routing, held_task, settings
):
    settings.KEEPWELL_CONCERN_ESCALATE_HOURS = 4
    duty, lead = routing
    concern = _raise(world, held_task)
    raised = concern.routed_at
    assert services.escalate_overdue_concerns(raised + timedelta(hours=3, minutes=59)) == 0
    assert services.escalate_overdue_concerns(raised + timedelta(hours=4)) == 1
    concern.refresh_from_db()
    assert concern.routed_to == lead and concern.escalations == 1
    assert {"lead@example.com"} <= {m.to for m in _emailed(kind="concern_escalated")}
    # Running again at once does nothing: the clock started again.
    assert services.escalate_overdue_concerns(raised + timedelta(hours=4, minutes=5)) == 0
    assert Concern.objects.unclosed().filter(pk=concern.pk).exists()


def test_an_urgent_concern_escalates_sooner(world, routing, held_task, settings):
    settings.KEEPWELL_CONCERN_URGENT_ESCALATE_MINUTES = 30
    concern = _raise(world, held_task, urgent=True)
    assert services.escalate_overdue_concerns(concern.routed_at + timedelta(minutes=30)) == 1


def test_an_acknowledged_concern_never_escalates(world, routing, held_task):
    concern = _raise(world, held_task)
    services.acknowledge_concern(concern, by=world.priya)
    assert services.escalate_overdue_concerns(timezone.now() + timedelta(days=3)) == 0


def test_a_concern_no_rule_fits_is_kept_and_the_coordinators_told(world, held_task):
    world.sam.email = "sam@example.com"
    world.sam.save(update_fields=["email"])
    concern = _raise(world, held_task)
    assert concern.routed_to is None
    assert [m.to for m in _emailed(kind="concern_routed")] == ["sam@example.com"]
    assert services.escalate_overdue_concerns(timezone.now() + timedelta(hours=5)) == 1
    assert Concern.objects.unclosed().count() == 1


def test_the_periodic_task_and_the_command_both_escalate(world, routing, held_task, capsys):
    concern = _raise(world, held_task)
    Concern.objects.filter(pk=concern.pk).update(routed_at=timezone.now() - timedelta(hours=5))
    assert escalate_concerns.call() == 1
    Concern.objects.filter(pk=concern.pk).update(routed_at=timezone.now() - timedelta(hours=5))
    call_command("help_escalate")
    assert "Escalated 1 concern" in capsys.readouterr().out

"""Stories about mutual aid speaking through messaging: Jo hears of a task offered to her by
text and can answer YES or NO, is reminded the day before, and is warned before her checks
run out; what she sees at Margaret's door reaches the right contact by email (and by text
when urgent) with a link only. Nothing is sent any other way, and nothing twice."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.utils import timezone

from keepwell.core.periodic import registered
from keepwell.help import messages, services
from keepwell.help.models import Authorisation, SafeguardingCheck, Task
from keepwell.help.tasks import escalate_concerns, remind_volunteers, warn_expiring
from keepwell.messaging.inbound import receive_text
from keepwell.messaging.models import Channel, Message, Purpose, PurposeChoice
from tests.factories import PersonFactory
from tests.help.factories import locate, make_request, make_routing, make_volunteer, need

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def jo_volunteer(world):
    locate("WB2 1AB", 53.0330, -1.4620)  # Margaret, Riverside
    locate("WB2 1AE", 53.0320, -1.4640)  # Jo
    need("shopping")
    return make_volunteer(
        world.mutual_aid,
        user=world.jo,
        first_name="Jo",
        home_postcode="WB2 1AE",
        phone="07700 900456",
        checks=["id_check", "safeguarding_training"],
        skills=["shopping", "phone_check_in", "befriending"],
    )


@pytest.fixture
def margarets_task(world, jo_volunteer):
    start = timezone.now().replace(microsecond=0) + timedelta(days=2)
    request = make_request(
        world.margaret_person,
        "shopping",
        by=world.sam,
        organisation=world.mutual_aid,
        window_start=start,
        window_end=start + timedelta(hours=2),
    )
    return request.tasks.get()


def _personal_details(world) -> list[str]:
    margaret = world.margaret_person
    details = [margaret.given_name, margaret.family_name, margaret.postcode]
    return [d for d in details + [margaret.address_line_1, margaret.mobile] if d]


def _assert_nothing_personal(world, message: Message, *extra: str) -> None:
    for detail in [*_personal_details(world), *extra]:
        assert detail not in message.body, f"{detail!r} leaked into a {message.channel}"
        assert detail not in message.subject


# --- doorstep concerns ----------------------------------------------------------------------


@pytest.fixture
def routing(world):
    duty, lead = make_routing(world.mutual_aid, world.practice, lead_user=world.sam)
    duty.phone = "07700 900789"
    duty.save(update_fields=["phone"])
    return duty, lead


def _raise(world, task, *, urgent: bool):
    services.assign_task(task, world.jo.volunteer, by=world.sam)
    return services.raise_concern(
        by=world.jo,
        person=world.margaret_person,
        task=task,
        kind="health_worse",
        urgent=urgent,
        details="Breathless on the stairs, more than last week",
    )


def test_an_urgent_concern_emails_and_texts_its_contact_with_a_link_and_nothing_personal(
    world, routing, margarets_task
):
    concern = _raise(world, margarets_task, urgent=True)

    to_contact = Message.objects.filter(event=f"concern_routed:{concern.pk}", audience="contact")
    by_channel = {m.channel: m for m in to_contact}
    assert set(by_channel) == {Channel.EMAIL, Channel.SMS}
    assert by_channel[Channel.EMAIL].to == "duty@example.com"
    assert by_channel[Channel.SMS].to == "+447700900789"
    link = f"/help/concerns/{concern.pk}/"
    for message in by_channel.values():
        assert message.urgent and message.kind == "concern_routed"
        assert link in message.body
        _assert_nothing_personal(world, message, "Breathless")
    # The group's coordinators see it in their keepwell inbox.
    inbox = Message.objects.get(event=f"concern_routed:{concern.pk}", organisation=world.mutual_aid)
    assert inbox.channel == Channel.INBOX
    _assert_nothing_personal(world, inbox, "Breathless")


def test_a_routine_concern_is_emailed_to_its_contact_and_not_texted(world, routing, margarets_task):
    concern = _raise(world, margarets_task, urgent=False)

    channels = set(
        Message.objects.filter(
            event=f"concern_routed:{concern.pk}", audience="contact"
        ).values_list("channel", flat=True)
    )
    assert channels == {Channel.EMAIL}


def test_a_concern_that_never_saves_leaves_no_message_behind(world, routing, margarets_task):
    services.assign_task(margarets_task, world.jo.volunteer, by=world.sam)
    with pytest.raises(RuntimeError), transaction.atomic():
        services.raise_concern(
            by=world.jo,
            person=world.margaret_person,
            task=margarets_task,
            kind="health_worse",
            urgent=True,
            details="Breathless",
        )
        raise RuntimeError("the request failed after the concern was written")
    assert not Message.objects.filter(kind="concern_routed").exists()


def test_an_escalated_concern_reaches_the_next_contact_and_each_coordinator_once(
    world, routing, margarets_task
):
    world.sam.email = "sam@example.com"
    world.sam.save(update_fields=["email"])
    concern = _raise(world, margarets_task, urgent=False)
    later = concern.routed_at + timedelta(hours=5)

    assert services.escalate_overdue_concerns(later) == 1
    assert services.escalate_overdue_concerns(later) == 0

    escalated = Message.objects.filter(kind="concern_escalated")
    addresses = sorted(m.to for m in escalated if m.channel == Channel.EMAIL)
    assert addresses == ["lead@example.com", "sam@example.com"]
    assert escalated.filter(channel=Channel.INBOX, organisation=world.mutual_aid).count() == 1
    for message in escalated:
        _assert_nothing_personal(world, message, "Breathless")


def test_the_periodic_escalation_writes_messages_too(world, routing, margarets_task):
    concern = _raise(world, margarets_task, urgent=True)
    type(concern).objects.filter(pk=concern.pk).update(
        routed_at=timezone.now() - timedelta(hours=2)
    )
    assert escalate_concerns.call() == 1
    assert Message.objects.filter(event=f"concern_escalated:{concern.pk}:1").exists()


def test_no_email_leaves_keepwell_except_through_messaging():
    """No ``send_mail`` and no ``fail_silently`` anywhere in keepwell: every message is an
    outbox row, and a failure is recorded rather than swallowed."""
    offenders = [
        str(path.relative_to(REPO))
        for path in (REPO / "keepwell").rglob("*.py")
        if "fail_silently" in (text := path.read_text(encoding="utf-8")) or "send_mail(" in text
    ]
    assert offenders == []


# --- task offers ----------------------------------------------------------------------------


def test_a_task_offer_texts_jo_what_when_and_where_but_never_who(
    world, jo_volunteer, margarets_task
):
    services.offer_task(margarets_task, jo_volunteer, by=world.sam)

    (text,) = Message.objects.filter(kind="task_offer")
    assert text.channel == Channel.SMS and text.to == "+447700900456"
    assert (text.about_type, text.about_id) == ("task", margarets_task.pk)
    assert text.purpose == Purpose.VOLUNTEERING and text.audience == "volunteer"
    assert "help with shopping in Riverside" in text.body  # what, and roughly where
    assert "YES" in text.body and "NO" in text.body
    assert text.body.startswith("keepwell: Hello Jo,")
    _assert_nothing_personal(world, text)
    starts = timezone.localtime(margarets_task.due_start)
    assert f"{starts:%H:%M}" in text.body  # when


def test_jo_with_her_own_record_is_texted_on_it_so_her_yes_can_be_matched(
    world, jo_volunteer, margarets_task
):
    jo_person = PersonFactory(
        given_name="Jo", family_name="Bell", user=world.jo, mobile="07700 900111"
    )

    services.offer_task(margarets_task, jo_volunteer, by=world.sam)

    (text,) = Message.objects.filter(kind="task_offer")
    assert text.person == jo_person and text.to == "+447700900111"


def test_a_volunteer_who_said_no_to_volunteering_messages_gets_no_text(
    world, jo_volunteer, margarets_task
):
    jo_person = PersonFactory(given_name="Jo", user=world.jo, mobile="07700 900111")
    PurposeChoice.objects.create(
        person=jo_person,
        purpose=Purpose.VOLUNTEERING,
        allowed=False,
        lawful_basis="legitimate_interests",
        how="phone",
    )

    offer = services.offer_task(margarets_task, jo_volunteer, by=world.sam)

    assert offer.status == "pending"  # the offer stands, on "My tasks"
    assert not Message.objects.filter(kind="task_offer").exists()


def test_jo_is_not_texted_at_night_the_offer_waits_for_eight_in_the_morning(
    world, jo_volunteer, margarets_task, monkeypatch
):
    london = ZoneInfo("Europe/London")
    today = timezone.localtime(timezone.now(), london).date()
    late = datetime.combine(today, time(22, 30), tzinfo=london)
    monkeypatch.setattr(timezone, "now", lambda: late)

    services.offer_task(margarets_task, jo_volunteer, by=world.sam)

    (text,) = Message.objects.filter(kind="task_offer")
    assert timezone.localtime(text.next_attempt_at, london) == datetime.combine(
        today + timedelta(days=1), time(8, 0), tzinfo=london
    )


def test_offering_the_same_task_again_later_is_a_new_text(world, jo_volunteer, margarets_task):
    services.offer_task(margarets_task, jo_volunteer, by=world.sam)
    services.decline_offer(margarets_task, jo_volunteer, by=world.jo)
    services.offer_task(margarets_task, jo_volunteer, by=world.sam)

    assert Message.objects.filter(kind="task_offer").count() == 2


# --- reminders before a task ----------------------------------------------------------------


def test_jo_is_reminded_once_the_day_before_even_if_the_reminders_run_twice(
    world, jo_volunteer, margarets_task, settings
):
    settings.KEEPWELL_TASK_REMINDER_HOURS = 24
    services.assign_task(margarets_task, jo_volunteer, by=world.sam)
    Task.objects.filter(pk=margarets_task.pk).update(
        due_start=timezone.now() + timedelta(hours=20),
        due_end=timezone.now() + timedelta(hours=22),
    )

    assert remind_volunteers.call() == 1
    assert remind_volunteers.call() == 0

    (reminder,) = Message.objects.filter(kind="task_reminder")
    assert reminder.to == "+447700900456"
    assert f"/help/my-tasks/{margarets_task.pk}/" in reminder.body
    _assert_nothing_personal(world, reminder)


def test_a_task_further_off_than_the_reminder_window_waits(
    world, jo_volunteer, margarets_task, settings
):
    settings.KEEPWELL_TASK_REMINDER_HOURS = 24
    services.assign_task(margarets_task, jo_volunteer, by=world.sam)  # two days away

    assert messages.remind_before_tasks() == 0
    settings.KEEPWELL_TASK_REMINDER_HOURS = 72
    assert messages.remind_before_tasks() == 1


def test_a_task_moved_to_a_new_time_is_reminded_again(world, jo_volunteer, margarets_task):
    services.assign_task(margarets_task, jo_volunteer, by=world.sam)
    soon = timezone.now() + timedelta(hours=3)
    Task.objects.filter(pk=margarets_task.pk).update(due_start=soon, due_end=None)
    assert messages.remind_before_tasks() == 1
    Task.objects.filter(pk=margarets_task.pk).update(due_start=soon + timedelta(hours=2))
    assert messages.remind_before_tasks() == 1
    assert Message.objects.filter(kind="task_reminder").count() == 2


def test_nobody_is_reminded_of_a_task_nobody_holds(world, jo_volunteer, margarets_task):
    Task.objects.filter(pk=margarets_task.pk).update(due_start=timezone.now() + timedelta(hours=3))
    assert messages.remind_before_tasks() == 0


# --- checks about to expire -----------------------------------------------------------------


def _expiring(volunteer, days: float, kind="id_check") -> SafeguardingCheck:
    SafeguardingCheck.objects.filter(volunteer=volunteer, kind=kind).delete()
    return SafeguardingCheck.objects.create(
        volunteer=volunteer,
        kind=kind,
        checked_on=timezone.localdate() - timedelta(days=700),
        expires_at=timezone.now() + timedelta(days=days),
    )


def test_jo_hears_once_that_her_id_check_expires_within_a_month_and_again_within_a_week(
    world, jo_volunteer
):
    check = _expiring(jo_volunteer, 20)

    assert warn_expiring.call() == 1
    assert warn_expiring.call() == 0

    to_jo = Message.objects.get(kind="check_expiring", audience="volunteer")
    assert to_jo.to == "+447700900456"
    assert "ID check" in to_jo.body
    to_group = Message.objects.get(kind="check_expiring", organisation=world.mutual_aid)
    assert to_group.channel == Channel.INBOX
    assert "Jo" not in to_group.body  # whose check is behind the link

    a_fortnight_on = timezone.now() + timedelta(days=14)
    assert messages.warn_expiring_checks(a_fortnight_on) == 1
    assert messages.warn_expiring_checks(a_fortnight_on) == 0
    assert set(Message.objects.filter(kind="check_expiring").values_list("event", flat=True)) == {
        f"check_expiring:{check.pk}:30",
        f"check_expiring:{check.pk}:7",
    }


def test_a_check_far_off_or_already_renewed_is_not_warned_about(world, jo_volunteer):
    _expiring(jo_volunteer, 60)
    assert messages.warn_expiring_checks() == 0

    _expiring(jo_volunteer, 10, kind="safeguarding_training")
    renewed = SafeguardingCheck.objects.create(  # a new certificate outlasts the warning
        volunteer=jo_volunteer,
        kind="safeguarding_training",
        checked_on=timezone.localdate(),
        expires_at=timezone.now() + timedelta(days=400),
    )
    assert messages.warn_expiring_checks() == 0
    renewed.delete()
    assert messages.warn_expiring_checks() == 1


def test_a_medicines_authorisation_about_to_end_is_warned_of_but_a_revoked_one_is_not(
    world, jo_volunteer
):
    ends = timezone.now() + timedelta(days=5)
    revoked = Authorisation.objects.create(
        volunteer=jo_volunteer, kind="medicines", expires_at=ends, revoked_at=timezone.now()
    )
    assert messages.warn_expiring_checks() == 0

    Authorisation.objects.create(volunteer=jo_volunteer, kind="medicines", expires_at=ends)
    assert messages.warn_expiring_checks() == 1

    to_jo = Message.objects.get(kind="check_expiring", audience="volunteer")
    assert "medicines authorisation" in to_jo.body
    assert not Message.objects.filter(event__contains=f":{revoked.pk}:").exists()


def test_the_reminders_and_warnings_are_registered_to_run_on_their_own():
    paths = {p.path: p.every_seconds for p in registered()}
    assert paths["keepwell.help.tasks.remind_volunteers"] <= 3600
    assert paths["keepwell.help.tasks.warn_expiring"] == 86400


def test_jo_answers_the_offer_text_yes_and_the_task_is_hers(world, jo_volunteer, margarets_task):
    PersonFactory(given_name="Jo", family_name="Bell", user=world.jo, mobile="07700 900111")
    services.offer_task(margarets_task, jo_volunteer, by=world.sam)

    receive_text(provider="notify", provider_id="in-1", from_number="07700900111", body="Yes")

    margarets_task.refresh_from_db()
    assert margarets_task.state == "accepted" and margarets_task.volunteer == jo_volunteer
    offer_text = Message.objects.get(kind="task_offer")
    assert offer_text.replied_at is not None

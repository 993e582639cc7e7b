"""When a follow-up falls due: the coordinators' inbox says so, and the person is asked how
things are now — by a link if they are online, by a coordinator's call if not."""

from __future__ import annotations

from datetime import datetime, timedelta

from keepwell.messaging.inbox import notes_for
from keepwell.messaging.models import Channel, Message
from keepwell.outcomes import services
from keepwell.outcomes.models import FollowUp
from keepwell.referrals.workingdays import LONDON
from tests.factories import PersonFactory, UserFactory
from tests.outcomes.factories import answer

START = datetime(2025, 3, 3, 10, 0, tzinfo=LONDON)


def _started(world, person):
    """Sam asks the person the questions at the start; the 8-week follow-up is due today."""
    [response, *_] = answer(person, world.sam, at=START)
    plan = response.plan
    FollowUp.objects.filter(plan=plan, weeks=8).update(due_on=START.date())
    FollowUp.objects.filter(plan=plan).exclude(weeks=8).update(
        due_on=START.date() + timedelta(weeks=52)
    )
    return plan


def test_the_coordinators_inbox_says_a_follow_up_is_due_and_links_to_the_form(world):
    plan = _started(world, world.margaret_person)

    assert services.send_followup_reminders(START) == 1

    [note] = notes_for(world.sam)
    assert note.kind == "follow_up_due" and note.organisation == world.mutual_aid
    assert note.body == (
        "Follow-up due: ask Margaret Evans the wellbeing questions again (8 weeks after the start)"
    )
    assert f"plan={plan.pk}&weeks=8" in note.url
    assert notes_for(world.olly).count() == 0


def test_someone_online_gets_a_link_to_answer_themselves(world):
    rosa = PersonFactory(
        given_name="Rosa",
        area=world.riverside,
        mobile="07700 900111",
        user=UserFactory(username="rosa"),
    )
    plan = _started(world, rosa)

    services.send_followup_reminders(START)

    [text] = Message.objects.filter(person=rosa)
    assert (text.kind, text.channel, text.to) == ("outcome_follow_up", Channel.SMS, "+447700900111")
    assert text.body.startswith("Hello Rosa, we would like to know how things are for you now.")
    assert f"/outcomes/people/{rosa.pk}/record/?plan={plan.pk}&weeks=8" in text.body


def test_someone_offline_gets_a_coordinators_call_with_the_questions_as_its_script(world):
    # Margaret has no account to answer online, and a landline only.
    _started(world, world.margaret_person)
    world.margaret_person.user = None
    world.margaret_person.save()

    services.send_followup_reminders(START)

    [call] = Message.objects.filter(person=world.margaret_person)
    assert (call.kind, call.channel) == ("outcome_follow_up", Channel.PHONE)
    assert call.body.startswith("Ask for Margaret.")
    assert call.to == "+441632960001"


def test_someone_with_no_digital_is_phoned_even_with_an_account_and_a_mobile(world):
    world.margaret_person.no_digital = True
    world.margaret_person.mobile = "07700 900222"
    world.margaret_person.save()
    _started(world, world.margaret_person)

    services.send_followup_reminders(START)

    [call] = Message.objects.filter(person=world.margaret_person)
    assert call.channel == Channel.PHONE


def test_a_follow_up_is_told_once_however_often_the_reminders_run(world):
    _started(world, world.margaret_person)
    assert services.send_followup_reminders(START) == 1
    written = Message.objects.count()
    FollowUp.objects.update(reminded_at=None)  # as if a second worker had not seen the claim

    services.send_followup_reminders(START + timedelta(hours=1))

    assert Message.objects.count() == written

"""Broadcasts: Sam tells Wellbrook Mutual Aid's volunteers and members about the winter
food drive, in English and Portuguese; Alex tells Riverside's residents who asked for news.
Nobody who said no gets it, and nobody Sam may not contact is offered to him."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from keepwell.audit.models import AuditEvent
from keepwell.messaging import broadcasts
from keepwell.messaging.models import Broadcast, Channel, Message, Preference, Purpose, Status
from keepwell.messaging.services import choose_purpose
from keepwell.people.models import Language, Person
from tests.factories import PersonFactory
from tests.help.factories import make_volunteer

ENGLISH = "Winter food drive on Saturday at the hall, 10 till 2. Can you help, ((name))?"
PORTUGUESE = "Recolha de alimentos no sábado no salão, das 10 às 14. Pode ajudar, ((name))?"


def _portuguese():
    return Language.objects.get_or_create(code="pt", defaults={"name": "Portuguese"})[0]


def _volunteer_with_record(world, username, **person):
    volunteer = make_volunteer(world.mutual_aid, username=username)
    record = PersonFactory(user=volunteer.user, **person)
    return volunteer, record


def _draft(world, *, by=None, kind="volunteers", params=None, texts=None, **extra):
    return broadcasts.save_draft(
        by=by or world.sam,
        title="Winter food drive",
        audience_kind=kind,
        audience_params=params if params is not None else {"organisation": world.mutual_aid.pk},
        texts=texts or {"en": ("Food drive", ENGLISH), "pt": ("Recolha", PORTUGUESE)},
        link="https://wellbrook.example/food",
        **extra,
    )


def _form(world, **changes):
    data = {
        "title": "Winter food drive",
        "audience_kind": "volunteers",
        "organisation": str(world.mutual_aid.pk),
        "purpose": Purpose.VOLUNTEERING,
        "channels": ["sms", "email", "letter", "inbox"],
        "link": "wellbrook.example/food",
        "subject_en": "Food drive",
        "body_en": ENGLISH,
        "body_pt": PORTUGUESE,
    }
    data.update(changes)
    return data


@pytest.fixture
def volunteers(world):
    """Three volunteers of Wellbrook Mutual Aid: Rui reads Portuguese texts, Beth has only
    email, and Stan, who uses nothing digital, gets letters."""
    _, rui = _volunteer_with_record(world, "rui", given_name="Rui", mobile="07700 900111")
    rui.languages.add(_portuguese())
    _, beth = _volunteer_with_record(world, "beth", given_name="Beth", email="beth@example.com")
    _, stan = _volunteer_with_record(
        world,
        "stan",
        given_name="Stan",
        no_digital=True,
        address_line_1="1 Mill Lane",
        postcode="WB2 1AA",
    )
    Preference.objects.create(person=stan, channels=["letter"])
    return rui, beth, stan


# --- who may be reached ---------------------------------------------------------------------


def test_a_coordinator_is_not_offered_another_groups_volunteers(world, as_user):
    make_volunteer(world.other_group, username="otto")
    client = as_user(world.sam)

    page = client.get(reverse("messaging:broadcast_new"))
    assert page.status_code == 200
    assert "Wellbrook Mutual Aid" in page.content.decode()
    assert "Othertown Food Bank" not in page.content.decode()

    sneaky = client.post(
        reverse("messaging:broadcast_new"), _form(world, organisation=str(world.other_group.pk))
    )
    assert sneaky.status_code == 400
    assert "There is a problem" in sneaky.content.decode()
    assert not Broadcast.objects.exists()
    with pytest.raises(broadcasts.BroadcastError):
        _draft(world, params={"organisation": world.other_group.pk})


def test_another_groups_coordinator_cannot_see_or_cancel_sams_broadcast(world, as_user):
    broadcast = _draft(world)
    client = as_user(world.olly)
    assert client.get(reverse("messaging:broadcast", args=[broadcast.pk])).status_code == 404
    assert client.post(reverse("messaging:broadcast_cancel", args=[broadcast.pk])).status_code == (
        404
    )
    broadcast.refresh_from_db()
    assert broadcast.state == Broadcast.State.DRAFT


def test_residents_who_did_not_say_yes_to_news_are_never_recipients(world):
    margaret, john = world.margaret_person, world.riverside_person
    margaret.mobile = "07700 900222"
    margaret.save()
    john.mobile = "07700 900333"
    john.save()
    silent = PersonFactory(given_name="Sid", area=world.riverside, mobile="07700 900444")
    choose_purpose(margaret, Purpose.NEWS, True, how="phone", by=world.sam)
    choose_purpose(john, Purpose.NEWS, True, how="phone", by=world.sam)
    choose_purpose(john, Purpose.NEWS, False, how="sms")  # STOP, later

    broadcast = _draft(world, by=world.alex, kind="residents", params={"area": world.riverside.pk})
    preview = broadcasts.preview(broadcast, world.alex)
    assert (preview.people, preview.reached) == (1, 1)

    broadcasts.schedule(broadcast, timezone.now(), by=world.alex)
    broadcasts.release_due()
    reached = set(Message.objects.filter(broadcast=broadcast).values_list("person_id", flat=True))
    assert reached == {margaret.pk}
    assert silent.pk not in reached and john.pk not in reached


def test_a_volunteer_who_said_no_is_listed_as_not_reached_and_gets_nothing(world, volunteers):
    rui, beth, _ = volunteers
    choose_purpose(beth, Purpose.VOLUNTEERING, False, how="phone", by=world.sam)
    broadcast = _draft(world, purpose=Purpose.VOLUNTEERING)

    preview = broadcasts.preview(broadcast, world.sam)
    assert preview.unreachable == [
        ("Beth " + beth.family_name, "Said no to messages about the volunteering they do")
    ]
    broadcasts.schedule(broadcast, timezone.now(), by=world.sam)
    broadcasts.release_due()
    assert not Message.objects.filter(broadcast=broadcast, person=beth).exists()


# --- the preview ----------------------------------------------------------------------------


def test_preview_counts_people_by_channel_and_language_with_the_cost(world, as_user, volunteers):
    broadcast = _draft(world, purpose=Purpose.VOLUNTEERING)

    preview = broadcasts.preview(broadcast, world.sam)
    assert dict(preview.counts) == {
        (Channel.SMS, "pt"): 1,
        (Channel.EMAIL, "en"): 1,
        (Channel.LETTER, "en"): 1,
    }
    portuguese = next(line for line in preview.sms if line.language == "pt")
    assert portuguese.count == 1 and portuguese.encoding == "UCS-2"  # "á" is not GSM-7
    assert preview.letters == 1

    page = as_user(world.sam).get(reverse("messaging:broadcast", args=[broadcast.pk]))
    text = page.content.decode()
    assert "3</strong> of 3 people" in text
    assert "Portuguese (Português)" in text
    assert "UCS-2" in text
    assert "£0.68" in text  # one letter


# --- scheduling, releasing, cancelling ------------------------------------------------------


def test_a_scheduled_broadcast_is_released_once_however_often_the_task_runs(world, volunteers):
    broadcast = _draft(world, purpose=Purpose.VOLUNTEERING)
    broadcasts.schedule(broadcast, timezone.now() + timedelta(hours=1), by=world.sam)
    assert broadcasts.release_due() == 0  # not due yet

    later = timezone.now() + timedelta(hours=2)
    assert broadcasts.release_due(later) == 3
    assert broadcasts.release_due(later) == 0
    broadcast.refresh_from_db()
    assert broadcast.state == Broadcast.State.SENT and broadcast.recipients == 3

    # A release killed half way is picked up again and adds nobody twice.
    Broadcast.objects.filter(pk=broadcast.pk).update(
        state=Broadcast.State.SENDING, started_at=later - timedelta(hours=1)
    )
    assert broadcasts.release_due(later) == 0
    assert Message.objects.filter(broadcast=broadcast).count() == 3
    rui_text = Message.objects.get(broadcast=broadcast, person=volunteers[0])
    assert rui_text.language == "pt" and rui_text.body.startswith("Recolha de alimentos")
    assert "Rui" in rui_text.body and "https://wellbrook.example/food" in rui_text.body


def test_cancelling_stops_every_message_still_queued(world, as_user, volunteers):
    broadcast = _draft(world, purpose=Purpose.VOLUNTEERING)
    broadcasts.schedule(broadcast, timezone.now(), by=world.sam)
    broadcasts.release_due()
    sent = Message.objects.filter(broadcast=broadcast, channel=Channel.EMAIL).get()
    Message.objects.filter(pk=sent.pk).update(status=Status.SENT)

    client = as_user(world.sam)
    confirm = client.get(reverse("messaging:broadcast_cancel", args=[broadcast.pk]))
    assert "Are you sure you want to cancel this broadcast?" in confirm.content.decode()
    done = client.post(reverse("messaging:broadcast_cancel", args=[broadcast.pk]), follow=True)
    assert "2 messages not yet sent will not go" in done.content.decode()

    statuses = dict(Message.objects.filter(broadcast=broadcast).values_list("channel", "status"))
    assert statuses == {
        Channel.SMS: Status.CANCELLED,
        Channel.LETTER: Status.CANCELLED,
        Channel.EMAIL: Status.SENT,
    }
    assert (
        not Message.objects.filter(broadcast=broadcast, cancelled_at=None)
        .exclude(status=Status.SENT)
        .exists()
    )
    assert AuditEvent.objects.filter(
        object_type="messaging.broadcast", summary__startswith="Cancelled"
    ).exists()


def test_a_broadcast_cancelled_before_it_is_due_is_never_released(world, volunteers):
    broadcast = _draft(world, purpose=Purpose.VOLUNTEERING)
    broadcasts.schedule(broadcast, timezone.now() + timedelta(hours=1), by=world.sam)
    broadcasts.cancel(broadcast, by=world.sam)
    assert broadcasts.release_due(timezone.now() + timedelta(hours=2)) == 0
    assert not Message.objects.filter(broadcast=broadcast).exists()


def test_sam_writes_and_schedules_a_broadcast_through_the_pages(world, as_user, volunteers):
    client = as_user(world.sam)
    made = client.post(reverse("messaging:broadcast_new"), _form(world))
    assert made.status_code == 302
    broadcast = Broadcast.objects.get()
    assert broadcast.link == "https://wellbrook.example/food"
    assert set(broadcast.texts.values_list("language", flat=True)) == {"en", "pt"}

    scheduled = client.post(
        reverse("messaging:broadcast_schedule", args=[broadcast.pk]), {"when": "now"}, follow=True
    )
    assert "Scheduled for" in scheduled.content.decode()
    broadcast.refresh_from_db()
    assert broadcast.state == Broadcast.State.SCHEDULED
    assert not Message.objects.exists()  # written by the periodic task, not the request


# --- the share kit --------------------------------------------------------------------------


def test_the_share_kit_gives_words_to_paste_and_a_leaflet_to_print(world, as_user):
    broadcast = _draft(world)
    client = as_user(world.sam)

    kit = client.get(reverse("messaging:broadcast_share", args=[broadcast.pk])).content.decode()
    assert "WhatsApp does not let any system post in groups" in kit
    assert "Winter food drive on Saturday" in kit and "https://wellbrook.example/food" in kit
    assert f"/messaging/audit/log/?broadcast={broadcast.pk}" in kit

    leaflet = client.get(reverse("messaging:broadcast_leaflet", args=[broadcast.pk]))
    assert leaflet.status_code == 200
    assert leaflet["Content-Type"] == "application/pdf"
    assert leaflet.content.startswith(b"%PDF")
    one = client.get(
        reverse("messaging:broadcast_leaflet", args=[broadcast.pk]) + "?language=pt&large=1"
    )
    assert one.status_code == 200 and one.content.startswith(b"%PDF")
    missing = client.get(
        reverse("messaging:broadcast_leaflet", args=[broadcast.pk]) + "?language=cy"
    )
    assert missing.status_code == 404


# --- bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"body_en": ""}, "Enter the message in English"),
        ({"title": ""}, "Enter the title"),
        ({"organisation": ""}, "Choose the group whose volunteers it goes to"),
        ({"organisation": "not-a-number"}, "Choose “Group” from the list"),
        ({"audience_kind": "everyone"}, "Who is it for?"),
        ({"body_pt": "Olá ((morada))"}, "Remove ((morada))"),
        ({"subject_pl": "Zbiórka", "body_pl": ""}, "Enter the message in Polish"),
        ({"link": "not a link at all"}, "web address"),
        ({"audience_kind": "group_members", "purpose": Purpose.VOLUNTEERING}, "Only volunteers"),
    ],
)
def test_bad_input_is_named_in_the_error_summary(world, as_user, changes, message):
    response = as_user(world.sam).post(reverse("messaging:broadcast_new"), _form(world, **changes))
    assert response.status_code == 400
    text = response.content.decode()
    assert "There is a problem" in text
    assert message in text
    assert not Broadcast.objects.exists()


def test_a_schedule_in_the_past_is_refused_with_the_reason(world, as_user):
    broadcast = _draft(world)
    response = as_user(world.sam).post(
        reverse("messaging:broadcast_schedule", args=[broadcast.pk]),
        {"when": "later", "at": "01/01/2020 09:00"},
    )
    assert response.status_code == 400
    assert "Enter a date and time in the future" in response.content.decode()
    broadcast.refresh_from_db()
    assert broadcast.state == Broadcast.State.DRAFT


# --- the list -------------------------------------------------------------------------------


def test_the_list_costs_the_same_queries_however_many_broadcasts(world, as_user, count_queries):
    client = as_user(world.sam)
    url = reverse("messaging:broadcasts")
    _draft(world)
    first = count_queries(lambda: client.get(url))
    for _ in range(5):
        _draft(world)
    assert count_queries(lambda: client.get(url)) == first
    page = client.get(url).content.decode()
    assert page.count("Winter food drive") == 6
    assert "Winter food drive" not in as_user(world.olly).get(url).content.decode()


def test_merged_records_are_never_recipients(world, volunteers):
    rui = volunteers[0]
    Person.objects.filter(pk=rui.pk).update(merged_into=world.margaret_person)
    broadcast = _draft(world, purpose=Purpose.VOLUNTEERING)
    assert rui.pk not in {
        p.pk for p in broadcasts.audiences.people("volunteers", broadcast.audience_params)
    }


def test_a_drivers_run_sheet_can_carry_the_broadcasts_leaflet(world, as_user):
    from tests.matching.permissions import run_sheet

    broadcast = _draft(world)
    cancelled = _draft(world)
    broadcasts.cancel(cancelled, by=world.sam)
    url = reverse("matching:run_sheet", kwargs=run_sheet(world))
    client = as_user(world.sam)

    offered = client.get(url).content.decode()
    assert "Leaflet to hand out (optional)" in offered
    assert offered.count("Winter food drive</option>") == 1  # the cancelled one is not offered

    chosen = client.get(f"{url}?leaflet={broadcast.pk}").content.decode()
    assert "Leaflet to hand out with each delivery:</strong> Winter food drive" in chosen
    assert reverse("messaging:broadcast_leaflet", args=[broadcast.pk]) in chosen
    assert client.get(f"{url}?leaflet=nonsense").status_code == 200


def test_an_nhs_connector_reaches_people_referred_from_their_practice_only(world):
    from tests.referrals.factories import ServiceFactory, refer

    walking = ServiceFactory(name="Walking group", organisation=world.mutual_aid)
    refer(world, walking)  # Margaret, from Priya's practice
    refer(world, walking, person=world.riverside_person, from_organisation=None, by=world.sam)
    choose_purpose(world.margaret_person, Purpose.NEWS, True, how="in_person", by=world.priya)
    choose_purpose(world.riverside_person, Purpose.NEWS, True, how="in_person", by=world.sam)

    ours = _draft(
        world, by=world.priya, kind="referred", params={"from_organisation": world.practice.pk}
    )
    people = broadcasts.audiences.people(ours.audience_kind, ours.audience_params)
    assert list(people) == [world.margaret_person]
    with pytest.raises(broadcasts.BroadcastError):
        _draft(world, by=world.priya, kind="referred", params={"service": walking.pk})
    with pytest.raises(broadcasts.BroadcastError):
        _draft(world, by=world.priya, kind="residents", params={"area": world.riverside.pk})


def test_a_volunteer_with_no_person_record_gets_it_in_their_inbox_by_name(world):
    make_volunteer(world.mutual_aid, user=world.jo)  # Jo signs in; keepwell holds no record
    broadcast = _draft(world, purpose=Purpose.VOLUNTEERING)
    broadcasts.schedule(broadcast, timezone.now(), by=world.sam)
    broadcasts.release_due()
    note = Message.objects.get(broadcast=broadcast, user=world.jo)
    assert note.channel == Channel.INBOX
    assert f"Can you help, {world.jo.first_name or world.jo}?" in note.body


def test_group_posts_and_leaflets_name_nobody_and_an_unlinked_link_is_left_out(world, as_user):
    broadcast = broadcasts.save_draft(
        by=world.sam,
        title="Coffee morning",
        audience_kind="group_members",
        audience_params={"organisation": world.mutual_aid.pk},
        texts={"en": ("", "Hello ((name)), coffee on Friday. Can you come, ((name))? ((link))")},
    )
    assert (
        broadcasts.share_text(broadcast)
        == "Coffee morning\n\nHello, coffee on Friday. Can you come?"
    )
    world.margaret_person.email = "margaret@example.com"
    world.margaret_person.save()
    choose_purpose(world.margaret_person, Purpose.NEWS, True, how="online", by=world.margaret)
    broadcasts.schedule(broadcast, timezone.now(), by=world.sam)
    assert broadcasts.release_due() == 1
    email = Message.objects.get(broadcast=broadcast)
    assert email.body == "Hello Margaret, coffee on Friday. Can you come, Margaret?"

    refused = as_user(world.sam).post(
        reverse("messaging:broadcast_new"), _form(world, link="", body_en="See ((link))")
    )
    assert "Enter the link, or take ((link)) out of the message" in refused.content.decode()


def test_a_volunteer_with_no_record_is_listed_when_only_texts_and_letters_are_allowed(world):
    make_volunteer(world.mutual_aid, user=world.jo)
    broadcast = _draft(world, purpose=Purpose.VOLUNTEERING, channels=["sms", "letter"])
    preview = broadcasts.preview(broadcast, world.sam)
    assert preview.unreachable == [(str(world.jo), broadcasts.NO_RECORD_NO_CHANNEL)]
    broadcasts.schedule(broadcast, timezone.now(), by=world.sam)
    assert broadcasts.release_due() == 0


def test_the_periodic_task_releases_what_is_due(world, volunteers):
    from keepwell.core.periodic import registered

    assert "keepwell.messaging.broadcasts.release_due_task" in {p.path for p in registered()}
    broadcast = _draft(world, purpose=Purpose.VOLUNTEERING)
    broadcasts.schedule(broadcast, timezone.now(), by=world.sam)
    assert broadcasts.release_due_task.call() == 3
    assert broadcasts.release_due_task.call() == 0

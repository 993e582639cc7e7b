"""People text back. Jo answers a task offer with YES or NO; Margaret texts STOP and START;
a stranger asks for help; anything else waits for the coordinators."""

from __future__ import annotations

import pytest
from django.urls import reverse

from keepwell.audit.models import AuditEvent
from keepwell.help import services as help_services
from keepwell.help.models import PublicRequest, PublicRequestStatus, TaskState
from keepwell.messaging.inbound import meaning, receive_text
from keepwell.messaging.models import Channel, InboundMessage, Message, Purpose
from keepwell.messaging.services import To, choose_purpose, send
from tests.factories import PersonFactory
from tests.help.factories import locate, make_request, make_volunteer

JO_MOBILE = "+447700900111"
MARGARET_MOBILE = "+447700900222"
STRANGER = "+447700900999"

_texts = iter(range(1, 10_000))


def text(number: str, body: str, *, provider_id: str | None = None):
    """A text arriving as Notify sends it: the number as digits with its country code."""
    return receive_text(
        provider="notify",
        provider_id=provider_id or f"text-{next(_texts)}",
        from_number=number.lstrip("+"),
        to_number="07797292290",
        body=body,
    )


@pytest.fixture
def jo(world):
    """Jo volunteers for Wellbrook Mutual Aid, near Margaret, and has a record with her
    mobile."""
    locate("WB2 1AB", 53.0330, -1.4620)  # Margaret
    locate("WB2 1AD", 53.0340, -1.4600)  # John Smith
    locate("WB2 1AE", 53.0320, -1.4640)  # Jo
    volunteer = make_volunteer(
        world.mutual_aid,
        user=world.jo,
        first_name="Jo",
        home_postcode="WB2 1AE",
        checks=["id_check", "safeguarding_training"],
        skills=["shopping"],
    )
    PersonFactory(given_name="Jo", family_name="Bell", user=world.jo, mobile=JO_MOBILE)
    return volunteer


@pytest.fixture
def offered(world, jo):
    """Margaret's shopping, offered to Jo by Sam: Jo gets a text she can answer."""
    request = make_request(
        world.margaret_person, "shopping", by=world.sam, organisation=world.mutual_aid
    )
    task = request.tasks.get()
    help_services.offer_task(task, jo, by=world.sam)
    assert Message.objects.filter(kind="task_offer", about_id=task.pk, channel="sms").exists()
    return task


@pytest.fixture
def margaret(world):
    person = world.margaret_person
    person.mobile = MARGARET_MOBILE
    person.save()
    return person


@pytest.mark.parametrize(
    ("words", "means"),
    [
        ("YES", "yes"),
        ("  y ", "yes"),
        ("Yes please!", "yes"),
        ("sim", "yes"),
        ("N", "no"),
        ("NÃO", "no"),
        ("nao.", "no"),
        ("Stop", "stop"),
        ("START", "start"),
        ("yes but only after 3pm", ""),
        ("", ""),
    ],
)
def test_what_a_text_means(words, means):
    assert meaning(words) == means


def test_jo_answering_yes_takes_the_task_and_sees_it_as_hers(world, offered, jo, as_user):
    received = text(JO_MOBILE, "Yes please")
    offered.refresh_from_db()
    assert offered.state == TaskState.ACCEPTED
    assert offered.volunteer == jo
    assert received.inbound.handled_as == InboundMessage.Handling.OFFER_YES
    offer = Message.objects.get(kind="task_offer", about_id=offered.pk)
    assert offer.acted_at is not None and offer.replied_at is not None
    page = as_user(world.jo).get(reverse("help:my_tasks"))
    assert reverse("help:my_task", args=[offered.pk]) in page.content.decode()


def test_jo_answering_no_declines_and_the_task_waits_for_someone_else(offered, jo):
    received = text(JO_MOBILE, "Não")
    offered.refresh_from_db()
    assert offered.state == TaskState.OPEN
    assert offered.volunteer is None
    assert offered.offers.get(volunteer=jo).status == "declined"
    assert received.inbound.handled_as == InboundMessage.Handling.OFFER_NO
    offer = Message.objects.get(kind="task_offer", about_id=offered.pk)
    assert offer.replied_at is not None and offer.acted_at is None


def test_a_yes_too_late_is_thanked_kindly_and_changes_nothing(world, offered, jo):
    someone = make_volunteer(world.mutual_aid, checks=["id_check"], home_postcode="WB2 1AE")
    help_services.offer_task(offered, someone, by=world.sam)
    help_services.accept_offer(offered, someone, by=someone.user)
    text(JO_MOBILE, "YES")
    offered.refresh_from_db()
    assert offered.volunteer == someone
    kind_reply = Message.objects.get(kind="offer_taken")
    assert kind_reply.channel == Channel.SMS
    assert kind_reply.to == JO_MOBILE
    assert "someone else has taken that task" in kind_reply.body
    assert "Thank you for offering" in kind_reply.body


def test_a_repeated_text_changes_nothing(offered, jo):
    text(JO_MOBILE, "YES", provider_id="same")
    messages = Message.objects.count()
    again = text(JO_MOBILE, "YES", provider_id="same")
    assert again.repeated
    assert InboundMessage.objects.count() == 1
    assert Message.objects.count() == messages


def test_after_stop_a_news_broadcast_no_longer_reaches_margaret(world, margaret):
    choose_purpose(margaret, Purpose.NEWS, True, how="online")
    text(MARGARET_MOBILE, "STOP")
    confirmation = Message.objects.get(kind="stop_confirmed")
    assert confirmation.person == margaret and confirmation.channel == Channel.SMS
    assert "no more texts" in confirmation.body
    news = send(
        event="broadcast:1",
        kind="broadcast",
        to=[To(person=margaret)],
        purpose=Purpose.NEWS,
        wording={"en": ("News", "The community café opens on Friday.")},
    )
    assert not news.messages
    assert news.unreachable[0][1] == "Has not agreed to news and broadcasts"
    # Her own care still reaches her, but not by text.
    care = send(
        event="referral:1",
        kind="referral_update",
        to=[To(person=margaret)],
        purpose=Purpose.CARE,
        wording={"en": ("Your referral", "The befriending service will call you.")},
    )
    assert [m.channel for m in care.messages] != [Channel.SMS]
    assert care.messages


def test_start_brings_texts_and_news_back_after_stop(world, margaret):
    choose_purpose(margaret, Purpose.NEWS, True, how="online")
    text(MARGARET_MOBILE, "STOP")
    text(MARGARET_MOBILE, "start")
    assert Message.objects.filter(kind="start_confirmed", channel=Channel.SMS).exists()
    news = send(
        event="broadcast:2",
        kind="broadcast",
        to=[To(person=margaret)],
        purpose=Purpose.NEWS,
        wording={"en": ("News", "The community café opens on Friday.")},
    )
    assert [m.channel for m in news.messages] == [Channel.SMS]


def test_start_does_not_sign_someone_up_to_news_they_never_asked_for(world, margaret):
    text(MARGARET_MOBILE, "STOP")
    text(MARGARET_MOBILE, "START")
    news = send(
        event="broadcast:3",
        kind="broadcast",
        to=[To(person=margaret)],
        purpose=Purpose.NEWS,
        wording={"en": ("News", "The community café opens on Friday.")},
    )
    assert not news.messages


def test_a_stranger_asking_for_help_becomes_a_request_in_triage(world, settings, as_user):
    settings.KEEPWELL_SMS_INTAKE_ORGANISATION = world.mutual_aid.pk
    received = text(STRANGER, "My mum needs her shopping done, she can't get out")
    plea = PublicRequest.objects.get()
    assert plea.organisation == world.mutual_aid
    assert plea.status == PublicRequestStatus.NEEDS_TRIAGE
    assert plea.phone == STRANGER
    assert "shopping" in plea.details
    assert received.inbound.handled_as == InboundMessage.Handling.HELP_REQUEST
    assert AuditEvent.objects.filter(object_type="help.publicrequest", via="sms").exists()
    thanks = Message.objects.get(kind="help_request_received")
    assert thanks.to == STRANGER and "will phone you" in thanks.body
    triage = as_user(world.sam).get(reverse("help:triage"))
    assert "can&#x27;t get out" in triage.content.decode() or STRANGER in triage.content.decode()


def test_the_intake_group_may_be_named_by_its_slug(world, settings):
    settings.KEEPWELL_SMS_INTAKE_ORGANISATION = world.other_group.slug
    text(STRANGER, "I need a lift to the hospital on Monday")
    assert PublicRequest.objects.get().organisation == world.other_group


def test_a_stranger_goes_to_the_group_that_last_texted_that_number(world, settings):
    settings.KEEPWELL_SMS_INTAKE_ORGANISATION = str(world.other_group.pk)
    send(
        event="contact:1",
        kind="reply",
        to=[To(phone=STRANGER, label="A neighbour")],
        purpose=Purpose.CARE,
        channels=["sms"],
        sender_organisation_id=world.mutual_aid.pk,
        wording={"en": ("", "Thanks for letting us know about Mrs Evans.")},
    )
    text(STRANGER, "Could someone help me with a prescription?")
    assert PublicRequest.objects.get().organisation == world.mutual_aid


def test_with_no_group_to_send_it_to_a_stranger_s_text_waits_for_coordinators(world, as_user):
    text(STRANGER, "Is anyone there?")
    assert not PublicRequest.objects.exists()
    assert InboundMessage.objects.get().handled_as == InboundMessage.Handling.COORDINATORS
    page = as_user(world.alex).get(reverse("messaging:replies"))
    assert "Is anyone there?" in page.content.decode()


def test_anything_else_waits_for_margaret_s_coordinators_and_no_one_else(world, margaret, as_user):
    text(MARGARET_MOBILE, "Can the volunteer come after 3pm on Tuesday?")
    sam_sees = as_user(world.sam).get(reverse("messaging:replies")).content.decode()
    assert "Can the volunteer come after 3pm on Tuesday?" in sam_sees
    assert "Margaret Evans" in sam_sees
    olly_sees = as_user(world.olly).get(reverse("messaging:replies")).content.decode()
    assert "3pm" not in olly_sees
    assert "No texts are waiting for an answer." in olly_sees
    texted, listed = AuditEvent.objects.filter(
        person_id=margaret.pk, object_type="messaging.inboundmessage"
    ).order_by("id")
    assert (texted.action, texted.via, texted.actor) == ("create", "sms", None)
    assert (listed.action, listed.actor) == ("read", world.sam)


def test_a_text_finds_the_person_by_a_mobile_typed_the_old_way_and_never_a_merged_record(
    world,
):
    kept = PersonFactory(given_name="Rosa", mobile="07700 900333")
    merged = PersonFactory(given_name="Rosa", mobile="+447700900333")
    merged.merged_into = kept
    merged.save()
    assert text("+447700900333", "Thank you!").inbound.person == kept


def test_a_volunteer_known_only_by_their_mobile_can_answer_yes(world, jo):
    kim = make_volunteer(
        world.mutual_aid, checks=["id_check"], home_postcode="WB2 1AE", phone="+447700900444"
    )
    request = make_request(
        world.riverside_person, "shopping", by=world.sam, organisation=world.mutual_aid
    )
    task = request.tasks.get()
    help_services.offer_task(task, kim, by=world.sam)
    received = text("+447700900444", "yes")
    task.refresh_from_db()
    assert task.volunteer == kim
    assert received.inbound.person is None
    assert not PublicRequest.objects.exists()


@pytest.mark.parametrize(
    ("body", "word", "rest"),
    [
        ("IDEA a bench by the bus stop", "idea", "a bench by the bus stop"),
        ("Idea: a bench by the bus stop", "idea", "a bench by the bus stop"),
        ("  PROBLEMA: o elevador avariou", "problema", "o elevador avariou"),
        ("Issue with my mum's shopping", "", "Issue with my mum's shopping"),
        ("idea", "", "idea"),
    ],
)
def test_a_first_word_counts_as_a_keyword_only_when_written_as_one(body, word, rest):
    from keepwell.messaging.inbound import first_word

    assert first_word(body) == (word, rest)


def test_margaret_texts_an_idea_and_it_is_on_the_public_page_and_she_hears_back(
    world, margaret, client
):
    from keepwell.insights.voice.models import Via, VoiceItem

    received = text(MARGARET_MOBILE, "IDEA: a bench by the bus stop outside the surgery")

    item = VoiceItem.objects.get()
    assert (item.kind, item.via, item.area) == ("idea", Via.TEXT, world.riverside)
    assert item.title == "a bench by the bus stop outside the surgery"
    assert item.contact == MARGARET_MOBILE  # for the answer, never shown to the public
    assert received.inbound.handled_as == InboundMessage.Handling.KEYWORD
    thanks = Message.objects.get(kind="reply", person=margaret)
    assert "on the public page" in thanks.body
    page = client.get(reverse("voice:index")).content.decode()
    assert "a bench by the bus stop" in page and MARGARET_MOBILE not in page


def test_a_stranger_s_plea_that_starts_with_issue_is_still_a_plea_for_help(world, settings):
    from keepwell.insights.voice.models import VoiceItem

    settings.KEEPWELL_SMS_INTAKE_ORGANISATION = world.mutual_aid.pk

    text(STRANGER, "Issue with my mum's shopping, she can't get out")

    assert PublicRequest.objects.count() == 1
    assert not VoiceItem.objects.exists()

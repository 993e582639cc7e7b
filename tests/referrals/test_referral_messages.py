"""The person referred hears of the changes that matter to them, in their language and on
their channel, through messaging; the service's working steps stay between the services."""

from __future__ import annotations

from django.urls import reverse

from keepwell.messaging.models import Channel, Message, Preference, PurposeChoice
from keepwell.messaging.services import choose_purpose
from keepwell.referrals import services
from keepwell.referrals.models import Status
from tests.factories import PersonFactory
from tests.referrals.factories import refer


def _patient(world, **fields):
    """One of Priya's patients in Riverside, whose record Wellbrook Mutual Aid may hold."""
    defaults = {"area": world.riverside, "postcode": "WB2 1AE", "gp_practice": world.practice}
    return PersonFactory(**{**defaults, **fields})


def _to(person):
    return list(Message.objects.filter(person=person).order_by("queued_at", "id"))


def test_maria_is_texted_in_portuguese_when_the_service_answers(world, befriending):
    maria = _patient(world, given_name="Maria", family_name="Gomes", mobile="07700 900456")
    Preference.objects.create(person=maria, channels=["sms", "letter"], languages=["pt"])
    referral = refer(world, befriending, person=maria)
    assert _to(maria) == []  # a new referral is the service's news, not yet hers

    services.change_status(referral, Status.ACCEPTED, by=world.sam)

    [text] = _to(maria)
    assert (text.channel, text.language, text.to) == (Channel.SMS, "pt", "+447700900456")
    assert text.body.startswith("Olá Maria, há novidades sobre o seu encaminhamento.")
    timeline = reverse("people:timeline", kwargs={"person_id": maria.pk})
    assert timeline in text.body
    # It names neither the service nor why: she signs in, or is told on the phone.
    assert "Friendly phone calls" not in text.body
    assert (text.about_type, text.about_id, text.purpose) == ("referral", referral.pk, "care")


def test_the_person_hears_of_acceptance_contact_and_completion_but_not_working_steps(
    world, befriending
):
    maria = _patient(world, given_name="Maria", mobile="07700 900456")
    referral = refer(world, befriending, person=maria)
    for status in (Status.ACCEPTED, Status.CONTACTED, Status.ENGAGED, Status.COMPLETED):
        services.change_status(referral, status, by=world.sam)
    assert [m.event.rsplit(":", 1)[1] for m in _to(maria)] == [
        "accepted",
        "contacted",
        "completed",
    ]


def test_a_person_with_no_digital_gets_a_letter_or_else_a_coordinators_call(world, befriending):
    edna = _patient(
        world,
        given_name="Edna",
        no_digital=True,
        mobile="07700 900789",
        email="edna@example.org",
        address_line_1="3 Mill Lane",
        town="Wellbrook",
    )
    fred = _patient(world, given_name="Fred", no_digital=True, mobile="07700 900321")
    for person in (edna, fred):
        referral = refer(world, befriending, person=person)
        services.change_status(
            referral, Status.DECLINED, by=world.sam, decline_reason="Full until May"
        )

    [letter] = _to(edna)
    assert letter.channel == Channel.LETTER
    assert "3 Mill Lane" in letter.address and letter.address[-1] == "WB2 1AE"
    [call] = _to(fred)
    assert call.channel == Channel.PHONE  # no address for a letter: a coordinator phones
    assert call.to == "+447700900321"
    assert not Message.objects.filter(person__in=[edna, fred], channel__in=["sms", "email"])


def test_a_second_identical_event_adds_nothing(world, befriending):
    maria = _patient(world, given_name="Maria", mobile="07700 900456")
    referral = refer(world, befriending, person=maria)
    services.change_status(referral, Status.ACCEPTED, by=world.sam)
    before = Message.objects.count()

    services.tell_the_person(referral, Status.ACCEPTED, by=world.sam)
    services.notify_referrer(
        referral,
        event=f"referral_status:{referral.pk}:accepted",
        kind="referral_status",
        subject="Status changed",
        note="Told twice",
    )

    assert Message.objects.count() == before
    assert not Message.objects.filter(body="Told twice").exists()


def test_a_person_who_said_no_to_messages_about_their_care_hears_nothing(world, befriending):
    maria = _patient(world, given_name="Maria", mobile="07700 900456")
    choose_purpose(maria, "care", False, how=PurposeChoice.How.PHONE, by=world.sam)
    referral = refer(world, befriending, person=maria)
    services.change_status(referral, Status.ACCEPTED, by=world.sam)
    assert _to(maria) == []
    # Priya still hears: the loop between the services does not depend on it.
    assert Message.objects.filter(user=world.priya, kind="referral_status").exists()


def test_a_self_referral_answered_tells_the_person_and_no_referrer(client, world, befriending):
    referral = services.create_self_referral(
        service=befriending,
        given_name="Ivy",
        family_name="Walker",
        email="ivy@example.org",
        postcode="WB2 1AX",
        what_matters="A chat now and then",
        preferred_channel="email",
    )
    services.change_status(referral, Status.ACCEPTED, by=world.sam)
    [email] = _to(referral.person)
    assert (email.channel, email.to) == (Channel.EMAIL, "ivy@example.org")
    assert email.subject == "News about your referral"
    assert email.body.startswith("Hello Ivy,")
    assert not Message.objects.filter(kind="referral_status").exists()

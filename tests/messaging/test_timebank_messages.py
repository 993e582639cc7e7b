"""Stories about the time bank speaking through messaging: Margaret records the hour she
gave Cath, and Cath hears there are hours waiting for her yes; once confirmed, Margaret
hears. Bill, who has no computer, is phoned by a coordinator instead. Each message is a link
only, written with the exchange or not at all."""

from __future__ import annotations

import pytest

from keepwell.messaging.models import Channel, Message
from keepwell.timebank import services
from keepwell.timebank.services import LedgerError
from tests.factories import PersonFactory, UserFactory
from tests.timebank.factories import make_bank, make_member


@pytest.fixture
def bank(world):
    margaret = world.margaret_person
    margaret.email = "margaret@example.org"
    margaret.save(update_fields=["email"])
    bank = make_bank(organisation=world.mutual_aid, by=world.sam)
    cath_user = UserFactory(username="cath")
    return {
        "bank": bank,
        "margaret": make_member(bank, person=margaret, by=world.sam),
        "cath": make_member(
            bank,
            given_name="Cath",
            family_name="Rowe",
            postcode="WB3 1AB",
            mobile="07700 900222",
            user=cath_user,
        ),
        "cath_user": cath_user,
        "bill": make_member(
            bank,
            given_name="Bill",
            family_name="Stone",
            postcode="WB2 1AD",
            phone="01632 960333",
            no_digital=True,
        ),
        "hub": make_member(bank, organisation=world.practice, by=world.sam),
    }


def _approvals(**filters):
    return Message.objects.filter(kind="timebank_approval", **filters)


def test_cath_is_texted_that_hours_margaret_recorded_wait_for_her_yes(world, bank):
    exchange = services.record_exchange(
        giver=bank["margaret"],
        receiver=bank["cath"],
        minutes=60,
        by=world.margaret,
        idempotency_key="shelf",
        description="Put up a shelf in the kitchen",
    )

    (text,) = _approvals()
    assert text.person == bank["cath"].person and text.channel == Channel.SMS
    assert text.to == "+447700900222" and text.audience == "member"
    assert f"/timebank/exchange/{exchange.pk}/" in text.body
    for private in ("Margaret", "Evans", "shelf", "60", "1 hour"):
        assert private not in text.body


def test_when_cath_confirms_margaret_hears_and_cath_does_not_hear_of_her_own_yes(world, bank):
    exchange = services.record_exchange(
        giver=bank["margaret"],
        receiver=bank["cath"],
        minutes=60,
        by=world.margaret,
        idempotency_key="shelf",
    )

    services.confirm_exchange(exchange, by=bank["cath_user"])
    services.confirm_exchange(exchange, by=bank["cath_user"])  # twice changes nothing

    confirmed = _approvals(event=f"timebank_confirmed:{exchange.pk}")
    assert [(m.person, m.channel, m.to) for m in confirmed] == [
        (world.margaret_person, Channel.EMAIL, "margaret@example.org")
    ]


def test_bill_without_a_computer_is_phoned_by_a_coordinator_when_a_broker_confirms(world, bank):
    exchange = services.record_exchange(
        giver=bank["bill"],
        receiver=bank["cath"],
        minutes=30,
        by=bank["cath_user"],
        idempotency_key="dog",
    )
    (waiting,) = _approvals(event=f"timebank_awaiting:{exchange.pk}")
    assert waiting.person == bank["bill"].person and waiting.channel == Channel.PHONE

    services.confirm_exchange(exchange, by=world.sam, as_broker=True)

    # The broker confirmed for Bill, so both members hear.
    told = {m.person.given_name: m.channel for m in _approvals(event__startswith="timebank_conf")}
    assert told == {"Bill": Channel.PHONE, "Cath": Channel.SMS}


def test_an_organisations_hours_reach_its_staff_inbox(world, bank):
    services.record_exchange(
        giver=bank["cath"],
        receiver=bank["hub"],
        minutes=45,
        by=bank["cath_user"],
        idempotency_key="leaflets",
    )
    (note,) = _approvals()
    assert note.organisation == world.practice and note.channel == Channel.INBOX


def test_the_same_exchange_sent_again_with_its_key_adds_no_second_message(world, bank):
    for _ in range(2):
        services.record_exchange(
            giver=bank["margaret"],
            receiver=bank["cath"],
            minutes=60,
            by=world.margaret,
            idempotency_key="shelf",
        )
    assert _approvals().count() == 1


def test_a_refused_exchange_leaves_no_message(world, bank):
    with pytest.raises(LedgerError):
        services.record_exchange(
            giver=bank["margaret"],
            receiver=bank["cath"],
            minutes=60,
            by=world.olly,  # neither member, nor a broker
            idempotency_key="nope",
        )
    assert not _approvals().exists()


def test_a_broker_recording_for_both_confirms_at_once_and_sends_no_request_for_a_yes(world, bank):
    exchange = services.record_exchange(
        giver=bank["margaret"],
        receiver=bank["cath"],
        minutes=60,
        by=world.sam,
        as_broker=True,
        idempotency_key="broker",
    )
    assert exchange.state == "confirmed"
    assert not _approvals(event__startswith="timebank_awaiting").exists()


def test_a_class_cath_gave_waits_in_the_brokers_inbox_and_then_everyone_in_it_hears(world, bank):
    exchange = services.record_group_exchange(
        giver=bank["cath"],
        receivers=[bank["margaret"], bank["bill"]],
        minutes_each=60,
        by=bank["cath_user"],
        idempotency_key="yoga",
    )
    (waiting,) = _approvals(event=f"timebank_awaiting:{exchange.pk}")
    assert waiting.organisation == world.mutual_aid and waiting.channel == Channel.INBOX

    services.confirm_exchange(exchange, by=world.sam, as_broker=True)

    told = _approvals(event=f"timebank_confirmed:{exchange.pk}")
    assert sorted(m.person.given_name for m in told) == ["Bill", "Cath", "Margaret"]


def test_a_person_hears_in_their_language_that_the_brokers_let_them_join(world, bank):
    from keepwell.people.models import Language

    rosa = PersonFactory(given_name="Rosa", mobile="07700 900444")
    rosa.languages.add(
        Language.objects.get_or_create(code="pt", defaults={"name": "Portuguese"})[0]
    )
    account = services.apply_to_join(bank["bank"], by=world.sam, person=rosa)
    assert not Message.objects.filter(person=rosa).exists()  # asking says nothing yet

    services.decide_membership(account, by=world.sam, approve=True)

    (welcome,) = Message.objects.filter(person=rosa)
    assert (welcome.kind, welcome.channel, welcome.language) == ("timebank_welcome", "sms", "pt")
    assert bank["bank"].name in welcome.body and f"/timebank/account/{account.pk}/" in welcome.body


def test_a_declined_person_hears_no_for_now_without_the_brokers_reason(world, bank):
    tomasz = PersonFactory(given_name="Tomasz", mobile="07700 900555")
    account = services.apply_to_join(bank["bank"], by=world.sam, person=tomasz)

    services.decide_membership(
        account, by=world.sam, approve=False, note="Lives outside the area we cover"
    )
    services.decide_membership(account, by=world.sam, approve=False)  # the same decision again

    (message,) = Message.objects.filter(person=tomasz)
    assert message.kind == "timebank_not_now"
    assert "outside the area" not in message.body
    assert "broker" in message.body

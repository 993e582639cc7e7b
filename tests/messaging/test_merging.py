"""Two records of one person merged: their messages, texts, choices and preferences follow."""

from __future__ import annotations

from keepwell.messaging import services
from keepwell.messaging.models import InboundMessage, Message, Preference, Purpose
from keepwell.people import services as people_services
from tests.factories import PersonFactory
from tests.messaging.test_send import KIND, words  # noqa: F401 (fixture)


def test_messages_and_choices_follow_the_kept_record(world, words):  # noqa: F811
    margaret = world.margaret_person
    duplicate = PersonFactory(given_name="Margaret", family_name="Evans", mobile="07700 900321")
    duplicate.organisations.add(world.mutual_aid)
    services.send(
        event="merge:1",
        kind=KIND,
        to=[services.To(person=duplicate)],
        purpose=Purpose.CARE,
        context={"day": "Monday"},
    )
    services.choose_purpose(duplicate, Purpose.NEWS, True, how="phone")
    Preference.objects.create(person=duplicate, channels=["sms"])
    Preference.objects.create(person=margaret, channels=["letter"])
    InboundMessage.objects.create(
        provider="fake",
        provider_id="in-1",
        from_number="+447700900321",
        person=duplicate,
        body="Thank you",
    )
    people_services.merge_people(margaret, duplicate, by=world.alex)

    assert Message.objects.get().person == margaret
    assert InboundMessage.objects.get().person == margaret
    assert services.purpose_allowed(margaret, Purpose.NEWS)
    assert list(Preference.objects.values_list("person_id", "channels")) == [
        (margaret.pk, ["letter"])
    ]

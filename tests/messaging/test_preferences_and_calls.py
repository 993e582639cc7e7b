"""A coordinator records how someone wants to be reached; when nothing reaches them, a
coordinator phones with the message as a script and says how it went."""

from __future__ import annotations

from datetime import time

import pytest
from django.urls import reverse

from keepwell.audit.models import AuditEvent
from keepwell.messaging import calls, services
from keepwell.messaging.models import CallOutcome, Channel, Message, Preference, Purpose, Status
from keepwell.people.models import Language
from tests.messaging.test_send import KIND, words  # noqa: F401 (fixture)


def _form(**overrides):
    data = {
        "channel_0": "letter",
        "channel_1": "",
        "channel_2": "",
        "channel_3": "",
        "language_0": "pt",
        "language_1": "en",
        "language_2": "",
        "purpose_care": "yes",
        "purpose_volunteering": "yes",
        "purpose_work": "yes",
        "purpose_news": "yes",
        "large_print": "on",
        "quiet_from": "20:00",
        "quiet_until": "09:00",
        "how": "phone",
    }
    data.update(overrides)
    return data


@pytest.fixture
def portuguese(db):
    return Language.objects.get_or_create(code="pt", defaults={"name": "Portuguese"})[0]


def test_sam_records_that_john_wants_large_print_letters_in_portuguese(world, as_user, portuguese):
    john = world.riverside_person
    john.address_line_1 = "4 River Walk"
    john.save()
    url = reverse("messaging:preferences", kwargs={"person_id": john.pk})

    response = as_user(world.sam).post(url, _form())

    assert response.status_code == 302
    preference = Preference.objects.get(person=john)
    assert preference.channels == ["letter"]
    assert preference.languages == ["pt", "en"]
    assert preference.large_print and preference.quiet_from == time(20, 0)
    assert services.purpose_allowed(john, Purpose.NEWS)
    assert AuditEvent.objects.filter(person_id=john.pk, summary__icontains="contacted").exists()
    assert AuditEvent.objects.filter(person_id=john.pk, summary__icontains="news").exists()


def test_a_channel_they_cannot_be_reached_on_is_refused_by_name(world, as_user, portuguese):
    john = world.riverside_person
    url = reverse("messaging:preferences", kwargs={"person_id": john.pk})

    response = as_user(world.sam).post(url, _form(channel_0="sms", channel_1="sms"))

    assert response.status_code == 400
    body = response.content.decode()
    assert "Add a mobile number to their record before choosing text messages" in body
    assert "Second choice repeats an earlier choice" in body
    assert not Preference.objects.filter(person=john).exists()


def test_margaret_sets_her_own_and_an_outsider_cannot_see_hers(world, as_user, portuguese):
    url = reverse("messaging:preferences", kwargs={"person_id": world.margaret_person.pk})

    assert as_user(world.margaret).get(url).status_code == 200
    assert as_user(world.olly).get(url).status_code == 403
    assert as_user(world.jo).get(url).status_code == 403


def _call(world, words):  # noqa: F811
    fred = world.riverside_person
    fred.no_digital, fred.mobile, fred.phone = True, "", "01632 960001"
    fred.save()
    (message,) = services.send(
        event="call:1",
        kind=KIND,
        to=[services.To(person=fred)],
        purpose=Purpose.CARE,
        context={"day": "Monday"},
        sender_organisation_id=world.mutual_aid.pk,
    ).messages
    return message


def test_sam_phones_fred_with_the_script_and_records_getting_through(world, as_user, words):  # noqa: F811
    message = _call(world, words)
    client = as_user(world.sam)

    listing = client.get(reverse("messaging:calls")).content.decode()
    page = client.get(reverse("messaging:call", kwargs={"message_id": message.pk}))
    response = client.post(
        reverse("messaging:call", kwargs={"message_id": message.pk}),
        {"outcome": CallOutcome.GOT_THROUGH, "notes": "Happy with Monday"},
    )

    assert world.riverside_person.full_name in listing
    assert "Monday" in page.content.decode() and "01632 960001" in page.content.decode()
    assert response.status_code == 302
    message.refresh_from_db()
    assert message.status == Status.DELIVERED and message.call_by == world.sam
    assert AuditEvent.objects.filter(
        person_id=message.person_id, summary__icontains="Phoned"
    ).exists()


def test_no_answer_is_tried_again_and_gives_up_on_the_third(world, words):  # noqa: F811
    message = _call(world, words)

    for _ in range(2):
        message = calls.record_call(message, outcome=CallOutcome.NO_ANSWER, by=world.sam)
        assert message.status == Status.QUEUED
    message = calls.record_call(message, outcome=CallOutcome.NO_ANSWER, by=world.sam)

    assert message.status == Status.TEMPORARY_FAILURE
    with pytest.raises(calls.CallError):
        calls.record_call(message, outcome=CallOutcome.GOT_THROUGH, by=world.sam)


def test_an_outsider_sees_no_calls_and_cannot_open_one(world, as_user, words):  # noqa: F811
    message = _call(world, words)
    client = as_user(world.olly)

    assert (
        world.riverside_person.full_name
        not in client.get(reverse("messaging:calls")).content.decode()
    )
    assert (
        client.get(reverse("messaging:call", kwargs={"message_id": message.pk})).status_code == 404
    )
    assert as_user(world.jo).get(reverse("messaging:calls")).status_code == 403


def test_a_call_without_an_outcome_shows_the_error_summary(world, as_user, words):  # noqa: F811
    message = _call(world, words)

    response = as_user(world.sam).post(
        reverse("messaging:call", kwargs={"message_id": message.pk}), {"outcome": "maybe"}
    )

    assert response.status_code == 400
    assert "nhsuk-error-summary" in response.content.decode()
    assert Message.objects.get(pk=message.pk).status == Status.QUEUED
    assert message.channel == Channel.PHONE

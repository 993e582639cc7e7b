"""Stories of the closed loop: a referral is made, answered, and the referrer hears back."""

from __future__ import annotations

from datetime import datetime

import pytest

from keepwell.audit.models import AuditEvent
from keepwell.messaging.inbox import notes_for
from keepwell.people.models import Consent, Strength
from keepwell.referrals import services
from keepwell.referrals.models import (
    AcceptsFrom,
    Direction,
    Referral,
    ReferralPolicy,
    Status,
)
from keepwell.referrals.workingdays import LONDON
from tests.factories import OrganisationFactory
from tests.referrals.factories import refer


def inbox(user):
    return list(notes_for(user).order_by("queued_at", "id"))


def test_priya_refers_margaret_and_consent_is_recorded_with_purpose_who_and_when(
    world, befriending
):
    referral = refer(world, befriending)
    assert referral.status == Status.SENT
    assert referral.direction == Direction.TO_COMMUNITY
    assert referral.to_organisation == world.mutual_aid
    assert referral.from_organisation == world.practice
    consent = referral.consent
    assert consent.purpose == Consent.Purpose.REFERRAL
    assert consent.recorded_by == world.priya
    assert consent.given_at is not None
    assert "Wellbrook Mutual Aid" in consent.notes
    assert referral.what_matters.startswith("Getting out of the house")
    assert referral.themes == ["loneliness"]
    assert AuditEvent.objects.filter(
        action="create", object_type="referrals.referral", person_id=world.margaret_person.pk
    ).exists()


def test_the_service_hears_of_a_new_referral_and_the_gp_hears_every_change(world, befriending):
    referral = refer(world, befriending)
    assert [item.kind for item in inbox(world.sam)] == ["referral_new"]
    assert inbox(world.priya) == []
    for status in (Status.ACCEPTED, Status.CONTACTED, Status.ENGAGED, Status.COMPLETED):
        services.change_status(referral, status, by=world.sam, note=f"Now {status}")
    messages = [item.body for item in inbox(world.priya)]
    assert len(messages) == 4
    assert messages[0].startswith("Wellbrook Mutual Aid accepted Margaret Evans")
    assert "completed" in messages[-1]
    events = list(referral.events.values_list("from_status", "to_status", "by_id"))
    assert events == [
        ("", "sent", world.priya.pk),
        ("sent", "accepted", world.sam.pk),
        ("accepted", "contacted", world.sam.pk),
        ("contacted", "engaged", world.sam.pk),
        ("engaged", "completed", world.sam.pk),
    ]
    assert all(event.at is not None for event in referral.events.all())


def test_a_decline_needs_a_reason_and_passes_on_suggested_alternatives(world, befriending, pantry):
    referral = refer(world, befriending)
    with pytest.raises(services.InvalidTransition, match="why"):
        services.change_status(referral, Status.DECLINED, by=world.sam)
    services.change_status(
        referral,
        Status.DECLINED,
        by=world.sam,
        decline_reason="She needs food first",
        suggested_services=[pantry],
    )
    referral.refresh_from_db()
    assert referral.status == Status.DECLINED
    assert list(referral.suggested_services.all()) == [pantry]
    [item] = inbox(world.priya)
    assert "She needs food first" in item.body
    assert "Community pantry" in item.body


def test_a_finished_referral_cannot_be_reopened(world, befriending):
    referral = refer(world, befriending)
    services.change_status(referral, Status.DECLINED, by=world.sam, decline_reason="Full")
    with pytest.raises(services.InvalidTransition):
        services.change_status(referral, Status.ACCEPTED, by=world.sam)


def test_when_the_gp_closes_her_own_referral_the_service_is_told(world, befriending):
    referral = refer(world, befriending)
    services.change_status(referral, Status.CLOSED, by=world.priya, close_reason="She moved away")
    assert inbox(world.priya) == []
    assert [i.kind for i in inbox(world.sam)] == ["referral_new", "referral_status"]
    assert "She moved away" in inbox(world.sam)[-1].body


def test_a_full_service_refuses_the_referral_before_anything_is_written(world, befriending):
    befriending.taking_new_people = False
    befriending.save()
    with pytest.raises(services.ReferralRefused, match="Full"):
        refer(world, befriending)
    assert not Referral.objects.exists()
    assert not Consent.objects.filter(purpose=Consent.Purpose.REFERRAL).exists()


def test_a_service_not_accepting_referrals_says_so(world, befriending):
    befriending.accepts_referrals = False
    befriending.save()
    assert services.door_for(befriending, world.practice).reason == "Not accepting referrals"


def test_a_service_for_nhs_referrals_only_turns_away_a_community_group(world, befriending):
    services.set_door(
        befriending,
        by=world.sam,
        accepts_referrals=True,
        taking_new_people=True,
        accepts_from=AcceptsFrom.NHS,
    )
    assert services.door_for(befriending, world.practice).open
    door = services.door_for(befriending, world.other_group)
    assert not door.open and door.reason == "Only takes referrals from the NHS"


def test_a_service_may_name_the_organisations_it_takes_referrals_from(world, befriending):
    partner = OrganisationFactory(name="Wellbrook CVS")
    services.set_door(
        befriending,
        by=world.sam,
        accepts_referrals=True,
        taking_new_people=True,
        accepts_from=AcceptsFrom.LISTED,
        organisations=[partner],
    )
    assert services.door_for(befriending, partner).open
    assert not services.door_for(befriending, world.practice).open
    assert ReferralPolicy.objects.get(service=befriending).updated_by == world.sam


def test_a_coordinator_asks_the_practice_for_a_review_and_hears_back(world):
    referral = services.refer_to_practice(
        world.riverside_person,
        world.practice,
        "He seemed confused and had not eaten",
        world.sam,
        consent_how=Consent.How.PHONE,
    )
    assert referral.direction == Direction.TO_PRACTICE
    assert referral.from_organisation == world.mutual_aid
    assert referral.consent.purpose == Consent.Purpose.REFERRAL
    assert [i.kind for i in inbox(world.priya)] == ["referral_new"]
    services.change_status(referral, Status.ACCEPTED, by=world.priya)
    [item] = inbox(world.sam)
    assert "Wellbrook Health Centre accepted John Smith" in item.body


def test_a_doorstep_concern_from_the_help_app_names_its_source(world):
    referral = services.refer_to_practice(
        world.margaret_person, world.practice, "Fall on the doorstep", world.jo, source="help:34"
    )
    assert referral.source == "help:34"
    assert referral.from_organisation == world.mutual_aid
    assert "help:34" in referral.events.get().note


def test_only_an_nhs_organisation_can_be_asked_for_a_review(world):
    with pytest.raises(ValueError, match="not an NHS"):
        services.refer_to_practice(world.margaret_person, world.other_group, "x", world.sam)


def test_a_resident_refers_herself_and_a_record_is_made_for_the_service(world, befriending):
    referral = services.create_self_referral(
        service=befriending,
        given_name="Ivy",
        family_name="Walker",
        phone="01632 960555",
        postcode="wb2 1ax",
        what_matters="I would like a chat now and then",
        preferred_channel="phone",
    )
    person = referral.person
    assert person.postcode == "WB2 1AX"
    assert list(person.organisations.all()) == [world.mutual_aid]
    assert referral.direction == Direction.SELF
    assert referral.consent.how == Consent.How.ONLINE
    assert [i.kind for i in inbox(world.sam)] == ["referral_new"]


def test_a_service_may_refuse_self_referrals(world, befriending):
    services.set_door(
        befriending,
        by=world.sam,
        accepts_referrals=True,
        taking_new_people=True,
        accepts_self_referrals=False,
    )
    with pytest.raises(services.ReferralRefused, match="self-referrals"):
        services.create_self_referral(
            service=befriending, given_name="Ivy", what_matters="x", preferred_channel="phone"
        )


def test_an_unanswered_referral_reminds_the_service_then_escalates_once(world, befriending):
    # Sent Thursday 17 April 2025 at 10:00: Good Friday and Easter Monday do not count.
    sent = datetime(2025, 4, 17, 10, 0, tzinfo=LONDON)
    referral = refer(world, befriending, now=sent)
    assert referral.accept_by == datetime(2025, 4, 24, 10, 0, tzinfo=LONDON)
    assert referral.escalate_by == datetime(2025, 4, 28, 10, 0, tzinfo=LONDON)

    result = services.remind_and_escalate(datetime(2025, 4, 23, 17, 0, tzinfo=LONDON))
    assert (result.reminded, result.escalated) == (0, 0)
    result = services.remind_and_escalate(datetime(2025, 4, 24, 10, 0, tzinfo=LONDON))
    assert (result.reminded, result.escalated) == (1, 0)
    assert [i.kind for i in inbox(world.sam)] == ["referral_new", "referral_reminder"]
    assert services.remind_and_escalate(datetime(2025, 4, 25, 9, 0, tzinfo=LONDON)).reminded == 0

    result = services.remind_and_escalate(datetime(2025, 4, 28, 11, 0, tzinfo=LONDON))
    assert (result.reminded, result.escalated) == (0, 1)
    assert [i.kind for i in inbox(world.priya)] == ["referral_escalation"]
    assert "refer elsewhere" in inbox(world.priya)[0].body
    again = services.remind_and_escalate(datetime(2025, 4, 29, 11, 0, tzinfo=LONDON))
    assert (again.reminded, again.escalated) == (0, 0)
    referral.refresh_from_db()
    assert referral.reminded_at == datetime(2025, 4, 24, 10, 0, tzinfo=LONDON)


def test_an_accepted_referral_is_never_chased(world, befriending):
    sent = datetime(2025, 6, 2, 10, 0, tzinfo=LONDON)
    referral = refer(world, befriending, now=sent)
    services.change_status(referral, Status.ACCEPTED, by=world.sam)
    result = services.remind_and_escalate(datetime(2025, 7, 1, 10, 0, tzinfo=LONDON))
    assert (result.reminded, result.escalated) == (0, 0)


def test_the_clock_follows_the_settings(world, befriending, settings):
    settings.KEEPWELL_REFERRAL_ACCEPT_WORKING_DAYS = 1
    settings.KEEPWELL_REFERRAL_ESCALATE_WORKING_DAYS = 2
    referral = refer(world, befriending, now=datetime(2025, 6, 2, 10, 0, tzinfo=LONDON))
    assert referral.accept_by == datetime(2025, 6, 3, 10, 0, tzinfo=LONDON)
    assert referral.escalate_by == datetime(2025, 6, 4, 10, 0, tzinfo=LONDON)


def test_what_someone_could_give_is_recorded_as_strengths(world, befriending):
    referral = refer(world, befriending)
    made = services.record_strengths(
        world.margaret_person,
        [("skill", "Knitting, and teaching it"), ("time", "Tuesday afternoons"), ("knowledge", "")],
        by=world.sam,
        source=f"referral:{referral.pk}",
    )
    assert len(made) == 2
    strength = Strength.objects.get(kind="skill")
    assert strength.person == world.margaret_person
    assert strength.recorded_by == world.sam
    assert strength.source == f"referral:{referral.pk}"
    with pytest.raises(ValueError):
        services.record_strengths(world.margaret_person, [("money", "x")], by=world.sam)


def test_the_service_picker_finds_services_by_words_and_category(world, befriending, pantry):
    assert list(services.search_services("phone")) == [befriending]
    assert list(services.search_services("mutual")) == [befriending]
    assert list(services.search_services("", "practical")) == [pantry]
    pantry.status = pantry.Status.WITHDRAWN
    pantry.save()
    assert list(services.search_services("")) == [befriending]

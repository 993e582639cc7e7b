"""Who sees a referral: exactly those who may see its person, plus the staff of the referring
and receiving organisations. An area lead's reach is their area, even in their own group."""

from __future__ import annotations

import pytest
from django.urls import reverse

from keepwell.messaging.models import Message
from keepwell.referrals.models import Referral, Status
from tests.factories import PersonFactory
from tests.referrals.factories import refer


@pytest.fixture
def nora(world):
    """A patient of Priya's practice who lives in Northgate, not in Ana and Tom's Riverside."""
    return PersonFactory(
        given_name="Nora",
        family_name="North",
        area=world.northgate,
        postcode="WB3 1AB",
        gp_practice=world.practice,
    )


def _detail(referral):
    return reverse("referrals:detail", kwargs={"referral_id": referral.pk})


def _status(referral, to):
    return reverse("referrals:change_status", kwargs={"referral_id": referral.pk}) + f"?to={to}"


@pytest.mark.parametrize("persona", ["ana", "tom"])
def test_an_area_lead_cannot_read_or_accept_a_referral_from_outside_their_area(
    as_user, world, befriending, nora, persona
):
    referral = refer(
        world, befriending, person=nora, safety_notes="Do not visit alone: a large dog"
    )
    client = as_user(world.persona(persona))

    # Their group receives it, but Nora is not theirs: her record is refused, and so is this.
    assert client.get(reverse("people:detail", kwargs={"person_id": nora.pk})).status_code == 403
    page = client.get(_detail(referral))
    assert page.status_code == 403
    assert "a large dog" not in page.content.decode()
    assert client.get(_status(referral, "accepted")).status_code == 403
    assert client.post(_status(referral, "accepted"), {"to": "accepted"}).status_code == 403
    referral.refresh_from_db()
    assert referral.status == Status.SENT


def test_the_groups_coordinator_and_the_referring_gp_still_work_on_it(
    as_user, world, befriending, nora
):
    referral = refer(world, befriending, person=nora, safety_notes="Do not visit alone")
    sam = as_user(world.sam)
    assert "Do not visit alone" in sam.get(_detail(referral)).content.decode()
    assert sam.post(_status(referral, "accepted"), {"to": "accepted"}).status_code == 302
    referral.refresh_from_db()
    assert referral.status == Status.ACCEPTED
    assert as_user(world.priya).get(_detail(referral)).status_code == 200


def test_an_area_lead_still_answers_referrals_of_people_in_their_area(as_user, world, befriending):
    referral = refer(world, befriending)  # Margaret lives in Riverside
    tom = as_user(world.tom)
    assert tom.get(_detail(referral)).status_code == 200
    assert tom.post(_status(referral, "accepted"), {"to": "accepted"}).status_code == 302
    referral.refresh_from_db()
    assert referral.status == Status.ACCEPTED


def test_the_inbox_and_notifications_list_only_referrals_the_area_lead_may_open(
    as_user, world, befriending, nora
):
    refer(world, befriending)
    refer(world, befriending, person=nora)
    tom = as_user(world.tom)

    inbox = tom.get(reverse("referrals:inbox"))
    assert [r.person.full_name for r in inbox.context["page"].object_list] == ["Margaret Evans"]
    assert "Nora North" not in inbox.content.decode()

    notes = tom.get(reverse("messaging:inbox")).content.decode()
    assert "New referral for Margaret Evans" in notes
    assert "Nora North" not in notes
    # Marking all as read touches only what they were shown.
    tom.post(reverse("messaging:inbox_read"))
    nora_referral = Referral.objects.get(person=nora)
    assert Message.objects.filter(
        about_type="referral", about_id=nora_referral.pk, channel="inbox", read_at__isnull=True
    ).exists()

    # Sam, the group's coordinator, sees both.
    sam = as_user(world.sam)
    assert sam.get(reverse("referrals:inbox")).context["page"].paginator.count == 2


def test_the_query_and_the_rule_agree_for_every_persona(world, befriending, pantry, nora):
    made = [
        refer(world, befriending),
        refer(world, befriending, person=nora),
        refer(world, pantry, person=world.riverside_person),
    ]
    for name in ["alex", "priya", "sam", "ana", "tom", "jo", "margaret", "olly"]:
        user = world.persona(name)
        listed = set(Referral.objects.visible_to(user).values_list("pk", flat=True))
        allowed = {r.pk for r in made if user.has_perm("referrals.view_referral", r)}
        assert listed == allowed, name


def test_an_area_leads_inbox_needs_the_same_queries_for_three_referrals_or_thirty(
    as_user, world, befriending, nora, django_assert_max_num_queries, count_queries
):
    def some(count):
        for _ in range(count):
            refer(world, befriending, person=PersonFactory(area=world.riverside))
            refer(world, befriending, person=PersonFactory(area=world.northgate))

    some(3)
    tom = as_user(world.tom)
    url = reverse("referrals:inbox")
    tom.get(url)
    few = count_queries(lambda: tom.get(url))
    some(27)
    with django_assert_max_num_queries(few):
        response = tom.get(url)
    assert response.context["page"].paginator.count == 30


def test_the_fhir_api_follows_the_same_rule(client, world, befriending, nora):
    """A link worker who is an NHS connector at another practice and also leads Riverside
    for the group: her token reads the group's referrals of Riverside people, not Nora's."""
    from keepwell.accounts.services import create_token
    from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

    other_practice = OrganisationFactory(name="Riverside Surgery", kind="gp_practice")
    lee = UserFactory(username="lee", display_name="Lee Link")
    MembershipFactory(user=lee, role="nhs_connector", organisation=other_practice)
    MembershipFactory(
        user=lee, role="area_lead", organisation=world.mutual_aid, area=world.riverside
    )
    token = {"HTTP_AUTHORIZATION": f"Bearer {create_token(lee, 'GP system')[1]}"}
    riverside = refer(world, befriending)
    northgate = refer(world, befriending, person=nora)

    assert client.get(f"/api/referrals/{riverside.pk}/fhir", **token).status_code == 200
    refused = client.get(f"/api/referrals/{northgate.pk}/fhir", **token)
    assert refused.status_code == 403
    assert "Nora" not in refused.content.decode()

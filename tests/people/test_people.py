"""Stories about finding, adding and changing people's records."""

from __future__ import annotations

from keepwell.audit.models import AuditEvent
from keepwell.people.models import Consent, Household, Person
from keepwell.people.services import hold_record
from tests.factories import OrganisationFactory, PersonFactory

GOOD = {
    "given_name": "Ivy",
    "family_name": "Walker",
    "phone": "01632 960123",
    "postcode": " wb2  1ax ",
    "preferred_channel": "phone",
}


def test_a_coordinator_adds_a_person_and_the_postcode_finds_their_area(as_user, world):
    response = as_user(world.sam).post("/people/new/", GOOD)
    assert response.status_code == 302
    ivy = Person.objects.get(given_name="Ivy")
    assert ivy.postcode == "WB2 1AX"
    assert ivy.area == world.riverside
    assert list(ivy.organisations.all()) == [world.mutual_aid]
    assert AuditEvent.objects.filter(person_id=ivy.pk, action="create", actor=world.sam).exists()


def test_bad_input_shows_the_error_summary_and_saves_nothing(as_user, world):
    bad = {
        **GOOD,
        "given_name": "",
        "postcode": "WB2 1",
        "email": "not-an-email",
        "preferred_channel": "email",
        "nhs_number": "1234567890",
    }
    response = as_user(world.sam).post("/people/new/", bad)
    assert response.status_code == 400
    html = response.content.decode()
    assert "There is a problem" in html
    assert '<a href="#id_given_name">Enter their first name</a>' in html
    assert "too short" in html  # the postcode's reason
    assert "Enter a valid 10-digit NHS number" in html
    assert 'aria-describedby="id_postcode-error"' in html or "id_postcode-error" in html
    assert html.startswith("<!DOCTYPE html>")
    assert "<title>Error:" in html
    assert not Person.objects.filter(family_name="Walker").exists()


def test_someone_with_no_digital_cannot_be_set_to_email(as_user, world):
    bad = {**GOOD, "no_digital": "on", "preferred_channel": "email", "email": "ivy@example.com"}
    response = as_user(world.sam).post("/people/new/", bad)
    assert response.status_code == 400
    assert "They have no digital access" in response.content.decode()


def test_a_valid_nhs_number_is_kept_without_spaces(as_user, world):
    as_user(world.priya).post("/people/new/", {**GOOD, "nhs_number": "943 476 5919"})
    assert Person.objects.get(given_name="Ivy").nhs_number == "9434765919"


def test_find_a_person_by_phone_in_any_spacing_or_by_postcode(as_user, world):
    client = as_user(world.sam)
    by_phone = client.get("/people/", {"q": "01632960001"}).content.decode()
    assert "Smith, John" in by_phone
    by_postcode = client.get("/people/", {"q": "wb21ad"}).content.decode()
    assert "Smith, John" in by_postcode
    assert "Evans, Margaret" not in by_postcode


def test_the_people_list_never_shows_another_towns_records(as_user, world):
    html = as_user(world.sam).get("/people/").content.decode()
    assert "Evans, Margaret" in html
    assert "Far, Fern" not in html
    html = as_user(world.olly).get("/people/").content.decode()
    assert "Far, Fern" in html
    assert "Evans, Margaret" not in html


def test_an_area_lead_sees_the_people_in_her_area(as_user, world):
    stranger = PersonFactory(given_name="Rosa", family_name="Costa", area=world.riverside)
    html = as_user(world.ana).get("/people/").content.decode()
    assert "Costa, Rosa" in html
    html = as_user(world.tom).get(f"/people/{stranger.pk}/").content.decode()
    assert "Rosa Costa" in html


def test_the_people_list_query_count_does_not_grow_with_the_page(as_user, world, count_queries):
    client = as_user(world.sam)
    client.get("/people/")  # warm the session and permission caches
    few = count_queries(lambda: client.get("/people/"))
    for _ in range(20):
        PersonFactory().organisations.add(world.mutual_aid)
    reads_before = AuditEvent.objects.filter(action="read").count()
    many = count_queries(lambda: client.get("/people/"))
    assert many == few <= 16
    # Listing people is a read of each one's details: one audit row each, in one insert.
    assert AuditEvent.objects.filter(action="read").count() - reads_before == 22


def test_consent_is_recorded_with_its_purpose_and_basis_then_withdrawn(as_user, world):
    client = as_user(world.sam)
    person = world.riverside_person
    response = client.post(
        f"/people/{person.pk}/consent/",
        {
            "purpose": "share_with_nhs",
            "lawful_basis": "consent",
            "how": "phone",
            "notes": "",
        },
    )
    assert response.status_code == 302
    consent = Consent.objects.get(person=person)
    assert consent.recorded_by == world.sam
    assert consent.is_active
    client.post(f"/people/{person.pk}/consent/{consent.pk}/withdraw/")
    consent.refresh_from_db()
    assert not consent.is_active
    assert consent.withdrawn_recorded_by == world.sam


def test_consent_without_a_purpose_is_refused(as_user, world):
    response = as_user(world.sam).post(
        f"/people/{world.riverside_person.pk}/consent/", {"lawful_basis": "consent", "how": "phone"}
    )
    assert response.status_code == 400
    assert '<a href="#id_purpose_0">' in response.content.decode()
    assert not Consent.objects.exists()


def test_a_household_links_the_people_who_live_together(as_user, world):
    client = as_user(world.sam)
    response = client.post(
        f"/people/{world.riverside_person.pk}/household/",
        {"household_name": "The Smiths", "relationship": "lives_with"},
    )
    assert response.status_code == 302
    household = Household.objects.get(name="The Smiths")
    assert [m.person for m in household.members.all()] == [world.riverside_person]
    page = client.get(f"/people/{world.riverside_person.pk}/").content.decode()
    assert "The Smiths" in page


def test_margaret_sees_her_own_record_but_not_her_neighbours(as_user, world):
    client = as_user(world.margaret)
    assert client.get(f"/people/{world.margaret_person.pk}/").status_code == 200
    assert client.get(f"/people/{world.riverside_person.pk}/").status_code == 403


def test_the_person_page_offers_what_each_capability_allows_this_user(as_user, world, monkeypatch):
    from django.apps import apps

    from keepwell.core.navigation import PersonLink

    people = apps.get_app_config("people")
    monkeypatch.setattr(
        people,
        "person_links",
        [
            PersonLink("Everything that happened", "people:audit", "people.view_person", 20),
            PersonLink("Check the audit", "people:audit", "audit.view_person_audit", 10),
        ],
        raising=False,
    )
    person = world.riverside_person
    coordinator_page = as_user(world.sam).get(f"/people/{person.pk}/").content.decode()
    assert "Everything that happened" in coordinator_page
    assert "Check the audit" not in coordinator_page  # an IG view: admins and the person only

    admin_page = as_user(world.alex).get(f"/people/{person.pk}/").content.decode()
    assert admin_page.index("Check the audit") < admin_page.index("Everything that happened")
    assert f'href="/people/{person.pk}/audit/"' in admin_page


def test_a_coordinator_reaches_referrals_timeline_and_outcomes_from_the_person_page(as_user, world):
    person = world.riverside_person
    page = as_user(world.sam).get(f"/people/{person.pk}/").content.decode()
    for label, url in [
        ("Timeline: referrals, help and outcomes", f"/people/{person.pk}/timeline/"),
        ("Refer to a community service", f"/referrals/people/{person.pk}/refer/"),
        ("Record wellbeing answers", f"/outcomes/people/{person.pk}/record/"),
    ]:
        assert label in page
        assert f'href="{url}"' in page
        assert as_user(world.sam).get(url).status_code == 200


def test_an_organisation_holds_a_record_once_however_often_it_is_asked(world):
    surgery = OrganisationFactory(name="Wellbrook Health Centre")
    assert hold_record(world.riverside_person, surgery) is True
    assert hold_record(world.riverside_person, surgery) is False
    assert hold_record(world.riverside_person, world.mutual_aid) is False
    assert set(world.riverside_person.organisations.all()) == {world.mutual_aid, surgery}

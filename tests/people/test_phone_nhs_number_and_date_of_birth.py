"""Stories about what a careless typist can no longer save on a person's record: phone numbers
that are not numbers, NHS numbers that fail their check or belong to someone else, dates of
birth in the future or long ago; and finding people by NHS number and date of birth."""

from __future__ import annotations

from datetime import date, timedelta
from importlib import import_module

import pytest
from django.apps import apps
from django.db import connection
from django.utils import timezone

from keepwell.audit.models import AuditEvent
from keepwell.people import services
from keepwell.people.models import Person
from tests.factories import PersonFactory

IVY = {
    "given_name": "Ivy",
    "family_name": "Walker",
    "phone": "01632 960 123",
    "postcode": "WB2 1AX",
    "preferred_channel": "phone",
}
MARGARETS_NHS_NUMBER = "9434765919"


def _migration_0006():
    return import_module(
        "keepwell.people.migrations.0006_phones_in_e164_and_shared_nhs_numbers_flagged"
    )


def _summary(html: str) -> str:
    start = html.index("nhsuk-error-summary")
    return html[start : html.index("</div>", start)]


# --- phone numbers ----------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["not a phone number at all!!", "abc", "999", "01632"])
def test_a_phone_that_is_not_a_number_is_refused_with_a_plain_reason(as_user, world, typed):
    response = as_user(world.sam).post("/people/new/", {**IVY, "phone": typed})
    assert response.status_code == 400
    html = response.content.decode()
    assert (
        '<a href="#id_phone">Enter a UK phone number, like 01632 960 001 or 07700 900 982</a>'
        in _summary(html)
    )
    assert not Person.objects.filter(given_name="Ivy").exists()


def test_phone_numbers_are_stored_in_e164_and_shown_as_people_write_them(as_user, world):
    client = as_user(world.sam)
    client.post("/people/new/", {**IVY, "phone": "(01632) 960-123", "mobile": "+44 7700 900 982"})
    ivy = Person.objects.get(given_name="Ivy")
    assert (ivy.phone, ivy.mobile) == ("+441632960123", "+447700900982")
    page = client.get(f"/people/{ivy.pk}/").content.decode()
    assert "01632 960123" in page and "07700 900982" in page
    assert "+441632960123" not in page
    # The change form shows the number as it is written too, not +44...
    form = client.get(f"/people/{ivy.pk}/edit/").content.decode()
    assert 'value="01632 960123"' in form and 'type="tel"' in form


def test_a_number_from_abroad_needs_its_country_code_and_is_shown_internationally(as_user, world):
    client = as_user(world.sam)
    client.post("/people/new/", {**IVY, "phone": "+33 1 23 45 67 89"})
    ivy = Person.objects.get(given_name="Ivy")
    assert ivy.phone == "+33123456789"
    assert "+33 1 23 45 67 89" in client.get(f"/people/{ivy.pk}/").content.decode()

    wrong = client.post("/people/new/", {**IVY, "given_name": "Rose", "phone": "+33 12"})
    assert "Enter a phone number from abroad with its country code" in wrong.content.decode()


def test_text_messages_go_only_to_a_mobile(as_user, world):
    landline = {**IVY, "mobile": "01632 960 001", "preferred_channel": "sms"}
    response = as_user(world.sam).post("/people/new/", landline)
    assert response.status_code == 400
    assert (
        '<a href="#id_mobile">Enter a mobile number that can get text messages, like '
        "07700 900 982</a>" in _summary(response.content.decode())
    )
    assert not Person.objects.filter(given_name="Ivy").exists()


def test_a_person_is_found_by_their_phone_however_it_is_typed(as_user, world):
    as_user(world.sam).post("/people/new/", {**IVY, "mobile": "07700 900 982"})
    client = as_user(world.sam)
    for typed in ("01632 960123", "01632960123", "+44 1632 960123", "07700900982", "960123"):
        assert "Walker, Ivy" in client.get("/people/", {"q": typed}).content.decode(), typed


def test_stored_numbers_become_e164_where_they_parse_and_the_rest_are_kept(world):
    typed_well = PersonFactory(phone="01632 960 555", mobile="07700-900-111")
    typed_badly = PersonFactory(phone="ring the warden first", mobile="abc")
    _migration_0006().forwards(apps, None)

    typed_well.refresh_from_db()
    typed_badly.refresh_from_db()
    assert (typed_well.phone, typed_well.mobile) == ("+441632960555", "+447700900111")
    assert typed_well.phone_digits == "441632960555"  # still found by "01632 960555"
    assert (typed_badly.phone, typed_badly.mobile) == ("ring the warden first", "abc")
    assert Person.objects.search("01632 960555").get() == typed_well


# --- NHS numbers ------------------------------------------------------------------------------


def _give_margaret_her_nhs_number(world) -> Person:
    person = world.margaret_person
    person.nhs_number = MARGARETS_NHS_NUMBER
    person.date_of_birth = date(1948, 3, 12)
    person.save()
    return person


def test_the_nhs_number_is_shown_to_those_who_may_see_the_record(as_user, world):
    margaret = _give_margaret_her_nhs_number(world)
    for reader in (world.sam, world.priya, world.margaret):
        page = as_user(reader).get(f"/people/{margaret.pk}/").content.decode()
        assert "NHS number" in page and "943 476 5919" in page
    assert as_user(world.olly).get(f"/people/{margaret.pk}/").status_code == 403


@pytest.mark.parametrize("typed", ["943 476 5919", "9434765919", "943-476-5919"])
def test_the_people_list_finds_someone_by_nhs_number(as_user, world, typed):
    _give_margaret_her_nhs_number(world)
    html = as_user(world.sam).get("/people/", {"q": typed}).content.decode()
    assert "Evans, Margaret" in html
    assert "Smith, John" not in html
    # Someone who may not see her finds nothing.
    assert (
        "Evans, Margaret" not in as_user(world.olly).get("/people/", {"q": typed}).content.decode()
    )


@pytest.mark.parametrize("typed", ["12/03/1948", "1948-03-12", "12 3 1948", "12 March 1948"])
def test_the_people_list_finds_someone_by_date_of_birth(as_user, world, typed):
    _give_margaret_her_nhs_number(world)
    html = as_user(world.sam).get("/people/", {"q": typed}).content.decode()
    assert "Evans, Margaret" in html
    assert "Smith, John" not in html


def test_a_second_person_with_margarets_nhs_number_is_refused_and_named_to_sam(as_user, world):
    _give_margaret_her_nhs_number(world)
    response = as_user(world.sam).post("/people/new/", {**IVY, "nhs_number": "943 476 5919"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Margaret Evans already has NHS number 943 476 5919" in _summary(html)
    assert Person.objects.filter(nhs_number=MARGARETS_NHS_NUMBER).count() == 1


def test_an_outsider_is_told_the_number_is_taken_but_not_whose_it_is(as_user, world):
    _give_margaret_her_nhs_number(world)
    response = as_user(world.olly).post("/people/new/", {**IVY, "nhs_number": "9434765919"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Someone else keepwell holds already has NHS number 943 476 5919" in html
    assert "Margaret" not in html
    assert Person.objects.filter(nhs_number=MARGARETS_NHS_NUMBER).count() == 1


def test_changing_a_record_to_someone_elses_nhs_number_is_refused(as_user, world):
    _give_margaret_her_nhs_number(world)
    john = world.riverside_person
    response = as_user(world.sam).post(
        f"/people/{john.pk}/edit/",
        {**IVY, "given_name": "John", "family_name": "Smith", "nhs_number": "943 476 5919"},
    )
    assert response.status_code == 400
    john.refresh_from_db()
    assert (john.nhs_number, john.given_name) == ("", "John")


def test_a_possible_duplicate_is_kept_flagged_for_merging_never_a_silent_copy(as_user, world):
    margaret = _give_margaret_her_nhs_number(world)
    with pytest.raises(services.DuplicateNhsNumber) as refused:
        services.create_person(by=world.priya, given_name="M", nhs_number="943 476 5919")
    assert refused.value.existing == margaret

    second = services.create_person(
        by=world.priya,
        given_name="Maggie",
        nhs_number=MARGARETS_NHS_NUMBER,
        organisations=[world.practice.pk],
        possible_duplicate=True,
    )
    assert second.possible_duplicate_of == margaret
    created = AuditEvent.objects.get(person_id=second.pk, action="create")
    assert "possible duplicate" in created.summary
    page = as_user(world.priya).get(f"/people/{second.pk}/").content.decode()
    assert "Possible duplicate" in page and "merge" in page


@pytest.mark.postgres_only  # DDL inside the test's transaction; SQLite would need a flush
def test_records_already_sharing_an_nhs_number_are_flagged_not_changed(db):
    # As the old code left them: two records with one NHS number, before the constraint.
    # PostgreSQL's DDL is transactional, so the test's rollback puts the constraint back.
    constraint = next(c for c in Person._meta.constraints if c.name == "person_nhs_number_once")
    with connection.schema_editor() as editor:
        editor.remove_constraint(Person, constraint)
    first = PersonFactory(nhs_number=MARGARETS_NHS_NUMBER)
    copy = PersonFactory(given_name="Copy", nhs_number=MARGARETS_NHS_NUMBER)

    _migration_0006().forwards(apps, None)

    copy.refresh_from_db()
    first.refresh_from_db()
    assert (copy.nhs_number, copy.possible_duplicate_of) == (MARGARETS_NHS_NUMBER, first)
    assert first.possible_duplicate_of is None


# --- dates of birth ---------------------------------------------------------------------------


def test_a_date_of_birth_in_the_future_is_refused(as_user, world):
    response = as_user(world.sam).post("/people/new/", {**IVY, "date_of_birth": "2030-01-01"})
    assert response.status_code == 400
    assert '<a href="#id_date_of_birth">Date of birth must be in the past</a>' in _summary(
        response.content.decode()
    )
    assert not Person.objects.filter(given_name="Ivy").exists()


def test_a_date_of_birth_more_than_120_years_ago_is_refused(as_user, world):
    response = as_user(world.sam).post("/people/new/", {**IVY, "date_of_birth": "1850-01-01"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Date of birth must be on or after" in _summary(html)
    assert not Person.objects.filter(given_name="Ivy").exists()


def test_a_real_date_of_birth_is_saved_and_shown(as_user, world):
    client = as_user(world.sam)
    client.post("/people/new/", {**IVY, "date_of_birth": "1948-03-12"})
    ivy = Person.objects.get(given_name="Ivy")
    assert ivy.date_of_birth == date(1948, 3, 12)
    assert "12 March 1948" in client.get(f"/people/{ivy.pk}/").content.decode()


def test_a_baby_born_today_and_someone_119_years_old_are_both_accepted(as_user, world):
    today = timezone.localdate()
    client = as_user(world.sam)
    for name, born in (("Baby", today), ("Elder", today - timedelta(days=119 * 365))):
        response = client.post(
            "/people/new/", {**IVY, "given_name": name, "date_of_birth": born.isoformat()}
        )
        assert response.status_code == 302, name

"""Every page that asks for a phone number checks it the same way, and every list that brings
people in keeps one record per NHS number."""

from __future__ import annotations

import importlib
import pkgutil
from datetime import timedelta

import pytest
from django import forms
from django.urls import reverse
from django.utils import timezone

import keepwell
from keepwell.core.phone import PhoneField
from keepwell.help import services as help_services
from keepwell.help.models import HelpRequest, PublicRequest
from keepwell.people.models import Person
from keepwell.referrals.models import Referral
from tests.help.factories import need
from tests.referrals.conftest import befriending  # noqa: F401 - a fixture
from tests.referrals.test_fhir import gp_bundle, post, priya_token  # noqa: F401

NOT_A_NUMBER = "not a phone number at all!!"
ENTER_UK = "Enter a UK phone number, like 01632 960 001 or 07700 900 982"
MARGARETS_NHS_NUMBER = "9434765919"


def _all_forms() -> list[type[forms.BaseForm]]:
    for module in pkgutil.walk_packages(keepwell.__path__, "keepwell."):
        if module.name.endswith(".forms"):
            importlib.import_module(module.name)
    found, todo = [], [forms.BaseForm]
    while todo:
        for sub in todo.pop().__subclasses__():
            todo.append(sub)
            if sub.__module__.startswith("keepwell."):
                found.append(sub)
    return found


def test_every_phone_field_in_keepwell_is_the_one_checked_phone_field():
    phone_fields = []
    for form in _all_forms():
        for name, field in form.base_fields.items():
            if "phone" in name or name == "mobile":
                phone_fields.append(f"{form.__name__}.{name}")
                assert isinstance(field, PhoneField), f"{form.__name__}.{name} is not a PhoneField"
    # The people form, the call screen, the public form, volunteers, concern contacts,
    # the self-referral and the directory's organisations and services, at least.
    assert len(phone_fields) >= 10, phone_fields


def test_the_helpline_call_screen_refuses_a_phone_that_is_not_a_number(world, as_user):
    data = {
        "need_type": need("shopping").pk,
        "urgency": "2",
        "times_per_week": "1",
        "weeks": "1",
        "consent_coordination": "on",
        "given_name": "Rui",
        "new_postcode": "WB2 1AB",
    }
    client = as_user(world.sam)
    response = client.post(reverse("help:call"), {**data, "phone": NOT_A_NUMBER})
    assert response.status_code == 400
    assert f'<a href="#id_phone">{ENTER_UK}</a>' in response.content.decode()
    assert not Person.objects.filter(given_name="Rui").exists()

    client.post(reverse("help:call"), {**data, "phone": "01632 960 777"})
    assert Person.objects.get(given_name="Rui").phone == "+441632960777"


def test_the_public_help_form_refuses_a_phone_that_is_not_a_number(world, client):
    url = reverse("help:ask", kwargs={"slug": world.mutual_aid.slug})
    data = {
        "given_name": "Ivy",
        "postcode": "WB2 1AX",
        "need_type": need("shopping").pk,
        "consent": "on",
        "on_behalf": "on",
        "requester_name": "Sue Walker",
    }
    response = client.post(url, {**data, "phone": "abc", "requester_phone": "123"})
    assert response.status_code == 400
    html = response.content.decode()
    assert f'<a href="#id_phone">{ENTER_UK}</a>' in html
    assert f'<a href="#id_requester_phone">{ENTER_UK}</a>' in html
    assert 'type="tel"' in html
    assert not PublicRequest.objects.exists()

    client.post(url, {**data, "phone": "01632 960555", "requester_phone": "07700 900 123"})
    asked = PublicRequest.objects.get()
    assert (asked.phone, asked.requester_phone) == ("+441632960555", "+447700900123")


def test_the_triage_page_shows_the_number_as_people_write_it(world, client, as_user):
    url = reverse("help:ask", kwargs={"slug": world.mutual_aid.slug})
    client.post(
        url,
        {
            "given_name": "Ivy",
            "phone": "+44 1632 960555",
            "postcode": "WB2 1AX",
            "need_type": need("shopping").pk,
            "consent": "on",
        },
    )
    assert PublicRequest.objects.get().phone == "+441632960555"
    page = as_user(world.sam).get(reverse("help:triage")).content.decode()
    assert "Phone 01632 960555." in page


def test_a_self_referral_by_text_message_needs_a_mobile(client, world, befriending):  # noqa: F811
    url = reverse("referrals:self_refer") + f"?service={befriending.pk}"
    data = {
        "service": befriending.pk,
        "given_name": "Ivy",
        "preferred_channel": "sms",
        "what_matters": "Company",
        "consent_given": "on",
    }
    landline = client.post(url, {**data, "phone": "01632 960111"})
    assert landline.status_code == 400
    assert "Enter a mobile number that can get text messages" in landline.content.decode()
    assert not Referral.objects.exists()

    client.post(url, {**data, "phone": "07700 900 111"})
    ivy = Person.objects.get(given_name="Ivy")
    assert (ivy.mobile, ivy.phone) == ("+447700900111", "")


# --- NHS lists and GP referrals: one record per NHS number -----------------------------------

HEADER = "Given name,Family name,NHS number,Date of birth,Phone,Postcode\n"


def _give_fern_margarets_number(world) -> Person:
    """Fern is held only by Olly's group in another town; Sam's group cannot see her."""
    fern = world.faraway_person
    fern.nhs_number = MARGARETS_NHS_NUMBER
    fern.save()
    return fern


def _upload(world, text: str):
    need("phone_check_in")
    return help_services.import_nhs_list(
        text,
        filename="shielding.csv",
        organisation=world.mutual_aid,
        shared_by=world.practice,
        lawful_basis="public_task",
        sharing_basis="DSA-12",
        by=world.sam,
    )


def test_an_nhs_list_naming_someone_another_group_holds_names_the_row_and_imports_nothing(
    world,
):
    _give_fern_margarets_number(world)
    text = HEADER + (
        "Ivy,Walker,,1938-04-02,01632 960555,WB2 1AX\n"
        "Fern,Farr,943 476 5919,,01632 960556,WB2 1AB\n"
    )
    with pytest.raises(help_services.ImportProblems) as refused:
        _upload(world, text)
    assert refused.value.problems == [
        "Row 3: NHS number 943 476 5919 is on a record Wellbrook Mutual Aid does not hold. "
        "Check the number, or ask an administrator whether it is the same person"
    ]
    assert Person.objects.filter(nhs_number=MARGARETS_NHS_NUMBER).count() == 1
    assert not Person.objects.filter(given_name="Ivy").exists()
    assert not HelpRequest.objects.exists()


def test_the_nhs_list_page_shows_the_row_with_the_shared_number(world, as_user):
    from django.core.files.uploadedfile import SimpleUploadedFile

    _give_fern_margarets_number(world)
    need("phone_check_in")
    text = HEADER + "Fern,Farr,9434765919,,01632 960556,WB2 1AB\n"
    response = as_user(world.sam).post(
        reverse("help:nhs_lists"),
        {
            "file": SimpleUploadedFile("list.csv", text.encode(), content_type="text/csv"),
            "shared_by": world.practice.pk,
            "lawful_basis": "public_task",
            "sharing_basis": "DSA-12",
        },
    )
    assert response.status_code == 400
    assert "Row 2: NHS number 943 476 5919 is on a record" in response.content.decode()
    assert Person.objects.filter(nhs_number=MARGARETS_NHS_NUMBER).count() == 1


def test_the_same_nhs_number_twice_on_one_list_is_one_person(world):
    text = HEADER + (
        "Ivy,Walker,9434765919,,01632 960555,WB2 1AX\n"
        "Ivy,Walker,943 476 5919,,01632 960555,WB2 1AX\n"
    )
    batch = _upload(world, text)
    assert batch.people_created == 1
    assert Person.objects.filter(nhs_number=MARGARETS_NHS_NUMBER).count() == 1


def test_someone_on_the_list_typed_with_another_spacing_is_matched_not_doubled(world):
    john = world.riverside_person
    john.phone = "+441632960001"  # as keepwell now stores it
    john.save()
    batch = _upload(world, HEADER + "John,Smith,,,01632 960 001,WB9 9ZZ\n")
    assert batch.people_created == 0


def test_an_nhs_list_with_a_date_of_birth_in_the_future_names_the_row(world):
    next_year = (timezone.localdate() + timedelta(days=366)).isoformat()
    text = HEADER + f"Ivy,Walker,,{next_year},01632 960555,WB2 1AX\n"
    with pytest.raises(help_services.ImportProblems) as refused:
        _upload(world, text)
    assert refused.value.problems == ["Row 2: date of birth must be in the past"]
    assert not Person.objects.filter(given_name="Ivy").exists()


def test_a_gp_referral_for_someone_the_practice_cannot_see_is_kept_as_a_possible_duplicate(
    client,
    world,
    befriending,  # noqa: F811
    priya_token,  # noqa: F811
):
    fern = _give_fern_margarets_number(world)
    bundle = gp_bundle(world, befriending)  # Ivy Walker, NHS number 943 476 5919
    response = post(client, priya_token, bundle)
    assert response.status_code == 201, response.content.decode()[:500]
    second = Person.objects.exclude(pk=fern.pk).get(nhs_number=MARGARETS_NHS_NUMBER)
    assert second.possible_duplicate_of == fern  # flagged to merge, never a silent copy
    assert Referral.objects.get().person == second


def test_numbers_other_rooms_stored_before_become_e164_and_the_rest_are_kept(world):
    from django.apps import apps

    from keepwell.help.models import Volunteer
    from tests.directory.factories import ServiceFactory
    from tests.help.factories import VolunteerFactory

    volunteer = VolunteerFactory(phone="07700 900 444")
    asked = PublicRequest.objects.create(
        organisation=world.mutual_aid,
        given_name="Ivy",
        phone="01632 960555",
        requester_phone="ask at the shop",
        postcode="WB2 1AX",
        need_type=need("shopping"),
        client_hash="x",
    )
    world.mutual_aid.phone = "(01632) 960101"
    world.mutual_aid.save()
    lunch = ServiceFactory(organisation=world.mutual_aid, phone="+44 20 7946 0000")

    importlib.import_module("keepwell.help.migrations.0007_phones_in_e164").forwards(apps, None)
    importlib.import_module("keepwell.directory.migrations.0010_phones_in_e164").forwards(
        apps, None
    )

    assert Volunteer.objects.get(pk=volunteer.pk).phone == "+447700900444"
    asked.refresh_from_db()
    assert (asked.phone, asked.requester_phone) == ("+441632960555", "ask at the shop")
    world.mutual_aid.refresh_from_db()
    lunch.refresh_from_db()
    assert (world.mutual_aid.phone, lunch.phone) == ("+441632960101", "+442079460000")


@pytest.mark.parametrize(
    ("born", "reason"),
    [("2030-01-01", "Date of birth must be in the past"), ("1850-01-01", "must be on or after")],
)
def test_a_gp_referral_with_an_impossible_date_of_birth_is_refused_naming_it(
    client,
    world,
    befriending,  # noqa: F811
    priya_token,  # noqa: F811
    born,
    reason,
):
    bundle = gp_bundle(world, befriending)
    bundle["entry"][1]["resource"]["birthDate"] = born
    response = post(client, priya_token, bundle)
    assert response.status_code in {400, 422}
    issues = response.json()["issue"]
    assert any(reason in i["diagnostics"] for i in issues), issues
    assert any("birthDate" in " ".join(i.get("expression", [])) for i in issues), issues
    assert not Person.objects.filter(given_name="Ivy").exists()
    assert not Referral.objects.exists()

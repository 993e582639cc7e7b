"""Stories about a list of people the NHS asked the group to call (the Kendal way)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from keepwell.help import services
from keepwell.help.models import HelpRequest, NhsList, Source
from keepwell.people.models import Consent, Person
from tests.help.factories import make_request, need

HEADER = "Given name,Family name,NHS number,Date of birth,Phone,Postcode,Language,Notes\n"


def _import(world, text: str):
    need("phone_check_in")
    return services.import_nhs_list(
        text,
        filename="shielding-week-12.csv",
        organisation=world.mutual_aid,
        shared_by=world.practice,
        lawful_basis="public_task",
        sharing_basis="COPI notice 2020, data sharing agreement DSA-12",
        by=world.sam,
    )


def test_each_person_on_the_list_gets_a_check_in_request_with_the_sharing_basis(world):
    text = HEADER + (
        "Ivy,Walker,943 476 5919,1938-04-02,01632 960555,wb2 1ax,Portuguese,Lives alone\n"
        "Arthur,Green,,,01632 960556,WB3 1AB,,\n"
    )
    batch = _import(world, text)
    assert (batch.rows, batch.people_created, batch.requests_created) == (2, 2, 2)
    ivy = Person.objects.get(given_name="Ivy")
    assert ivy.nhs_number == "9434765919" and ivy.postcode == "WB2 1AX"
    assert ivy.gp_practice == world.practice
    assert list(ivy.organisations.all()) == [world.mutual_aid]
    request = HelpRequest.objects.get(person=ivy)
    assert request.need_type.slug == "phone_check_in" and request.source == Source.NHS_LIST
    assert request.language.code == "pt" and request.notes == "Lives alone"
    assert request.nhs_list == batch
    consent = ivy.consents.get()
    assert consent.lawful_basis == "public_task" and "DSA-12" in consent.notes
    assert consent.purpose == Consent.Purpose.CONTACT


def test_someone_already_known_is_matched_and_an_open_check_in_is_not_doubled(world):
    existing = make_request(
        world.riverside_person, "phone_check_in", by=world.sam, organisation=world.mutual_aid
    )
    text = HEADER + "John,Smith,,,01632 960001,WB2 1AD,,\n"
    batch = _import(world, text)
    assert batch.people_created == 0 and batch.requests_created == 0
    assert batch.duplicates == [
        {"row": 2, "person": world.riverside_person.pk, "request": existing.pk}
    ]
    assert HelpRequest.objects.filter(person=world.riverside_person).count() == 1


def test_a_missing_column_is_named_and_nothing_is_imported(world):
    with pytest.raises(services.ImportProblems) as problems:
        _import(world, "Given name,Phone\nIvy,01632 960555\n")
    assert problems.value.problems == [
        "The header is wrong: missing columns: family_name, postcode"
    ]
    assert not NhsList.objects.exists()


def test_bad_rows_are_reported_by_number_and_nothing_is_imported(world):
    text = HEADER + (
        "Ivy,Walker,,,01632 960555,WB2 1AX,,\n"
        ",Nobody,,,01632 960556,WB2 1AX,,\n"
        "Arthur,Green,1234567890,02/04/1938,01632 960557,NOT A POSTCODE,Klingon,\n"
    )
    with pytest.raises(services.ImportProblems) as problems:
        _import(world, text)
    found = problems.value.problems
    assert found[0] == "Row 3: no first name"
    assert found[1].startswith("Row 4: postcode:")
    assert "NHS number" in found[1] and "YYYY-MM-DD" in found[1] and "Klingon" in found[1]
    assert not Person.objects.filter(given_name="Ivy").exists()


# --- what a careless or hostile file gets on the page -----------------------------------------


def _upload(world, as_user, content: bytes, name: str = "list.csv"):
    need("phone_check_in")
    return as_user(world.sam).post(
        "/help/nhs-lists/",
        {
            "file": SimpleUploadedFile(name, content, content_type="text/csv"),
            "shared_by": world.practice.pk,
            "lawful_basis": "public_task",
            "sharing_basis": "DSA-12",
        },
    )


def _summary(response) -> list[str]:
    return [message for _, message in response.context["form"].error_summary()]


def test_a_name_or_phone_longer_than_a_record_holds_is_refused_by_row(world, as_user):
    text = HEADER + (
        "Ivy,Walker,,,01632 960555,WB2 1AX,,\n"
        + ("A" * 5000)
        + ",Walker,,,01632 960556,WB2 1AX,,\n"
        + "Arthur,Green,,,"
        + ("0" * 100)
        + ",WB3 1AB,,\n"
    )
    response = _upload(world, as_user, text.encode())
    assert response.status_code == 400
    summary = _summary(response)
    assert "Row 3: given name must be 100 characters or fewer (it has 5,000)" in summary
    assert any(m.startswith("Row 4: phone must be 30 characters or fewer") for m in summary)
    assert "There is a problem" in response.content.decode()
    assert not NhsList.objects.exists()
    assert not Person.objects.filter(given_name__in=["Ivy", "Arthur"]).exists()


def test_a_field_longer_than_the_csv_module_reads_is_named_by_row_not_a_crash(world, as_user):
    text = (
        HEADER + "Ivy,Walker,,,01632 960555,WB2 1AX,,\n" + "Arthur,Green,,,01632 960556,WB3 1AB,,"
    )
    text += '"' + "x" * 200_000 + '"\n'
    response = _upload(world, as_user, text.encode())
    assert response.status_code == 400
    assert any(
        m.startswith("Row 3: a field is longer than 131,072 characters") for m in _summary(response)
    )
    assert not NhsList.objects.exists() and not Person.objects.filter(given_name="Ivy").exists()


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("Given name,Family name\nIv\xe9,W\n".encode("latin-1"), "not saved as UTF-8"),
        (b"", "is empty"),
        (b"\r\n\r\n", "The file is empty"),
        (b"colour,size\nred,big\n", "missing columns: given_name, family_name, phone"),
    ],
)
def test_a_file_that_is_not_a_list_gets_a_plain_error(world, as_user, content, reason):
    response = _upload(world, as_user, content)
    assert response.status_code == 400
    assert any(reason in m for m in _summary(response)), _summary(response)
    assert not NhsList.objects.exists()


def test_a_phone_that_is_not_a_number_or_a_mobile_that_is_a_landline_is_refused_by_row(world):
    text = HEADER.replace("Phone,", "Phone,Mobile,") + (
        "Ivy,Walker,,,01632 960555,07700 900982,WB2 1AX,,\n"
        "Arthur,Green,,,not a phone number at all!!,,WB3 1AB,,\n"
        "Edna,Moss,,,,01632 960557,WB3 1AB,,\n"
    )
    with pytest.raises(services.ImportProblems) as problems:
        _import(world, text)
    assert problems.value.problems == [
        "Row 3: phone: Enter a UK phone number, like 01632 960 001 or 07700 900 982",
        "Row 4: mobile: Enter a mobile number that can get text messages, like 07700 900 982",
    ]
    assert not Person.objects.filter(given_name="Ivy").exists()


def test_phone_numbers_on_a_list_are_stored_in_e164(world):
    text = HEADER.replace("Phone,", "Phone,Mobile,") + (
        "Ivy,Walker,,,01632 960555,07700 900982,WB2 1AX,,\n"
    )
    _import(world, text)
    ivy = Person.objects.get(given_name="Ivy")
    assert (ivy.phone, ivy.mobile) == ("+441632960555", "+447700900982")

"""360Giving out (JSON valid against the standard's shape, and its spreadsheet layout) and
in (other funders' files into the directory, matched by charity or company number)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import jsonschema
import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from keepwell.directory.models import Organisation, OrganisationKind
from keepwell.funding import giving360
from tests.factories import OrganisationFactory
from tests.funding import factories

pytestmark = pytest.mark.django_db

SCHEMA = json.loads(
    (Path(giving360.__file__).parent / "schema" / "360giving-package.json").read_text()
)


def test_awards_publish_as_a_360giving_package_valid_against_the_schema(world, client):
    world.mutual_aid.charity_number = "1123456"
    world.mutual_aid.save(update_fields=["charity_number"])
    funder = factories.funder_of(world.practice, prefix="wbhc")
    assert funder.prefix == "wbhc"
    award = factories.award(world, amount_pence=123_457)
    response = client.get(reverse("funding:giving_json"))
    package = response.json()
    jsonschema.Draft7Validator(SCHEMA, format_checker=jsonschema.FormatChecker()).validate(package)
    (grant,) = package["grants"]
    assert grant["id"] == f"360G-wbhc-{award.pk}"
    assert grant["amountAwarded"] == 1234.57 and grant["currency"] == "GBP"
    assert grant["recipientOrganization"] == [
        {"id": "GB-CHC-1123456", "name": "Wellbrook Mutual Aid", "charityNumber": "1123456"}
    ]
    assert grant["fundingOrganization"][0]["name"] == "Wellbrook Health Centre"
    assert grant["awardDate"] == award.awarded_on.isoformat()


def test_the_schema_refuses_a_grant_without_an_amount():
    grant = {"id": "360G-x-1", "title": "t", "description": "d", "currency": "GBP"}
    with pytest.raises(jsonschema.ValidationError, match="amountAwarded"):
        jsonschema.validate({"grants": [grant]}, SCHEMA)


def test_awards_publish_in_the_360giving_spreadsheet_layout(world, client):
    award = factories.award(world, amount_pence=250_050)
    response = client.get(reverse("funding:giving_csv"))
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert list(rows[0])[:10] == [
        "Identifier", "Title", "Description", "Currency", "Amount Applied For",
        "Amount Awarded", "Amount Disbursed", "Award Date", "Planned Dates:Start Date",
        "Planned Dates:End Date",
    ]  # fmt: skip
    assert rows[0]["Amount Awarded"] == "2500.50"
    assert rows[0]["Recipient Org:Name"] == "Wellbrook Mutual Aid"
    assert rows[0]["Funding Org:Identifier"].startswith("GB-") or rows[0][
        "Funding Org:Identifier"
    ].startswith("XI-")
    assert rows[0]["Identifier"] == f"360G-keepwell-{award.pk}"


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_import_matches_by_charity_or_company_number_and_adds_the_rest(tmp_path, db, capsys):
    known = OrganisationFactory(name="Riverside Centre", charity_number="1111111")
    by_company = OrganisationFactory(name="Brook Bikes", company_number="01234567")
    package = {
        "grants": [
            {"recipientOrganization": [
                {"id": "GB-CHC-1111111", "name": "Riverside CC", "companyNumber": "07654321"}
            ]},
            {"recipientOrganization": [{"id": "GB-COH-01234567", "name": "Brook Bikes CIC"}]},
            {"recipientOrganization": [{"id": "GB-CHC-2222222", "name": "New Pantry"}]},
            {"recipientOrganization": [{"id": "GB-CHC-2222222", "name": "New Pantry"}]},
        ]
    }  # fmt: skip
    call_command("import-360giving", _write(tmp_path, "grants.json", json.dumps(package)))
    known.refresh_from_db()
    assert known.company_number == "07654321"  # filled in, the name kept
    assert known.name == "Riverside Centre"
    added = Organisation.objects.get(charity_number="2222222")
    assert added.kind == OrganisationKind.UNCLASSIFIED and added.name == "New Pantry"
    assert Organisation.objects.filter(pk=by_company.pk).exists()
    assert "added 1, found 2 already in the directory (1 given" in capsys.readouterr().out


def test_a_csv_with_a_bad_header_imports_nothing_and_names_the_missing_columns(tmp_path, db):
    path = _write(tmp_path, "grants.csv", "Identifier,Title\n360G-x-1,Lunch\n")
    before = Organisation.objects.count()
    with pytest.raises(CommandError, match="missing columns: recipient_org:identifier"):
        call_command("import-360giving", path)
    assert Organisation.objects.count() == before


def test_bad_rows_are_reported_row_by_row_and_nothing_is_imported(tmp_path, db):
    text = (
        "Identifier,Recipient Org:Identifier,Recipient Org:Name,Recipient Org:Charity Number\n"
        "360G-x-1,GB-CHC-3333333,Good Group,\n"
        "360G-x-2,360G-x-org-9,,\n"
        "360G-x-3,360G-x-org-10,Bad Number,12AB\n"
    )
    with pytest.raises(CommandError) as failure:
        call_command("import-360giving", _write(tmp_path, "grants.csv", text))
    message = str(failure.value)
    assert "Row 3: the recipient organisation has no name" in message
    assert "Row 4: '12AB' is not a charity number" in message
    assert not Organisation.objects.filter(name="Good Group").exists()


def test_a_file_that_is_not_360giving_json_says_so(tmp_path, db):
    with pytest.raises(CommandError, match='no "grants" list'):
        call_command("import-360giving", _write(tmp_path, "x.json", '{"a": 1}'))
    with pytest.raises(CommandError, match="not JSON"):
        call_command("import-360giving", _write(tmp_path, "y.json", "{nope"))

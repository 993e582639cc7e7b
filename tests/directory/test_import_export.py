"""Sharing the directory: ORUK import from another directory's feed or a file, the CSV a
coordinator uploads, and the exports anyone can download."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError

from keepwell.directory import csvio, oruk
from keepwell.directory.management.commands.import_oruk import Command as ImportOruk
from keepwell.directory.models import ListingChange, Organisation, Service
from tests.directory.factories import ServiceFactory, generated_directory, listed


class OwnFeed:
    """Another directory's feed, played by keepwell's own /oruk/ through the test client.
    Answers are kept, so the feed can be replayed after the directory is emptied."""

    def __init__(self, client):
        self.client = client
        self.answers: dict[str, object] = {}
        self.asked: list[str] = []

    def get_json(self, url: str):
        self.asked.append(url)
        if url not in self.answers:
            parts = urlsplit(url)
            response = self.client.get(f"{parts.path}?{parts.query}")
            if response.status_code != 200:
                raise oruk.SourceError(f"{url} answered {response.status_code}")
            self.answers[url] = json.loads(response.content)
        return self.answers[url]


def run_import(source: str, feed=None) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    ImportOruk.client = feed
    try:
        call_command("import_oruk", source, per_page=25, stdout=out, stderr=err)
    finally:
        ImportOruk.client = None
    return out.getvalue(), err.getvalue()


def test_a_paged_feed_imports_every_service_once_however_often_it_is_run(client, db):
    made = generated_directory(60)
    feed = OwnFeed(client)
    public = [s for s in made if s.status == Service.Status.PUBLISHED]
    # Read the other directory's feed, then start from an empty directory of our own.
    out, _ = run_import("https://other.example/oruk", feed)
    assert f"0 created, 0 updated, {len(public)} unchanged" in out
    pages = [u for u in feed.asked if "/services?" in u]
    assert len(pages) == 3  # 60 services at 25 a page
    Service.objects.all().delete()
    Organisation.objects.all().delete()

    out, err = run_import("https://other.example/oruk", feed)
    assert f"{len(public)} created, 0 updated, 0 unchanged, 0 skipped" in out
    assert err == ""
    imported = Service.objects.get(uuid=made[1].uuid)
    assert imported.name == made[1].name
    assert imported.organisation.uuid == made[1].organisation.uuid
    assert imported.organisation.kind == made[1].organisation.kind
    assert set(imported.taxonomy_terms.values_list("code", flat=True)) >= set(
        t.code for t in made[1].taxonomy_terms.all()
    )

    out, _ = run_import("https://other.example/oruk", feed)
    assert f"0 created, 0 updated, {len(public)} unchanged" in out
    assert Service.objects.count() == len(public)


def test_invalid_records_in_a_file_are_reported_one_by_one_and_the_rest_import(tmp_path, db):
    good, other = generated_directory(2)
    document = oruk.export_document(Service.objects.order_by("name"))
    records = document["contents"]
    Service.objects.all().delete()
    broken_id = dict(records[0], id="not-a-uuid")
    no_name = {k: v for k, v in records[1].items() if k != "name"}
    document["contents"] = [broken_id, records[0], "a string", no_name, records[1]]
    path = tmp_path / "directory.json"
    path.write_text(json.dumps(document))

    out, err = run_import(str(path))
    assert "2 created, 0 updated, 0 unchanged, 3 skipped" in out
    lines = err.strip().splitlines()
    assert len(lines) == 3
    assert lines[0].startswith("Skipped record 1 (not-a-uuid): ")
    assert lines[1] == "Skipped record 3: not a JSON object"
    assert lines[2].startswith(f"Skipped record 4 ({records[1]['id']}): ")
    assert "name" in lines[2]
    assert set(Service.objects.values_list("uuid", flat=True)) == {good.uuid, other.uuid}
    # Idempotent by id: the same file again changes nothing and adds nothing.
    out, _ = run_import(str(path))
    assert "0 created, 0 updated, 2 unchanged, 3 skipped" in out
    assert Service.objects.count() == 2


def test_a_changed_record_updates_the_service_and_leaves_history(tmp_path, db):
    service = generated_directory(1)[0]
    record = oruk.export_document(Service.objects.all())["contents"][0]
    record["name"] = "Renamed upstream"
    path = tmp_path / "one.json"
    path.write_text(json.dumps(record))
    out, _ = run_import(str(path))
    assert "0 created, 1 updated" in out
    service.refresh_from_db()
    assert service.name == "Renamed upstream"
    change = ListingChange.objects.filter(service=service).first()
    assert change.action == ListingChange.Action.IMPORT
    assert change.changes["name"][1] == "Renamed upstream"


def test_an_unreadable_source_stops_the_command_saying_why(tmp_path, db):
    with pytest.raises(CommandError, match="could not be read"):
        run_import(str(tmp_path / "missing.json"))
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(CommandError, match="is not JSON"):
        run_import(str(tmp_path / "bad.json"))


def _nothing_written():
    assert not Service.objects.exists() and not Organisation.objects.exists()
    assert not ListingChange.objects.exists()


def test_a_file_that_is_not_utf8_says_so_and_writes_nothing(tmp_path, db):
    generated_directory(1)
    record = oruk.export_document(Service.objects.all())["contents"][0]
    Service.objects.all().delete()
    Organisation.objects.all().delete()
    ListingChange.objects.all().delete()
    path = tmp_path / "latin1.json"
    path.write_bytes(json.dumps([record]).encode()[:-1] + b', "Caf\xe9"]')
    with pytest.raises(CommandError, match=r"is not UTF-8 text \(byte \d+ is 0xe9\)"):
        run_import(str(path))
    _nothing_written()


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("brackets.json", "[" * 100_000 + "]" * 100_000),
        ("deep-extension.json", '{"id": "x", "extension": ' + "[" * 5000 + "]" * 5000 + "}"),
    ],
)
def test_absurd_nesting_is_refused_with_a_reason_not_a_traceback(tmp_path, db, name, text):
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(CommandError, match="nests deeper than 64 levels"):
        run_import(str(path))
    _nothing_written()


def test_one_absurdly_nested_record_refuses_the_whole_file(tmp_path, db):
    generated_directory(1)
    record = oruk.export_document(Service.objects.all())["contents"][0]
    Service.objects.all().delete()
    Organisation.objects.all().delete()
    ListingChange.objects.all().delete()
    deep: list = []
    for _ in range(200):  # deep enough to refuse, shallow enough to parse
        deep = [deep]
    path = tmp_path / "one-deep.json"
    path.write_text(json.dumps([record, dict(record, id=str(uuid.uuid4()), extension=deep)]))
    with pytest.raises(CommandError, match="nests deeper than 64 levels"):
        run_import(str(path))
    _nothing_written()


def test_the_command_line_exits_non_zero_with_a_plain_message(tmp_path):
    path = tmp_path / "bad.json"
    path.write_bytes(b"\xff\xfe[]")
    done = subprocess.run(
        [str(Path(sys.executable).parent / "keepwell"), "import-oruk", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    assert "is not UTF-8 text" in done.stderr


# ---------------------------------------------------------------------------------------
# CSV from the UI


def _csv(rows: list[dict], header: list[str] | None = None) -> SimpleUploadedFile:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header or csvio.COLUMNS, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow(row)
    return SimpleUploadedFile("services.csv", out.getvalue().encode(), content_type="text/csv")


def _row(**fields) -> dict:
    base = dict(csvio.EXAMPLE)
    base.update(fields)
    return base


@pytest.fixture
def venue_postcodes(db):
    from tests.factories import PostcodeLocationFactory

    PostcodeLocationFactory(postcode="WB2 1AB", latitude=53.033, longitude=-1.462)


def test_the_template_downloads_with_every_column_and_an_example(client, db):
    response = client.get("/directory/services-template.csv")
    assert response.status_code == 200
    assert 'filename="keepwell-services-template.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == csvio.COLUMNS
    assert rows[1][csvio.COLUMNS.index("name")] == "Riverside lunch club"


def test_a_coordinator_uploads_a_clean_file_and_every_row_becomes_a_service(
    world, as_user, venue_postcodes
):
    client = as_user(world.sam)
    upload = _csv([_row(), _row(name="Knit and natter", category="social", schedule="")])
    url = f"/directory/organisations/{world.mutual_aid.slug}/services/import/"
    response = client.post(url, {"file": upload})
    assert response.status_code == 302
    names = set(world.mutual_aid.services.values_list("name", flat=True))
    assert names == {"Riverside lunch club", "Knit and natter"}
    lunch = world.mutual_aid.services.get(name="Riverside lunch club")
    assert lunch.cost_pence == 250 and not lunch.is_free
    assert lunch.schedules.count() == 2
    assert lunch.at_locations.get().location.postcode == "WB2 1AB"


def test_a_file_with_bad_rows_imports_nothing_and_names_each_row_and_reason(
    world, as_user, venue_postcodes
):
    client = as_user(world.sam)
    upload = _csv(
        [
            _row(),
            _row(name="", category="social"),
            _row(name="Choir", schedule="Funday 10:00-12:00"),
            _row(name="Walk", postcode="nonsense"),
        ]
    )
    url = f"/directory/organisations/{world.mutual_aid.slug}/services/import/"
    response = client.post(url, {"file": upload})
    assert response.status_code == 400
    assert not world.mutual_aid.services.exists()
    errors = response.context["result"].errors
    assert [number for number, _ in errors] == [3, 4, 5]
    page = response.content.decode()
    assert "nothing was imported" in page
    assert "Enter the name of the service" in page
    assert "is not a day of the week" in page


def test_a_file_with_the_wrong_header_names_the_missing_columns(world, as_user):
    client = as_user(world.sam)
    header = [c for c in csvio.COLUMNS if c not in {"postcode", "category"}] + ["colour"]
    upload = _csv([_row()], header=header)
    url = f"/directory/organisations/{world.mutual_aid.slug}/services/import/"
    response = client.post(url, {"file": upload})
    assert response.status_code == 400
    page = response.content.decode()
    assert "missing columns: category, postcode" in page
    assert "unknown columns: colour" in page
    assert not world.mutual_aid.services.exists()


def _summary(response) -> list[str]:
    return [message for _, message in response.context["form"].error_summary()]


def test_a_name_or_phone_longer_than_a_listing_holds_is_refused_by_row(
    world, as_user, venue_postcodes
):
    client = as_user(world.sam)
    upload = _csv(
        [
            _row(),
            _row(name="N" * 5000),
            _row(name="Choir", phone="0" * 100),
            _row(name="Walk", venue_name="V" * 201),
        ]
    )
    url = f"/directory/organisations/{world.mutual_aid.slug}/services/import/"
    response = client.post(url, {"file": upload})
    assert response.status_code == 400
    summary = _summary(response)
    assert "Row 3: name must be 200 characters or fewer (it has 5,000)" in summary
    assert "Row 4: phone must be 30 characters or fewer (it has 100)" in summary
    assert "Row 5: venue name must be 200 characters or fewer (it has 201)" in summary
    assert not world.mutual_aid.services.exists()


def test_a_field_longer_than_the_csv_module_reads_is_named_by_row_not_a_crash(
    world, as_user, venue_postcodes
):
    upload = _csv([_row(), _row(description="x" * 200_000)])
    url = f"/directory/organisations/{world.mutual_aid.slug}/services/import/"
    response = as_user(world.sam).post(url, {"file": upload})
    assert response.status_code == 400
    assert any(
        m.startswith("Row 3: a field is longer than 131,072 characters") for m in _summary(response)
    )
    assert not world.mutual_aid.services.exists()


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("name,description\nCaf\xe9,x\n".encode("latin-1"), "not saved as UTF-8"),
        (b"\r\n", "The file is empty"),
        (b"\x00\x01\x02", "not a CSV file"),
        (b"colour\nred\n", "missing columns: name, description"),
    ],
)
def test_a_file_that_is_not_a_services_csv_gets_a_plain_error(world, as_user, content, reason):
    upload = SimpleUploadedFile("services.csv", content, content_type="text/csv")
    url = f"/directory/organisations/{world.mutual_aid.slug}/services/import/"
    response = as_user(world.sam).post(url, {"file": upload})
    assert response.status_code == 400
    assert any(reason in m for m in _summary(response)), _summary(response)
    assert not world.mutual_aid.services.exists()


def test_an_export_with_escaped_cells_imports_back_as_typed(world, as_user, venue_postcodes):
    client = as_user(world.sam)
    url = f"/directory/organisations/{world.mutual_aid.slug}/services/import/"
    upload = _csv([_row(name="=Lunch+club", phone="+44 1632 960001")])
    assert client.post(url, {"file": upload}).status_code == 302
    exported = client.get(f"/directory/organisations/{world.mutual_aid.slug}/services.csv")
    assert "'=Lunch+club" in exported.content.decode()
    again = SimpleUploadedFile("services.csv", exported.content, content_type="text/csv")
    assert client.post(url, {"file": again}).status_code == 302
    assert list(world.mutual_aid.services.values_list("name", flat=True)) == ["=Lunch+club"]


def test_an_outsider_cannot_upload_services_for_someone_elses_group(world, as_user):
    client = as_user(world.olly)
    url = f"/directory/organisations/{world.mutual_aid.slug}/services/import/"
    assert client.post(url, {"file": _csv([_row()])}).status_code == 403


# ---------------------------------------------------------------------------------------
# Exports


@pytest.fixture
def listings(db):
    lunch = ServiceFactory(name="Lunch club")
    listed(lunch, "WB2 1AB", 53.033, -1.462)
    refuge = ServiceFactory(name="Safe house", description="A refuge")
    listed(refuge, "WB1 2AB", 53.046, -1.481, confidential=True)
    draft = ServiceFactory(name="Not ready yet", status=Service.Status.DRAFT)
    return lunch, refuge, draft


def test_the_csv_export_lists_published_services_without_a_refuges_address(client, listings):
    lunch, refuge, _ = listings
    response = client.get("/directory/export/services.csv")
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert sorted(r["name"] for r in rows) == sorted([lunch.name, refuge.name])
    safe = next(r for r in rows if r["name"] == "Safe house")
    assert safe["confidential_address"] == "yes"
    assert safe["address_1"] == "" and safe["postcode"] == ""
    assert "WB1 2AB" not in response.content.decode()


def test_the_oruk_export_validates_and_leaves_out_confidential_venues(client, listings):
    response = client.get("/directory/export/oruk.json")
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    document = json.loads(response.content)
    assert document["total_items"] == 2
    check = oruk.validator("service.json")
    for record in document["contents"]:
        assert not list(check.iter_errors(record))
    assert "WB1 2AB" not in response.content.decode()
    assert "Not ready yet" not in response.content.decode()

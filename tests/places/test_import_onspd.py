"""`keepwell import-onspd`: the ONS Postcode Directory becomes the postcode table, all or nothing.

Each test builds its own small file on the real November 2025 header (tests/places/files.py).
"""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, connections

from keepwell.cli import main as keepwell_main
from keepwell.places import importers
from keepwell.places.importers import ImportFailed, import_onspd
from keepwell.places.models import PostcodeLocation
from tests.factories import PostcodeLocationFactory
from tests.places.files import (
    ONSPD_HEADER,
    no_grid,
    onspd_row,
    onspd_text,
    terminated,
    write_onspd,
    zip_onspd,
)

pytestmark = pytest.mark.django_db


def held() -> dict[str, PostcodeLocation]:
    return {p.postcode: p for p in PostcodeLocation.objects.all()}


@pytest.fixture
def demo_postcodes():
    """Two of the Wellbrook demo place's fictional postcodes: no import may touch them."""
    return [
        PostcodeLocationFactory(postcode="WB2 1AB", latitude=53.04, longitude=-1.47, is_demo=True),
        PostcodeLocationFactory(postcode="WB3 1AA", latitude=53.05, longitude=-1.49, is_demo=True),
    ]


@pytest.fixture
def last_month(tmp_path, demo_postcodes):
    """Last month's directory, already imported: LS1 1AA and LS1 1AB."""
    path = write_onspd(tmp_path / "last_month.csv", [onspd_row("LS1 1AA"), onspd_row("LS1 1AB")])
    import_onspd(path)
    return held()


# --- what a good file does ------------------------------------------------------------------


@pytest.mark.parametrize("style", ["ons", "quoted", "bare"])
def test_live_postcodes_are_imported_and_the_others_counted(tmp_path, style):
    path = write_onspd(
        tmp_path / "ONSPD_NOV_2025_UK.csv",
        [
            onspd_row("LS1 1AA"),
            terminated("LS1 1AB"),
            onspd_row("LS1 1AD"),
            no_grid("LS1 1AE"),  # lat 99.999999 and gridind 9
            no_grid("LS1 1AF", lat="", long="", gridind="1"),  # no lat at all
            no_grid("LS1 1AG", lat="53.8", long="-1.5", gridind="9"),  # gridind says so
            no_grid("IM1 1AA", doterm="199912"),  # both: counted as terminated
            onspd_row("SW1A 1AA", lat="51.501009", long="-0.141588"),
        ],
        style=style,
    )

    result = import_onspd(path)

    assert (result.imported, result.skipped_terminated, result.skipped_no_grid) == (3, 2, 3)
    assert result.rows_read == 8
    assert result.rows_per_s > 0
    assert sorted(held()) == ["LS1 1AA", "LS1 1AD", "SW1A 1AA"]


def test_each_postcode_keeps_its_place_lsoa_ward_local_authority_and_icb(tmp_path):
    path = write_onspd(
        tmp_path / "onspd.csv",
        [
            onspd_row(
                "SW1A 1AA",
                lat="51.501009",
                long="-0.141588",
                lsoa21cd="E01004736",
                wd25cd="E05013806",
                lad25cd="E09000033",
                icb23cd="E54000030",
            )
        ],
    )

    import_onspd(path)

    palace = PostcodeLocation.objects.get(postcode="SW1A 1AA")
    assert (palace.latitude, palace.longitude) == (51.501009, -0.141588)
    assert (palace.lsoa, palace.ward, palace.local_authority, palace.icb) == (
        "E01004736",
        "E05013806",
        "E09000033",
        "E54000030",
    )
    assert palace.is_demo is False


def test_a_scottish_postcode_has_no_icb_rather_than_the_pseudo_code(tmp_path):
    """ONSPD writes S99999999 where a postcode is in no ICB (ICBs are English)."""
    path = write_onspd(
        tmp_path / "onspd.csv",
        [onspd_row("AB10 1AA", lat="57.14", long="-2.1", lad25cd="S12000033", icb23cd="S99999999")],
    )

    import_onspd(path)

    aberdeen = PostcodeLocation.objects.get(postcode="AB10 1AA")
    assert aberdeen.icb == ""
    assert aberdeen.local_authority == "S12000033"


def test_postcodes_written_untidily_are_stored_normalised(tmp_path):
    path = write_onspd(tmp_path / "onspd.csv", [onspd_row(" ls11ab "), onspd_row("ls1  1ad")])

    import_onspd(path)

    assert sorted(held()) == ["LS1 1AB", "LS1 1AD"]


def test_every_uk_postcode_format_is_imported(tmp_path):
    formats = ["W1A 0AX", "EC1A 1BB", "AB10 1AA", "B1 1AA", "M1 1AE", "CR2 6XH", "DN55 1PT"]
    write_onspd(tmp_path / "onspd.csv", [onspd_row(pc) for pc in formats])

    assert import_onspd(tmp_path / "onspd.csv").imported == len(formats)
    assert sorted(held()) == sorted(formats)


def test_a_later_release_naming_wards_and_authorities_by_another_year_is_understood(tmp_path):
    header = [
        {"wd25cd": "wd26cd", "lad25cd": "lad26cd", "icb23cd": "icb26cd"}.get(n, n)
        for n in ONSPD_HEADER
    ]
    row = onspd_row("LS1 1AA")
    row.update(wd26cd="E05099999", lad26cd="E08000099", icb26cd="E54000099")
    (tmp_path / "onspd.csv").write_text(onspd_text([row], header=header))

    import_onspd(tmp_path / "onspd.csv")

    leeds = PostcodeLocation.objects.get()
    assert (leeds.ward, leeds.local_authority, leeds.icb) == ("E05099999", "E08000099", "E54000099")


def test_a_byte_order_mark_and_blank_lines_do_not_matter(tmp_path):
    text = onspd_text([onspd_row("LS1 1AA"), onspd_row("LS1 1AB")]) + "\r\n\r\n"
    (tmp_path / "onspd.csv").write_text("\ufeff" + text, encoding="utf-8")

    assert import_onspd(tmp_path / "onspd.csv").imported == 2


# --- replace semantics ----------------------------------------------------------------------


def test_reimport_replaces_the_directory_but_keeps_the_demo_places_postcodes(
    tmp_path, last_month, demo_postcodes
):
    """LS1 1AA moved, LS1 1AB was terminated, LS1 1AD is new; the demo place stays as it was."""
    path = write_onspd(
        tmp_path / "this_month.csv",
        [onspd_row("LS1 1AA", lat="53.9"), terminated("LS1 1AB"), onspd_row("LS1 1AD")],
    )

    result = import_onspd(path)

    now = held()
    assert sorted(now) == ["LS1 1AA", "LS1 1AD", "WB2 1AB", "WB3 1AA"]
    assert now["LS1 1AA"].latitude == 53.9
    assert result.demo_kept == 2
    for demo in demo_postcodes:
        kept = now[demo.postcode]
        assert (kept.is_demo, kept.latitude, kept.longitude, kept.pk) == (
            True,
            demo.latitude,
            demo.longitude,
            demo.pk,
        )


def test_the_same_file_twice_leaves_the_same_table(tmp_path, demo_postcodes):
    path = write_onspd(tmp_path / "onspd.csv", [onspd_row("LS1 1AA"), onspd_row("LS1 1AB")])
    import_onspd(path)
    first = {pc: (p.latitude, p.lsoa) for pc, p in held().items()}

    import_onspd(path)

    assert {pc: (p.latitude, p.lsoa) for pc, p in held().items()} == first


@pytest.mark.django_db(transaction=True)
def test_imports_committed_one_after_another_each_replace_the_last(tmp_path):
    """Outside a test's transaction: the temporary load table goes with each commit."""
    import_onspd(write_onspd(tmp_path / "a.csv", [onspd_row("LS1 1AA")]))
    import_onspd(write_onspd(tmp_path / "b.csv", [onspd_row("LS1 1AB")]))

    assert sorted(held()) == ["LS1 1AB"]


def test_the_postcode_tables_indexes_are_all_there_after_an_import(tmp_path, last_month):
    """On SQLite the import drops the secondary indexes and builds them again."""
    before = _indexes()

    import_onspd(write_onspd(tmp_path / "onspd.csv", [onspd_row("LS1 1AD")]))

    assert _indexes() == before
    assert any(cols == ["latitude", "longitude"] for cols in before.values())
    assert any(cols == ["lsoa"] for cols in before.values())


def _indexes() -> dict[str, list[str]]:
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, PostcodeLocation._meta.db_table)
    return {name: c["columns"] for name, c in found.items() if c["index"] or c["unique"]}


# --- files that must be refused -------------------------------------------------------------


def test_a_file_missing_columns_is_refused_naming_them_all(tmp_path, last_month):
    header = [n for n in ONSPD_HEADER if n not in {"lat", "icb23cd", "wd25cd"}]
    (tmp_path / "onspd.csv").write_text(onspd_text([onspd_row("LS1 1AD")], header=header))

    with pytest.raises(ImportFailed) as failed:
        import_onspd(tmp_path / "onspd.csv")

    assert failed.value.missing_columns == ["lat", "wd25cd", "icb23cd"]
    assert "missing columns lat, wd25cd, icb23cd" in str(failed.value)
    assert held().keys() == last_month.keys()


def test_a_bad_row_is_reported_by_number_and_reason_and_nothing_changes(tmp_path, last_month):
    path = write_onspd(
        tmp_path / "onspd.csv",
        [
            onspd_row("LS1 1AD"),  # row 2 (the header is row 1)
            onspd_row("LS1 1AE", lat="fifty-three"),  # row 3
            terminated("LS1 1AF", lat="junk"),  # terminated rows are not read further
            onspd_row("LS1 1AG"),
        ],
    )

    with pytest.raises(ImportFailed) as failed:
        import_onspd(path)

    assert failed.value.reasons == [
        "row 3: lat 'fifty-three' and long '-1.548567' must both be numbers"
    ]
    assert failed.value.bad_row_count == 1
    assert held() == last_month
    assert {p.latitude for p in held().values()} == {p.latitude for p in last_month.values()}


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        (
            onspd_row("LS1 1CA"),
            "postcode 'LS1 1CA' is not valid: The last two letters of a postcode never include "
            "C, I, K, M, O or V",
        ),
        (onspd_row(""), "postcode '' is not valid: Enter a postcode"),
        (onspd_row("LS1 1AA", long=""), "lat '53.801277' and long '' must both be numbers"),
        (onspd_row("LS1 1AA", lat="nan"), "lat 'nan', long '-1.548567' is not a place on Earth"),
        (
            onspd_row("LS1 1AA", long="181.5"),
            "lat '53.801277', long '181.5' is not a place on Earth",
        ),
        (
            onspd_row("LS1 1AA", lsoa21cd="E01033010X"),
            "LSOA code 'E01033010X' is not an ONS code (up to 9 letters and digits)",
        ),
        (
            onspd_row("LS1 1AA", wd25cd="E05\t11426"),
            "ward code 'E05\\t11426' is not an ONS code (up to 9 letters and digits)",
        ),
    ],
)
def test_each_kind_of_malformed_row_says_what_is_wrong(tmp_path, row, reason):
    path = write_onspd(tmp_path / "onspd.csv", [onspd_row("LS1 1AB"), row])

    with pytest.raises(ImportFailed) as failed:
        import_onspd(path)

    assert failed.value.reasons == [f"row 3: {reason}"]
    assert not PostcodeLocation.objects.exists()


def test_a_row_with_too_few_values_is_a_bad_row(tmp_path):
    text = onspd_text([onspd_row("LS1 1AA")]) + '"LS1 1AB","LS1  1AB"\r\n'
    (tmp_path / "onspd.csv").write_text(text)

    with pytest.raises(ImportFailed) as failed:
        import_onspd(tmp_path / "onspd.csv")

    assert failed.value.reasons == ["row 3: has 2 values where the header has 53"]


def test_a_postcode_twice_in_the_file_is_a_bad_row(tmp_path, last_month):
    path = write_onspd(
        tmp_path / "onspd.csv",
        [onspd_row("LS1 1AD"), onspd_row("LS1 1AE"), onspd_row("ls1 1ad"), onspd_row("LS1 1AF")],
    )

    with pytest.raises(ImportFailed) as failed:
        import_onspd(path)

    [reason] = failed.value.reasons
    assert reason.startswith("row 4: postcode LS1 1AD appears more than once")
    assert held() == last_month


def test_a_real_postcode_may_not_take_over_a_demo_one(tmp_path, demo_postcodes):
    path = write_onspd(tmp_path / "onspd.csv", [onspd_row("LS1 1AA"), onspd_row("WB2 1AB")])

    with pytest.raises(ImportFailed) as failed:
        import_onspd(path)

    assert failed.value.reasons == [
        "row 3: postcode WB2 1AB is one of the demo place's, which an import never replaces"
    ]
    assert PostcodeLocation.objects.get(postcode="WB2 1AB").is_demo


def test_every_bad_row_is_counted_and_the_first_thousand_kept(tmp_path, last_month):
    rows = [onspd_row("LS1 1AD")] + [onspd_row("LS1 1AE", lat="x")] * 1205
    path = write_onspd(tmp_path / "onspd.csv", rows)

    with pytest.raises(ImportFailed) as failed:
        import_onspd(path)

    assert failed.value.bad_row_count == 1205
    assert len(failed.value.bad_rows) == importers.KEEP_BAD_ROWS
    assert failed.value.bad_rows[0].row == 3
    report = failed.value.report(limit=20).splitlines()
    assert report[0].startswith("1,205 bad rows in the file: nothing was imported")
    assert report[1] == "  row 3: lat 'x' and long '-1.548567' must both be numbers"
    assert len(report) == 1 + 20 + 1
    assert report[-1] == "  … and 1,185 more bad rows"
    assert held() == last_month


def test_a_file_with_no_live_postcodes_changes_nothing(tmp_path, last_month):
    """Replacing the whole directory with nothing is never what anyone meant."""
    path = write_onspd(tmp_path / "onspd.csv", [terminated("LS1 1AD"), no_grid("LS1 1AE")])

    with pytest.raises(ImportFailed, match="no live postcodes"):
        import_onspd(path)

    assert held() == last_month


@pytest.mark.parametrize("content", [b"", b"\xff\xfe\x00not text"])
def test_an_empty_or_unreadable_file_is_refused(tmp_path, content, last_month):
    (tmp_path / "onspd.csv").write_bytes(content)

    with pytest.raises(ImportFailed):
        import_onspd(tmp_path / "onspd.csv")

    assert held() == last_month


def test_a_file_that_is_not_utf8_halfway_through_is_refused(tmp_path, last_month):
    text = onspd_text([onspd_row("LS1 1AD")] * 1)
    bad = onspd_text([onspd_row("LS1 1AE", lsoa21cd="E0103301\xe9")]).split("\r\n", 1)[1]
    (tmp_path / "onspd.csv").write_bytes(text.encode() + bad.encode("latin-1"))

    with pytest.raises(ImportFailed, match="not UTF-8"):
        import_onspd(tmp_path / "onspd.csv")

    assert held() == last_month


def test_a_missing_file_is_refused_with_its_name(tmp_path):
    with pytest.raises(ImportFailed, match="Cannot read .*nowhere.csv"):
        import_onspd(tmp_path / "nowhere.csv")


# --- zips and file objects ------------------------------------------------------------------


def test_the_zip_as_downloaded_is_read_from_its_data_folder(tmp_path):
    text = onspd_text([onspd_row("LS1 1AA"), terminated("LS1 1AB"), onspd_row("LS1 1AD")])
    path = zip_onspd(tmp_path / "ONSPD_NOV_2025.zip", text)

    result = import_onspd(path)

    assert (result.imported, result.skipped_terminated) == (2, 1)
    assert sorted(held()) == ["LS1 1AA", "LS1 1AD"]


def test_a_zip_without_the_directory_csv_is_refused(tmp_path):
    path = zip_onspd(tmp_path / "other.zip", onspd_text([onspd_row("LS1 1AA")]), member="a.csv")

    with pytest.raises(ImportFailed, match="zip file should hold one data CSV"):
        import_onspd(path)


def test_open_files_are_read_too(tmp_path):
    text = onspd_text([onspd_row("LS1 1AA")])
    zipped = zip_onspd(tmp_path / "onspd.zip", text).read_bytes()

    assert import_onspd(io.StringIO(text)).imported == 1
    assert import_onspd(io.BytesIO(text.encode())).imported == 1
    assert import_onspd(io.BytesIO(zipped)).imported == 1
    with (tmp_path / "onspd.zip").open("rb") as opened:
        assert import_onspd(opened).imported == 1
        assert not opened.closed  # the caller's file is the caller's to close


# --- the command ----------------------------------------------------------------------------


def test_the_command_prints_the_counts_and_the_speed(tmp_path):
    path = write_onspd(
        tmp_path / "onspd.csv", [onspd_row("LS1 1AA"), terminated("LS1 1AB"), no_grid("LS1 1AD")]
    )
    out = io.StringIO()

    call_command("import_onspd", str(path), stdout=out, stderr=io.StringIO())

    printed = out.getvalue()
    assert "Imported 1 postcodes" in printed
    assert "Skipped 1 terminated and 1 without a grid reference" in printed
    assert "rows/s" in printed


def test_the_command_fails_listing_the_bad_rows(tmp_path, last_month):
    rows = [onspd_row("LS1 1AD")] + [onspd_row("LS1 1AE", lat="x")] * 25
    path = write_onspd(tmp_path / "onspd.csv", rows)

    with pytest.raises(CommandError) as failed:
        call_command("import_onspd", str(path))

    message = str(failed.value)
    assert "25 bad rows" in message
    assert "row 3: lat 'x'" in message
    assert "row 22: lat 'x'" in message
    assert "row 23:" not in message
    assert "… and 5 more bad rows" in message
    assert held() == last_month


def test_keepwell_import_onspd_with_a_hyphen_is_the_same_command(tmp_path, capsys, monkeypatch):
    path = write_onspd(tmp_path / "onspd.csv", [onspd_row("LS1 1AA")])
    # A command run from the command line closes every connection when it ends; on
    # PostgreSQL that would end the test's own transaction before we can look.
    monkeypatch.setattr(connections, "close_all", lambda: None)

    keepwell_main(["keepwell", "import-onspd", str(path), "--verbosity", "0"])

    assert "Imported 1 postcodes" in capsys.readouterr().out
    assert list(held()) == ["LS1 1AA"]


def test_the_command_reports_progress_on_a_long_file(tmp_path, monkeypatch):
    monkeypatch.setattr(importers, "PROGRESS_EVERY", 2)
    path = write_onspd(tmp_path / "onspd.csv", [onspd_row(f"LS1 1A{u}") for u in "ABDEF"])
    err = io.StringIO()

    call_command("import_onspd", str(path), stdout=io.StringIO(), stderr=err)

    assert err.getvalue().splitlines() == ["… 2 rows read", "… 4 rows read"]

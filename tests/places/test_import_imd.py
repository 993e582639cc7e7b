"""`keepwell import-imd`: IMD 2019 (File 7) becomes the deprivation decile of each LSOA."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.management import CommandError, call_command

from keepwell.places.importers import ImportFailed, import_imd
from keepwell.places.models import Deprivation
from tests.factories import PostcodeLocationFactory
from tests.places.files import IMD_HEADER, imd_row, write_imd

pytestmark = pytest.mark.django_db

CITY_OF_LONDON = imd_row("E01000001", "City of London 001A", 29199, 9)
LEEDS_MOST_DEPRIVED = imd_row("E01011365", "Leeds 111B", 4, 1)
HARTLEPOOL = imd_row("E01011949", "Hartlepool 001A", 5266, 2)


def deciles() -> dict[str, int]:
    return dict(Deprivation.objects.values_list("lsoa", "imd_decile"))


@pytest.fixture
def last_year(tmp_path):
    import_imd(write_imd(tmp_path / "last_year.csv", [CITY_OF_LONDON, HARTLEPOOL]))
    return deciles()


@pytest.fixture
def demo_deprivation():
    """The demo place's made-up LSOA, used by a demo postcode, with its own decile."""
    PostcodeLocationFactory(postcode="WB2 1AB", lsoa="E01999201", is_demo=True)
    return Deprivation.objects.create(
        lsoa="E01999201", lsoa_name="Wellbrook 001A", imd_rank=1200, imd_decile=1
    )


def test_each_lsoa_gets_its_rank_decile_and_name(tmp_path):
    path = write_imd(tmp_path / "File_7.csv", [CITY_OF_LONDON, LEEDS_MOST_DEPRIVED])

    result = import_imd(path)

    assert (result.imported, result.rows_read) == (2, 2)
    leeds = Deprivation.objects.get(lsoa="E01011365")
    assert (leeds.lsoa_name, leeds.imd_rank, leeds.imd_decile) == ("Leeds 111B", 4, 1)
    assert deciles() == {"E01000001": 9, "E01011365": 1}


def test_a_file_without_a_byte_order_mark_or_saved_from_a_spreadsheet_reads_the_same(tmp_path):
    rows = [[value + "  " if i == 1 else value for i, value in enumerate(CITY_OF_LONDON)]]
    path = write_imd(tmp_path / "File_7.csv", rows, bom=False)

    import_imd(path)

    assert Deprivation.objects.get().lsoa_name == "City of London 001A"


def test_the_2025_release_with_2021_lsoa_codes_is_accepted(tmp_path):
    header = [h.replace("(2011)", "(2021)") for h in IMD_HEADER]

    import_imd(write_imd(tmp_path / "File_7_2025.csv", [LEEDS_MOST_DEPRIVED], header=header))

    assert deciles() == {"E01011365": 1}


def test_a_new_year_replaces_last_years_deciles(tmp_path, last_year):
    hartlepool_better = imd_row("E01011949", "Hartlepool 001A", 9000, 3)

    import_imd(write_imd(tmp_path / "this_year.csv", [hartlepool_better, LEEDS_MOST_DEPRIVED]))

    assert deciles() == {"E01011949": 3, "E01011365": 1}


def test_the_demo_places_deprivation_is_kept(tmp_path, demo_deprivation, last_year):
    result = import_imd(write_imd(tmp_path / "File_7.csv", [LEEDS_MOST_DEPRIVED]))

    assert result.demo_kept == 1
    assert deciles() == {"E01011365": 1, "E01999201": 1}
    assert Deprivation.objects.get(lsoa="E01999201").pk == demo_deprivation.pk


def test_a_file_missing_columns_is_refused_naming_them(tmp_path, last_year):
    header = [h for h in IMD_HEADER if "Decile (where 1 is most deprived 10%" not in h]
    header = [h for h in header if h != "LSOA code (2011)"] + ["Income Decile (where 1 is most"]
    path = tmp_path / "File_7.csv"
    path.write_text(",".join(f'"{h}"' for h in header) + "\n")

    with pytest.raises(ImportFailed) as failed:
        import_imd(path)

    assert failed.value.missing_columns == [
        "LSOA code (2011)",
        "Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs)",
    ]
    assert "'LSOA code (2011)'" in str(failed.value)
    assert deciles() == last_year


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        (imd_row("", "Nowhere", 10, 1), "the LSOA code is empty"),
        (
            imd_row("E01000001 X", "City", 10, 1),
            "LSOA code 'E01000001 X' is not an ONS code (up to 9 letters and digits)",
        ),
        (imd_row("E01000002", "x" * 101, 10, 1), "the LSOA name is longer than 100 characters"),
        (
            imd_row("E01000002", "City", "ten", 1),
            "the IMD rank 'ten' is not a whole number of 1 or more",
        ),
        (imd_row("E01000002", "City", 0, 1), "the IMD rank '0' is not a whole number of 1 or more"),
        (
            imd_row("E01000002", "City", 10, 11),
            "the IMD decile '11' is not a whole number from 1 to 10",
        ),
        (
            imd_row("E01000002", "City", 10, ""),
            "the IMD decile '' is not a whole number from 1 to 10",
        ),
        (
            imd_row("E01000001", "City again", 10, 1),
            "LSOA E01000001 appears more than once (first on row 2)",
        ),
        (["E01000002", "City"], "has 2 values where the header has 10"),
    ],
)
def test_a_bad_row_is_reported_by_number_and_reason_and_nothing_changes(
    tmp_path, last_year, row, reason
):
    path = write_imd(tmp_path / "File_7.csv", [CITY_OF_LONDON, row, LEEDS_MOST_DEPRIVED])

    with pytest.raises(ImportFailed) as failed:
        import_imd(path)

    assert failed.value.reasons == [f"row 3: {reason}"]
    assert deciles() == last_year


def test_a_real_lsoa_may_not_take_over_the_demo_places(tmp_path, demo_deprivation):
    path = write_imd(tmp_path / "File_7.csv", [imd_row("E01999201", "Real", 4, 1)])

    with pytest.raises(ImportFailed) as failed:
        import_imd(path)

    assert failed.value.reasons == [
        "row 2: LSOA E01999201 is one of the demo place's, which an import never replaces"
    ]


def test_a_file_with_only_a_header_changes_nothing(tmp_path, last_year):
    with pytest.raises(ImportFailed, match="no LSOAs"):
        import_imd(write_imd(tmp_path / "File_7.csv", []))
    assert deciles() == last_year


def test_a_zip_holding_the_csv_is_read(tmp_path):
    csv_path = write_imd(tmp_path / "File_7.csv", [CITY_OF_LONDON])
    zipped = tmp_path / "File_7.zip"
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.write(csv_path, "File_7_-_All_IoD2019_Scores.csv")

    assert import_imd(zipped).imported == 1


def test_the_command_prints_how_many_lsoas(tmp_path):
    path = write_imd(tmp_path / "File_7.csv", [CITY_OF_LONDON, LEEDS_MOST_DEPRIVED])
    out = io.StringIO()

    call_command("import_imd", str(path), stdout=out)

    assert "Imported 2 LSOAs" in out.getvalue()
    assert "rows/s" in out.getvalue()


def test_the_command_fails_listing_the_bad_rows(tmp_path, last_year):
    path = write_imd(tmp_path / "File_7.csv", [CITY_OF_LONDON, imd_row("E01000009", "X", 1, 0)])

    with pytest.raises(CommandError, match="row 3: the IMD decile '0'"):
        call_command("import_imd", str(path))
    assert deciles() == last_year

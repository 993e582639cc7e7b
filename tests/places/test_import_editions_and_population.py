"""IMD 2025 beside 2019, with domain deciles; and LSOA populations for rates per 1,000."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import CommandError, call_command

from keepwell.places.importers import ImportFailed, import_imd
from keepwell.places.models import Deprivation, Population
from keepwell.places.population import import_population

pytestmark = pytest.mark.django_db

DOMAINS = [
    "Income",
    "Employment",
    "Education, Skills and Training",
    "Health Deprivation and Disability",
    "Crime",
    "Barriers to Housing and Services",
    "Living Environment",
]


def file7_header(lsoa_year: str) -> list[str]:
    """File 7 as published: the IMD and each domain's score, rank and decile."""
    la_year = "2024" if lsoa_year == "2021" else "2019"
    header = [
        f"LSOA code ({lsoa_year})",
        f"LSOA name ({lsoa_year})",
        f"Local Authority District code ({la_year})",
        f"Local Authority District name ({la_year})",
        "Index of Multiple Deprivation (IMD) Score",
        "Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived)",
        "Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs)",
    ]
    for domain in DOMAINS:
        score = "Score (rate)" if domain in ("Income", "Employment") else "Score"
        header += [
            f"{domain} {score}",
            f"{domain} Rank (where 1 is most deprived)",
            f"{domain} Decile (where 1 is most deprived 10% of LSOAs)",
        ]
    return header


def file7_row(lsoa: str, decile: int, domain_deciles: list[int | str]) -> list[str]:
    row = [lsoa, "Leeds 111B", "E08000035", "Leeds", "40.5", "400", str(decile)]
    for d in domain_deciles:
        row += ["0.3", "500", str(d)]
    return row


def csv_file(tmp_path, name: str, header: list[str], rows: list[list[str]]):
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    path = tmp_path / name
    path.write_text("\ufeff" + out.getvalue(), encoding="utf-8")
    return path


def test_2025_is_kept_beside_2019_each_figure_naming_its_edition(tmp_path):
    import_imd(
        csv_file(tmp_path, "2019.csv", file7_header("2011"), [file7_row("E01011365", 1, [1] * 7)])
    )
    result = import_imd(
        csv_file(
            tmp_path,
            "2025.csv",
            file7_header("2021"),
            [file7_row("E01011365", 2, [1, 2, 3, 4, 5, 6, 7])],
        )
    )

    assert result.edition == 2025
    rows = {d.edition: d for d in Deprivation.objects.filter(lsoa="E01011365")}
    assert rows[2019].imd_decile == 1
    leeds_2025 = rows[2025]
    assert leeds_2025.imd_decile == 2
    assert [
        leeds_2025.income_decile,
        leeds_2025.employment_decile,
        leeds_2025.education_decile,
        leeds_2025.health_decile,
        leeds_2025.crime_decile,
        leeds_2025.housing_decile,
        leeds_2025.living_environment_decile,
    ] == [1, 2, 3, 4, 5, 6, 7]


def test_a_new_2025_file_replaces_only_2025s_rows(tmp_path):
    import_imd(
        csv_file(tmp_path, "2019.csv", file7_header("2011"), [file7_row("E01000001", 9, [9] * 7)])
    )
    header = file7_header("2021")
    import_imd(csv_file(tmp_path, "a.csv", header, [file7_row("E01000001", 8, [8] * 7)]))
    import_imd(csv_file(tmp_path, "b.csv", header, [file7_row("E01033010", 3, [3] * 7)]))

    assert set(Deprivation.objects.values_list("lsoa", "edition", "imd_decile")) == {
        ("E01000001", 2019, 9),
        ("E01033010", 2025, 3),
    }


def test_a_bad_domain_decile_names_its_row_and_imports_nothing(tmp_path):
    header = file7_header("2021")
    rows = [file7_row("E01000001", 8, [8] * 7), file7_row("E01000002", 8, [8, 8, 8, 11, 8, 8, 8])]

    with pytest.raises(ImportFailed) as failed:
        import_imd(csv_file(tmp_path, "bad.csv", header, rows))

    assert failed.value.reasons == [
        "row 3: the health deprivation and disability decile '11' is not a whole number "
        "from 1 to 10"
    ]
    assert not Deprivation.objects.exists()


def test_a_file_without_some_domains_leaves_those_blank(tmp_path):
    keep = [not h.startswith("Crime") for h in file7_header("2021")]
    header = [h for h, k in zip(file7_header("2021"), keep, strict=True) if k]
    row = [v for v, k in zip(file7_row("E01000001", 8, [8] * 7), keep, strict=True) if k]

    result = import_imd(csv_file(tmp_path, "partial.csv", header, [row]))

    assert "crime_decile" not in result.domains
    held = Deprivation.objects.get()
    assert (held.crime_decile, held.income_decile) == (None, 8)


# --- population -----------------------------------------------------------------------------

MID_YEAR = ["LAD 2021 Code", "LAD 2021 Name", "LSOA 2021 Code", "LSOA 2021 Name", "Total", "F0"]
TS001 = [
    "date",
    "geography",
    "geography code",
    "Residence type: Total; measures: Value",
    "Residence type: Lives in a household; measures: Value",
    "Residence type: Lives in a communal establishment; measures: Value",
]


def test_mid_year_estimates_give_each_lsoa_its_residents(tmp_path):
    rows = [
        ["E08000035", "Leeds", "E01011365", "Leeds 111B", "1,734", "12"],
        ["E08000035", "Leeds", "E01033010", "Leeds 111C", "1502", "9"],
    ]

    result = import_population(csv_file(tmp_path, "mye.csv", MID_YEAR, rows), year=2023)

    assert (result.imported, result.residents) == (2, 3236)
    assert set(Population.objects.values_list("lsoa", "residents", "year")) == {
        ("E01011365", 1734, 2023),
        ("E01033010", 1502, 2023),
    }


def test_census_2021_ts001_reads_its_year_from_the_date_column(tmp_path):
    rows = [["2021", "Leeds 111B", "E01011365", "1650", "1600", "50"]]

    import_population(csv_file(tmp_path, "ts001.csv", TS001, rows))

    person = Population.objects.get()
    assert (person.residents, person.year, person.source) == (1650, 2021, "Census 2021 (TS001)")


def test_a_bad_population_file_names_each_bad_row_and_keeps_what_was_there(tmp_path):
    Population.objects.create(lsoa="E01000001", residents=1500, year=2021)
    rows = [
        ["2021", "a", "E01011365", "1650", "1600", "50"],
        ["2021", "b", "E01011366", "lots", "1600", "50"],
        ["2021", "c", "E01011365", "1650", "1600", "50"],
    ]

    with pytest.raises(ImportFailed) as failed:
        import_population(csv_file(tmp_path, "bad.csv", TS001, rows))

    assert failed.value.reasons == [
        "row 3: the population 'lots' is not a whole number",
        "row 4: LSOA E01011365 appears more than once (first on row 2)",
    ]
    assert list(Population.objects.values_list("lsoa", flat=True)) == ["E01000001"]


def test_a_file_without_the_columns_says_which_are_missing(tmp_path):
    with pytest.raises(ImportFailed) as failed:
        import_population(csv_file(tmp_path, "x.csv", ["code", "people"], [["E01", "3"]]))

    assert failed.value.missing_columns == ["LSOA 2021 Code", "Total"]


def test_the_command_asks_for_the_year_when_the_file_has_none(tmp_path):
    path = csv_file(tmp_path, "mye.csv", MID_YEAR, [["E", "L", "E01011365", "L", "1734", "1"]])

    with pytest.raises(CommandError, match="--year"):
        call_command("import_population", str(path))
    call_command("import_population", str(path), "--year", "2022", stdout=io.StringIO())

    assert Population.objects.get().year == 2022

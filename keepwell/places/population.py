"""``keepwell import-population``: how many people live in each LSOA, so figures can be per 1,000.

Two files are read as they are published:

* ONS mid-year population estimates by LSOA ("LSOA 2021 Code", ..., "Total", then one
  column per age), which carry no year: the command is told it (``--year``);
* Census 2021 TS001 ("date", "geography", "geography code", "Residence type: Total;
  measures: Value", ...), whose ``date`` column is the year.

Same discipline as the other national imports: header checked and missing columns named,
every bad row numbered with its reason, and all or nothing: a failed import leaves the
populations already held exactly as they were.
"""

from __future__ import annotations

import csv
import time
from dataclasses import dataclass

from django.db import transaction

from keepwell.places.importers import (
    _CODE,
    ImportFailed,
    Progress,
    Source,
    _Named,
    _read_header,
    _require_columns,
    _rows,
    _Tally,
    open_csv,
)
from keepwell.places.models import Population

POPULATION_COLUMNS = {
    "lsoa": _Named(("LSOA 2021 Code", "LSOA21CD", "geography code", "LSOA code (2021)")),
    "residents": _Named(
        ("Total", "All Ages", "Residence type: Total; measures: Value", "Population"),
        starts="residence type: total",
    ),
}
YEAR_COLUMN = _Named(("date", "year"))
SOURCE_NAME = {True: "Census 2021 (TS001)", False: "ONS mid-year estimates"}


@dataclass(frozen=True, slots=True)
class PopulationImport:
    rows_read: int
    imported: int
    residents: int
    seconds: float


def import_population(
    source: Source, *, year: int | None = None, progress: Progress | None = None
) -> PopulationImport:
    """Replace the LSOA populations with the file's (all or nothing)."""
    started = time.perf_counter()
    tally = _Tally()
    with open_csv(source) as text:
        reader = csv.reader(text)
        header = _read_header(reader)
        found = _require_columns(
            header,
            POPULATION_COLUMNS,
            "the ONS mid-year estimates by LSOA or Census 2021 TS001 for LSOAs",
        )
        year_index = YEAR_COLUMN.find(header)
        if year_index is None and year is None:
            raise ImportFailed(
                "The file has no 'date' column, so say which year it estimates "
                "(--year 2023, say). Nothing was imported."
            )
        lsoa_index, residents_index = found["lsoa"], found["residents"]
        width = len(header)
        seen: dict[str, int] = {}
        new: list[Population] = []
        rows_read = 0
        for row in _rows(reader, tally, progress):
            rows_read += 1
            number = reader.line_num
            if len(row) != width:
                tally.bad(number, f"has {len(row)} values where the header has {width}")
                continue
            lsoa = row[lsoa_index].strip()
            residents = row[residents_index].strip().replace(",", "")
            row_year = row[year_index].strip() if year_index is not None else str(year)
            reason = _problem(lsoa, residents, row_year)
            if reason is None and lsoa in seen:
                reason = f"LSOA {lsoa} appears more than once (first on row {seen[lsoa]})"
            if reason is not None:
                tally.bad(number, reason)
                continue
            seen[lsoa] = number
            if not tally.bad_row_count:
                new.append(
                    Population(
                        lsoa=lsoa,
                        residents=int(residents),
                        year=int(row_year),
                        source=SOURCE_NAME[year_index is not None],
                    )
                )
        tally.fail_if_bad("file")
        if not new:
            raise ImportFailed(
                "The file has no LSOAs: nothing was imported and the populations already "
                "held are unchanged."
            )
        with transaction.atomic():
            Population.objects.all().delete()
            Population.objects.bulk_create(new, batch_size=2000)
    return PopulationImport(
        rows_read=rows_read,
        imported=len(new),
        residents=sum(p.residents for p in new),
        seconds=time.perf_counter() - started,
    )


def _problem(lsoa: str, residents: str, year: str) -> str | None:
    if not lsoa:
        return "the LSOA code is empty"
    if not _CODE.fullmatch(lsoa):
        return f"LSOA code {lsoa!r} is not an ONS code (up to 9 letters and digits)"
    if not (residents.isascii() and residents.isdigit()):
        return f"the population {residents!r} is not a whole number"
    if not (year.isascii() and year.isdigit() and 1991 <= int(year) <= 2100):
        return f"the year {year!r} is not a year like 2021"
    return None

"""Imports of national data: the ONS Postcode Directory and the English Indices of Deprivation.

LSOA populations (``keepwell import-population``) are read by :mod:`keepwell.places.population`
with the same helpers.

Both follow one discipline (STYLE.md habit 6): check the header first and name every missing
column; read the file as a stream; report the row number and reason of every bad row; load
in bulk; and swap the new rows in within one transaction, so that a failed import leaves the
old data exactly as it was and a successful one leaves exactly the file's rows (plus the demo
place's own, which an import never touches).

Row numbers count the header as row 1, so they are the line numbers an editor shows and the
row numbers a spreadsheet shows.

The functions take a path or an open file (text or binary; plain CSV or a zip holding it)
and return a result, or raise :class:`ImportFailed` with the reasons; the management
commands ``import_onspd`` and ``import_imd`` only print what these return.
"""

from __future__ import annotations

import csv
import io
import operator
import os
import re
import time
import zipfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import IO, Any

from django.db import IntegrityError, connection, transaction

from keepwell.places.models import Deprivation, PostcodeLocation
from keepwell.places.postcodes import NORMALISED, InvalidPostcode, normalise

Source = str | os.PathLike[str] | IO[str] | IO[bytes]
Progress = Callable[[int], None]

# Bad rows kept with their reasons; beyond this only the count goes on.
KEEP_BAD_ROWS = 1000
PROGRESS_EVERY = 250_000
_ZIP_MAGIC = b"PK\x03\x04"


@dataclass(frozen=True, slots=True)
class BadRow:
    row: int
    reason: str

    def __str__(self) -> str:
        return f"row {self.row}: {self.reason}"


class ImportFailed(Exception):
    """Nothing was imported. ``summary`` says why; ``bad_rows`` lists the first bad rows.

    ``bad_row_count`` counts every bad row, including those beyond the ones kept.
    """

    def __init__(
        self,
        summary: str,
        *,
        missing_columns: Iterable[str] = (),
        bad_rows: Iterable[BadRow] = (),
        bad_row_count: int = 0,
    ) -> None:
        self.summary = summary
        self.missing_columns = list(missing_columns)
        self.bad_rows = list(bad_rows)
        self.bad_row_count = max(bad_row_count, len(self.bad_rows))
        super().__init__(summary)

    @property
    def reasons(self) -> list[str]:
        return [str(bad) for bad in self.bad_rows]

    def report(self, limit: int = 20) -> str:
        """The summary and up to ``limit`` bad rows, saying how many more there are."""
        lines = [self.summary]
        lines += [f"  {bad}" for bad in self.bad_rows[:limit]]
        more = self.bad_row_count - min(limit, len(self.bad_rows))
        if more > 0:
            lines.append(f"  … and {more:,} more bad row{'s' if more != 1 else ''}")
        return "\n".join(lines)


class _Tally:
    """Bad rows as they are found: the first KEEP_BAD_ROWS with reasons, then a count."""

    def __init__(self) -> None:
        self.bad_rows: list[BadRow] = []
        self.bad_row_count = 0

    def bad(self, row: int, reason: str) -> None:
        self.bad_row_count += 1
        if len(self.bad_rows) < KEEP_BAD_ROWS:
            self.bad_rows.append(BadRow(row, reason))

    def fail_if_bad(self, what: str) -> None:
        if self.bad_row_count:
            self.bad_rows.sort(key=operator.attrgetter("row"))
            n = self.bad_row_count
            raise ImportFailed(
                f"{n:,} bad row{'s' if n != 1 else ''} in the {what}: nothing was imported "
                "and the data already held is unchanged.",
                bad_rows=self.bad_rows,
                bad_row_count=n,
            )


# --- opening files --------------------------------------------------------------------------


@contextmanager
def open_csv(source: Source, *, zip_member: re.Pattern[str] | None = None) -> Iterator[IO[str]]:
    """``source`` as UTF-8 text (a BOM is dropped), opening a zip and the CSV inside it.

    In a zip, the one member whose name matches ``zip_member`` is read (or the only CSV).
    """
    with ExitStack() as stack:
        if isinstance(source, str | os.PathLike):
            try:
                binary: IO[bytes] = stack.enter_context(open(source, "rb"))  # noqa: SIM115
            except OSError as exc:
                raise ImportFailed(f"Cannot read {os.fspath(source)}: {exc.strerror}") from exc
        elif isinstance(source, io.TextIOBase):
            yield source  # type: ignore[misc]
            return
        else:
            binary = source  # type: ignore[assignment]
        if _is_zip(binary):
            try:
                archive = stack.enter_context(zipfile.ZipFile(binary))
            except zipfile.BadZipFile as exc:
                raise ImportFailed(f"The zip file cannot be read: {exc}") from exc
            binary = stack.enter_context(archive.open(_pick_member(archive, zip_member)))
        text = io.TextIOWrapper(binary, encoding="utf-8-sig", newline="")  # type: ignore[type-var]
        try:
            yield text
        finally:
            text.detach()  # the ExitStack closes what this wrapped


def _is_zip(binary: IO[bytes]) -> bool:
    if not binary.seekable():
        return False
    start = binary.tell()
    magic = binary.read(4)
    binary.seek(start)
    return magic == _ZIP_MAGIC


def _pick_member(archive: zipfile.ZipFile, pattern: re.Pattern[str] | None) -> str:
    names = [n for n in archive.namelist() if not n.endswith("/")]
    csvs = [n for n in names if n.lower().endswith(".csv")]
    chosen = [n for n in csvs if pattern and pattern.search(n)] or (csvs if len(csvs) == 1 else [])
    if len(chosen) == 1:
        return chosen[0]
    listing = ", ".join(csvs[:10]) or "none"
    raise ImportFailed(
        f"The zip file should hold one data CSV but it holds {len(chosen) or len(csvs)} "
        f"that could be it (CSV files: {listing})"
    )


def _read_header(reader: Iterator[list[str]]) -> list[str]:
    try:
        header = next(reader)
    except StopIteration:
        raise ImportFailed("The file is empty: it has no header row.") from None
    except UnicodeDecodeError as exc:
        raise ImportFailed(f"The file is not UTF-8 text ({exc.reason}).") from None
    except csv.Error as exc:
        raise ImportFailed(f"The header row cannot be read: {exc}") from None
    return [" ".join(name.split()).lower() for name in header]


def _rows(reader: Any, tally: _Tally, progress: Progress | None) -> Iterator[list[str]]:
    """The data rows, past blank lines; a row the CSV reader cannot read becomes a bad row."""
    count = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except UnicodeDecodeError as exc:
            # The decoder reads ahead, so the line is only roughly known.
            tally.bad(reader.line_num + 1, f"is not UTF-8 text ({exc.reason})")
            raise ImportFailed(
                "The file is not UTF-8 text: nothing was imported.",
                bad_rows=tally.bad_rows,
                bad_row_count=tally.bad_row_count,
            ) from None
        except csv.Error as exc:
            tally.bad(reader.line_num, f"cannot be read as CSV ({exc})")
            continue
        if row:
            count += 1
            if progress is not None and count % PROGRESS_EVERY == 0:
                progress(count)
            yield row


# --- ONS Postcode Directory -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OnspdImport:
    rows_read: int
    imported: int
    skipped_terminated: int
    skipped_no_grid: int
    demo_kept: int
    seconds: float

    @property
    def rows_per_s(self) -> float:
        return self.rows_read / self.seconds if self.seconds > 0 else 0.0


@dataclass(frozen=True, slots=True)
class _Column:
    """A column named exactly, or any year of a yearly one (``wd25cd``, ``wd24cd`` …)."""

    name: str
    yearly: re.Pattern[str] | None = None

    def find(self, header: list[str]) -> int | None:
        if self.name in header:
            return header.index(self.name)
        if self.yearly is None:
            return None
        years = [(m.group(1), i) for i, h in enumerate(header) if (m := self.yearly.fullmatch(h))]
        return max(years)[1] if years else None


# The November 2025 names; wards, local authorities and ICBs get a new year's code now and
# then and any year is accepted. The LSOA must be the 2021 one (the model's).
ONSPD_COLUMNS = {
    "postcode": _Column("pcds"),
    "doterm": _Column("doterm"),
    "lat": _Column("lat"),
    "long": _Column("long"),
    "lsoa": _Column("lsoa21cd"),
    "ward": _Column("wd25cd", re.compile(r"wd(\d\d)cd")),
    "local_authority": _Column("lad25cd", re.compile(r"lad(\d\d)cd")),
    "icb": _Column("icb23cd", re.compile(r"icb(\d\d)cd")),
}
GRIDIND = _Column("gridind", re.compile(r"(osgrdind)"))  # optional: lat 99.999999 says as much
NO_GRID_LAT = "99.999999"
ONSPD_ZIP_MEMBER = re.compile(r"(^|/)Data/ONSPD_[^/]*\.csv$", re.IGNORECASE)
_CODE = re.compile(r"[A-Za-z0-9]{0,9}")


def import_onspd(source: Source, *, progress: Progress | None = None) -> OnspdImport:
    """Replace the postcode table with the live postcodes of an ONSPD CSV (or its zip).

    Terminated postcodes (``doterm`` set) and those without a grid reference (lat
    99.999999, gridind 9 or no lat) are skipped and counted. Pseudo codes (``E99999999``:
    "not in any") are stored blank. Rows of the demo place (``is_demo``) are kept.
    """
    started = time.perf_counter()
    tally = _Tally()
    with open_csv(source, zip_member=ONSPD_ZIP_MEMBER) as text:
        reader = csv.reader(text)
        header = _read_header(reader)
        found = {key: col.find(header) for key, col in ONSPD_COLUMNS.items()}
        missing = [ONSPD_COLUMNS[key].name for key, index in found.items() if index is None]
        if missing:
            raise ImportFailed(
                f"The file is missing column{'s' if len(missing) > 1 else ''} "
                f"{', '.join(missing)}: is it the ONS Postcode Directory CSV (Data/ONSPD_*.csv "
                "in the download)? Nothing was imported.",
                missing_columns=missing,
            )
        gridind = GRIDIND.find(header)
        parsed = _OnspdRows(
            _rows(reader, tally, progress),
            reader,
            header,
            found,
            gridind,
            tally,  # type: ignore[arg-type]
        )
        if connection.vendor == "postgresql":
            demo_kept = _load_onspd_postgres(parsed, tally)
        else:
            demo_kept = _load_onspd_sqlite(parsed, tally)
    return OnspdImport(
        rows_read=parsed.rows_read,
        imported=parsed.live,
        skipped_terminated=parsed.terminated,
        skipped_no_grid=parsed.no_grid,
        demo_kept=demo_kept,
        seconds=time.perf_counter() - started,
    )


class _OnspdRows:
    """The live, valid postcodes of the file as tuples; skips and bad rows counted on the way.

    Iterating yields ``(postcode, latitude, longitude, lsoa, ward, local_authority, icb)``;
    ``reader.line_num`` is then the row number of the tuple just yielded. This loop runs
    2.7 million times: it reads only the needed columns (one itemgetter call), keeps
    already-normalised postcodes by one regex match, and creates no object per row beyond
    the tuple.
    """

    def __init__(
        self,
        rows: Iterator[list[str]],
        reader: Any,
        header: list[str],
        found: dict[str, int],
        gridind: int | None,
        tally: _Tally,
    ) -> None:
        self._rows = rows
        self.reader = reader
        self._width = len(header)
        self._found = found
        self._gridind = gridind
        self._tally = tally
        self.rows_read = self.live = self.terminated = self.no_grid = 0

    def __iter__(self) -> Iterator[tuple[str, float, float, str, str, str, str]]:
        keys = ["postcode", "doterm", "lat", "long", "lsoa", "ward", "local_authority", "icb"]
        indices = [self._found[k] for k in keys]
        # Without a gridind column, read the postcode twice: the unpacking stays the same.
        indices.append(self._gridind if self._gridind is not None else self._found["postcode"])
        pick = operator.itemgetter(*indices)
        width, reader, bad = self._width, self.reader, self._tally.bad
        fast_postcode, code = NORMALISED.fullmatch, _CODE.fullmatch
        no_grid_lat = NO_GRID_LAT
        pseudo = "99999999"
        read = terminated = no_grid = live = 0
        try:
            for row in self._rows:
                read += 1
                if len(row) != width:
                    bad(reader.line_num, f"has {len(row)} values where the header has {width}")
                    continue
                pc, doterm, lat, lon, lsoa, ward, lad, icb, grid = pick(row)
                if doterm:
                    terminated += 1
                    continue
                if grid == "9" or lat == no_grid_lat or not lat:
                    no_grid += 1
                    continue
                if not fast_postcode(pc):
                    try:
                        pc = normalise(pc)
                    except InvalidPostcode as exc:
                        bad(reader.line_num, f"postcode {pc!r} is not valid: {exc}")
                        continue
                try:
                    latitude = float(lat)
                    longitude = float(lon)
                except ValueError:
                    bad(reader.line_num, f"lat {lat!r} and long {lon!r} must both be numbers")
                    continue
                if not (-90.0 <= latitude <= 90.0 and -180.0 <= longitude <= 180.0):
                    bad(reader.line_num, f"lat {lat!r}, long {lon!r} is not a place on Earth")
                    continue
                if not (code(lsoa) and code(ward) and code(lad) and code(icb)):
                    bad(reader.line_num, _bad_code(lsoa, ward, lad, icb))
                    continue
                # Pseudo codes ("S99999999" for a Scottish postcode's ICB) mean "in none".
                if lsoa[1:] == pseudo:
                    lsoa = ""
                if ward[1:] == pseudo:
                    ward = ""
                if lad[1:] == pseudo:
                    lad = ""
                if icb[1:] == pseudo:
                    icb = ""
                live += 1
                yield pc, latitude, longitude, lsoa, ward, lad, icb
        finally:
            self.rows_read, self.live = read, live
            self.terminated, self.no_grid = terminated, no_grid


def _bad_code(lsoa: str, ward: str, lad: str, icb: str) -> str:
    for name, value in (("LSOA", lsoa), ("ward", ward), ("local authority", lad), ("ICB", icb)):
        if not _CODE.fullmatch(value):
            return f"{name} code {value!r} is not an ONS code (up to 9 letters and digits)"
    raise AssertionError("no bad code")  # pragma: no cover


_POSTCODE_TABLE = PostcodeLocation._meta.db_table
_LOAD_COLUMNS = "postcode, latitude, longitude, lsoa, ward, local_authority, icb"


def _fail_if_empty(rows: _OnspdRows, tally: _Tally) -> None:
    tally.fail_if_bad("file")
    if rows.live == 0:
        raise ImportFailed(
            f"The file has no live postcodes with a grid reference ({rows.rows_read:,} rows, "
            f"{rows.terminated:,} terminated, {rows.no_grid:,} without a grid reference): "
            "nothing was imported and the postcodes already held are unchanged."
        )


def _demo_clash(postcode: str) -> bool:
    return PostcodeLocation.objects.filter(postcode=postcode, is_demo=True).exists()


def _load_onspd_sqlite(rows: _OnspdRows, tally: _Tally) -> int:
    """Everything in one transaction: delete, insert in big batches, commit or roll back.

    SQLite's transactions include DDL, so the two secondary indexes are dropped and built
    again after the load (a sorted build beats 2.7 million random inserts); readers of the
    WAL database see the old table, indexes and all, until the commit.
    """
    insert = (
        f"INSERT INTO {_POSTCODE_TABLE} ({_LOAD_COLUMNS}, is_demo) "  # noqa: S608
        "VALUES (%s, %s, %s, %s, %s, %s, %s, FALSE)"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
            "AND sql IS NOT NULL",
            [_POSTCODE_TABLE],
        )
        indexes = cursor.fetchall()
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        cursor.execute(f"DELETE FROM {_POSTCODE_TABLE} WHERE NOT is_demo")  # noqa: S608
        cursor.execute(f"SELECT COUNT(*) FROM {_POSTCODE_TABLE}")  # noqa: S608
        demo_kept = cursor.fetchone()[0]
        reader = rows.reader
        batch: list[tuple[Any, ...]] = []
        numbers: list[int] = []
        for row in rows:
            if tally.bad_row_count:
                continue  # nothing will be kept: only look for more bad rows
            batch.append(row)
            numbers.append(reader.line_num)
            if len(batch) == 50_000:
                _insert_batch(cursor, insert, batch, numbers, tally)
                batch, numbers = [], []
        if batch and not tally.bad_row_count:
            _insert_batch(cursor, insert, batch, numbers, tally)
        _fail_if_empty(rows, tally)
        for _, sql in indexes:
            cursor.execute(sql)
    return demo_kept


def _insert_batch(
    cursor: Any, insert: str, batch: list[tuple[Any, ...]], numbers: list[int], tally: _Tally
) -> None:
    try:
        with transaction.atomic():
            cursor.executemany(insert, batch)
    except IntegrityError:
        # A postcode seen before: find which, row by row (rare, so slow is fine).
        for number, values in zip(numbers, batch, strict=True):
            try:
                with transaction.atomic():
                    cursor.execute(insert, values)
            except IntegrityError:
                tally.bad(number, _duplicate_reason(values[0]))


def _duplicate_reason(postcode: str) -> str:
    if _demo_clash(postcode):
        return f"postcode {postcode} is one of the demo place's, which an import never replaces"
    return f"postcode {postcode} appears more than once in the file"


def _load_onspd_postgres(rows: _OnspdRows, tally: _Tally) -> int:
    """COPY into a temporary table, then delete and INSERT … SELECT in the same transaction.

    The COPY streams text in 1 MB pieces and takes most of the time; the postcode table
    is only touched at the end (DELETE, INSERT), so other sessions read the old rows
    throughout and the new ones from the commit: no lock stops a reader at any point.
    """
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE onspd_load ("
            " postcode varchar(8), latitude float8, longitude float8, lsoa varchar(9),"
            " ward varchar(9), local_authority varchar(9), icb varchar(9), row_number bigint"
            ") ON COMMIT DROP"
        )
        reader = rows.reader
        with cursor.copy("COPY onspd_load FROM STDIN") as copy:
            chunk: list[str] = []
            size = 0
            for pc, lat, lon, lsoa, ward, lad, icb in rows:
                if tally.bad_row_count:
                    continue
                # Every value was checked above: no tab, newline or backslash can be in one.
                line = f"{pc}\t{lat!r}\t{lon!r}\t{lsoa}\t{ward}\t{lad}\t{icb}\t{reader.line_num}\n"
                chunk.append(line)
                size += len(line)
                if size > 1_000_000:
                    copy.write("".join(chunk))
                    chunk, size = [], 0
            if chunk and not tally.bad_row_count:
                copy.write("".join(chunk))
        _fail_if_empty(rows, tally)
        cursor.execute(f"DELETE FROM {_POSTCODE_TABLE} WHERE NOT is_demo")  # noqa: S608
        cursor.execute(f"SELECT COUNT(*) FROM {_POSTCODE_TABLE}")  # noqa: S608
        demo_kept = cursor.fetchone()[0]
        try:
            with transaction.atomic():
                cursor.execute(
                    f"INSERT INTO {_POSTCODE_TABLE} ({_LOAD_COLUMNS}, is_demo) "  # noqa: S608
                    f"SELECT {_LOAD_COLUMNS}, FALSE FROM onspd_load"
                )
        except IntegrityError:
            _report_postgres_duplicates(cursor, tally)
            tally.fail_if_bad("file")
            raise
        # ON COMMIT DROP does it at the commit, but inside an outer transaction (a test's)
        # there is none yet and the next import would find the table still there.
        cursor.execute("DROP TABLE onspd_load")
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {_POSTCODE_TABLE}")
    return demo_kept


def _report_postgres_duplicates(cursor: Any, tally: _Tally) -> None:
    cursor.execute(
        "SELECT row_number, postcode, first_row FROM ("
        " SELECT row_number, postcode,"
        "  min(row_number) OVER (PARTITION BY postcode) AS first_row FROM onspd_load"
        ") seen WHERE row_number > first_row ORDER BY row_number LIMIT %s",
        [KEEP_BAD_ROWS],
    )
    for row_number, postcode, first_row in cursor.fetchall():
        tally.bad(
            row_number, f"postcode {postcode} appears more than once (first on row {first_row})"
        )
    cursor.execute(
        f"SELECT l.row_number, l.postcode FROM onspd_load l JOIN {_POSTCODE_TABLE} p"  # noqa: S608
        " ON p.postcode = l.postcode AND p.is_demo ORDER BY l.row_number LIMIT %s",
        [KEEP_BAD_ROWS],
    )
    for row_number, postcode in cursor.fetchall():
        tally.bad(
            row_number,
            f"postcode {postcode} is one of the demo place's, which an import never replaces",
        )


# --- English Indices of Deprivation ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ImdImport:
    rows_read: int
    imported: int
    demo_kept: int
    seconds: float
    edition: int = Deprivation.Edition.IOD2019
    domains: tuple[str, ...] = ()

    @property
    def rows_per_s(self) -> float:
        return self.rows_read / self.seconds if self.seconds > 0 else 0.0


@dataclass(frozen=True, slots=True)
class _Named:
    """A column by its full name (any of ``names``) or by how its name starts."""

    names: tuple[str, ...]
    starts: str | None = None

    def find(self, header: list[str]) -> int | None:
        for name in self.names:
            if name.lower() in header:
                return header.index(name.lower())
        if self.starts:
            for i, h in enumerate(header):
                if h.startswith(self.starts):
                    return i
        return None


def _require_columns(header: list[str], columns: dict[str, _Named], what: str) -> dict[str, int]:
    """Each column's index in ``header``; every missing one named at once, nothing read."""
    found = {key: col.find(header) for key, col in columns.items()}
    missing = [columns[key].names[0] for key, index in found.items() if index is None]
    if missing:
        raise ImportFailed(
            f"The file is missing column{'s' if len(missing) > 1 else ''} "
            f"{', '.join(repr(m) for m in missing)}: is it {what}? Nothing was imported.",
            missing_columns=missing,
        )
    return {key: index for key, index in found.items() if index is not None}


# File 7 of the English Indices of Deprivation (and File 1, which has only the overall
# index). 2019 names its LSOAs "(2011)", 2025 "(2021)": that is how the edition is known.
# The rest of the 2025 header is 2019's (checked against scripts that read the October
# 2025 File 7: "LSOA code (2021)", "Local Authority District code (2024)", then each
# index's "Score", "Rank (where 1 is most deprived)" and "Decile (where 1 is most
# deprived 10% of LSOAs)").
LSOA_2011, LSOA_2021 = "LSOA code (2011)", "LSOA code (2021)"
IMD_COLUMNS = {
    "lsoa": _Named((LSOA_2011, LSOA_2021)),
    "name": _Named(("LSOA name (2011)", "LSOA name (2021)")),
    "rank": _Named(
        ("Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived)",),
        starts="index of multiple deprivation (imd) rank",
    ),
    "decile": _Named(
        ("Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs)",),
        starts="index of multiple deprivation (imd) decile",
    ),
}
# The seven domains' deciles: each optional (File 1 has none); a missing one stays blank.
IMD_DOMAINS = {
    "income_decile": _Named((), starts="income decile"),
    "employment_decile": _Named((), starts="employment decile"),
    "education_decile": _Named((), starts="education, skills and training decile"),
    "health_decile": _Named((), starts="health deprivation and disability decile"),
    "crime_decile": _Named((), starts="crime decile"),
    "housing_decile": _Named((), starts="barriers to housing and services decile"),
    "living_environment_decile": _Named((), starts="living environment decile"),
}
_LSOA_NAME_MAX = Deprivation._meta.get_field("lsoa_name").max_length or 100


def imd_edition(header: list[str]) -> int:
    """The edition a File 7 header belongs to: 2025 on 2021 LSOAs, else 2019."""
    return (
        Deprivation.Edition.IOD2025 if LSOA_2021.lower() in header else Deprivation.Edition.IOD2019
    )


def import_imd(source: Source, *, progress: Progress | None = None) -> ImdImport:
    """Replace one edition's deprivation rows with the deciles of every LSOA in the file.

    The edition (2019 or 2025) comes from the header; the other edition's rows are kept.
    LSOAs that only the demo place's postcodes use keep their rows (real LSOA codes never
    clash with the demo's made-up ones).
    """
    started = time.perf_counter()
    tally = _Tally()
    with open_csv(source) as text:
        reader = csv.reader(text)
        header = _read_header(reader)
        found = _require_columns(
            header,
            IMD_COLUMNS,
            "File 7 (or File 1) of the English Indices of Deprivation 2019 or 2025",
        )
        edition = imd_edition(header)
        domains = {key: col.find(header) for key, col in IMD_DOMAINS.items()}
        domain_index = {k: i for k, i in domains.items() if i is not None}
        pick = operator.itemgetter(*found.values())  # lsoa, name, rank, decile: IMD_COLUMNS' order
        width = len(header)
        with transaction.atomic():
            demo_lsoas = set(
                PostcodeLocation.objects.filter(is_demo=True)
                .exclude(lsoa="")
                .values_list("lsoa", flat=True)
            )
            this_edition = Deprivation.objects.filter(edition=edition)
            kept = this_edition.filter(lsoa__in=demo_lsoas)
            demo_kept = set(kept.values_list("lsoa", flat=True))
            seen: dict[str, int] = {}
            new: list[Deprivation] = []
            rows_read = 0
            for row in _rows(reader, tally, progress):
                rows_read += 1
                number = reader.line_num
                if len(row) != width:
                    tally.bad(number, f"has {len(row)} values where the header has {width}")
                    continue
                lsoa, name, rank, decile = (value.strip() for value in pick(row))
                reason = _imd_row_problem(lsoa, name, rank, decile)
                domain_deciles = {key: row[i].strip() for key, i in domain_index.items()}
                if reason is None:
                    reason = _domain_problem(domain_deciles)
                if reason is None and lsoa in seen:
                    reason = f"LSOA {lsoa} appears more than once (first on row {seen[lsoa]})"
                if reason is None and lsoa in demo_kept:
                    reason = (
                        f"LSOA {lsoa} is one of the demo place's, which an import never replaces"
                    )
                if reason is not None:
                    tally.bad(number, reason)
                    continue
                seen[lsoa] = number
                if not tally.bad_row_count:
                    new.append(
                        Deprivation(
                            lsoa=lsoa,
                            edition=edition,
                            lsoa_name=name,
                            imd_rank=int(rank),
                            imd_decile=int(decile),
                            **{key: int(value) for key, value in domain_deciles.items()},
                        )
                    )
            tally.fail_if_bad("file")
            if not new:
                raise ImportFailed(
                    "The file has no LSOAs: nothing was imported and the deprivation data "
                    "already held is unchanged."
                )
            this_edition.exclude(lsoa__in=demo_kept).delete()
            Deprivation.objects.bulk_create(new, batch_size=2000)
    return ImdImport(
        rows_read=rows_read,
        imported=len(new),
        demo_kept=len(demo_kept),
        seconds=time.perf_counter() - started,
        edition=edition,
        domains=tuple(domain_index),
    )


def _is_decile(value: str) -> bool:
    return value.isascii() and value.isdigit() and 1 <= int(value) <= 10


def _imd_row_problem(lsoa: str, name: str, rank: str, decile: str) -> str | None:
    if not lsoa:
        return "the LSOA code is empty"
    if not _CODE.fullmatch(lsoa):
        return f"LSOA code {lsoa!r} is not an ONS code (up to 9 letters and digits)"
    if len(name) > _LSOA_NAME_MAX:
        return f"the LSOA name is longer than {_LSOA_NAME_MAX} characters"
    if not (rank.isascii() and rank.isdigit() and int(rank) >= 1):
        return f"the IMD rank {rank!r} is not a whole number of 1 or more"
    if not _is_decile(decile):
        return f"the IMD decile {decile!r} is not a whole number from 1 to 10"
    return None


def _domain_problem(deciles: dict[str, str]) -> str | None:
    for key, value in deciles.items():
        if not _is_decile(value):
            what = IMD_DOMAINS[key].starts
            return f"the {what} {value!r} is not a whole number from 1 to 10"
    return None

"""CSV in and out, one way for every file keepwell writes or takes.

Writing: every cell goes through :func:`safe_cell`. Text that starts with ``=``, ``+``,
``-``, ``@``, a tab, a carriage return or a line feed (or their full-width forms) is what a
spreadsheet runs as a formula, so it gets a leading single quote, as the OWASP guidance on
CSV injection asks. Numbers that keepwell itself computed (``int``, ``float``,
``Decimal``) stay numbers, ``-3.5`` included, so a numeric column still sums: a Python
number prints as digits, a sign, a point and an exponent, never as a formula. Text that
merely looks like a number (a typed ``-3.5``) is text, and is escaped.

Reading an upload: :func:`decode_upload` turns the bytes into text or says plainly why it
cannot; :func:`read_rows` checks the header and yields each row with its number, turning
a field longer than the csv module allows into a :class:`CsvProblem` that names the row.
:func:`too_long` checks a value against its model field's ``max_length``, so the limit a
row is held to is the one the database holds it to.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal

# What a spreadsheet takes as the start of a formula (OWASP "CSV Injection"), with the
# full-width forms some spreadsheets fold to them.
DANGEROUS_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")

MAX_UPLOAD_BYTES = 5 * 1024 * 1024


class CsvProblem(ValueError):
    """The file cannot be read; ``str(exc)`` says why in words for the person uploading."""

    def __init__(self, message: str, row: int | None = None):
        self.row = row
        self.reason = message
        super().__init__(f"Row {row}: {message}" if row else message)


# ---------------------------------------------------------------------------------------
# Writing


def safe_cell(value) -> str | int | float | Decimal:
    """The value as a spreadsheet may safely read it (see the module's docstring)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return value
    if isinstance(value, float | Decimal) and math.isfinite(value):
        return value
    text = str(value)
    return "'" + text if text.startswith(DANGEROUS_STARTS) else text


def is_safe_cell(text: str) -> bool:
    """Whether a cell as written can be opened in a spreadsheet without running anything:
    the test every export is walked with."""
    if not text.startswith(DANGEROUS_STARTS):
        return True
    try:
        float(text)
    except ValueError:
        return False
    return math.isfinite(float(text))


class Writer:
    """``csv.writer`` whose every cell goes through :func:`safe_cell`."""

    def __init__(self, out):
        self._writer = csv.writer(out)

    def writerow(self, row: Iterable) -> None:
        self._writer.writerow([safe_cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable]) -> None:
        for row in rows:
            self.writerow(row)


class DictWriter:
    """``csv.DictWriter`` whose every cell goes through :func:`safe_cell`."""

    def __init__(self, out, fieldnames: Sequence[str]):
        self.fieldnames = list(fieldnames)
        self._writer = csv.DictWriter(out, fieldnames=self.fieldnames)

    def writeheader(self) -> None:
        self._writer.writerow({name: safe_cell(name) for name in self.fieldnames})

    def writerow(self, row: dict) -> None:
        self._writer.writerow({name: safe_cell(value) for name, value in row.items()})


def to_text(header: Sequence[str], rows: Iterable[Iterable]) -> str:
    """A whole CSV file as text: the header, then the rows."""
    out = io.StringIO()
    writer = Writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


# ---------------------------------------------------------------------------------------
# Reading an upload


def decode_upload(upload, *, max_bytes: int = MAX_UPLOAD_BYTES) -> str:
    """The text of an uploaded CSV file (UTF-8, with or without Excel's byte-order mark)."""
    if upload.size > max_bytes:
        raise CsvProblem(f"The file must be smaller than {max_bytes // (1024 * 1024)} MB")
    raw = upload.read()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CsvProblem(
            "The file is not saved as UTF-8 text: in your spreadsheet choose "
            "Save as, then 'CSV UTF-8'"
        ) from None
    if "\x00" in text:
        raise CsvProblem("The file is not a CSV file: save it from your spreadsheet as 'CSV UTF-8'")
    if not text.strip():
        raise CsvProblem("The file is empty: it needs a header row and a row for each entry")
    return text


def header_key(name: str) -> str:
    """A column name as keepwell compares it: "Given name" and "given-name" are given_name."""
    return name.strip().lower().replace(" ", "_").replace("-", "_")


def unescape_cell(text: str) -> str:
    """A cell :func:`safe_cell` escaped reads back as what was typed, so that an export
    can be corrected and uploaded again."""
    if text.startswith("'") and text[1:].startswith(DANGEROUS_STARTS):
        return text[1:]
    return text


def read_rows(
    text: str, *, required: Sequence[str], optional: Sequence[str] = (), strict: bool = False
) -> Iterator[tuple[int, dict[str, str]]]:
    """(row number, {column: value}) for each row under the header that is not blank, with
    column names as :func:`header_key` makes them and values stripped. Row 1 is the
    header. Raises CsvProblem for a missing header or column (and, when ``strict``, an
    unknown column), or for a row the csv module cannot read."""
    # The csv module's own limit on a field (131,072 characters) stays: far longer than
    # anything keepwell stores, it is reported with the row's number instead of a 500.
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise CsvProblem(_reason(exc), row=1) from None
    if not header or not any(h.strip() for h in header):
        raise CsvProblem("The file is empty: it needs a header row and a row for each entry")
    names = [header_key(h) for h in header]
    missing = [c for c in required if c not in names]
    unknown = [h for h in names if h and h not in required and h not in optional]
    problems = []
    if missing:
        problems.append(f"missing columns: {', '.join(missing)}")
    if strict and unknown:
        problems.append(f"unknown columns: {', '.join(unknown)}")
    if problems:
        raise CsvProblem("The header is wrong: " + "; ".join(problems))
    number = 1  # a spreadsheet's row number: a cell with a line break is still one row
    while True:
        number += 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise CsvProblem(_reason(exc), row=number) from None
        # A short row has its missing cells empty; cells beyond the header are dropped.
        cells += [""] * (len(names) - len(cells))
        row = {
            name: unescape_cell(cell.strip())
            for name, cell in zip(names, cells, strict=False)
            if name
        }
        if any(row.values()):
            yield number, row


def _reason(exc: csv.Error) -> str:
    if "field larger than field limit" in str(exc):
        return (
            f"a field is longer than {csv.field_size_limit():,} characters, "
            "more than keepwell can take"
        )
    return f"the row cannot be read as CSV ({exc})"


def too_long(value: str, model_field, label: str | None = None) -> str:
    """The reason ``value`` is too long for ``model_field`` (a model's field, whose
    ``max_length`` the database enforces), or "" if it fits."""
    limit = getattr(model_field, "max_length", None)
    if limit is None or len(value) <= limit:
        return ""
    name = label or model_field.verbose_name
    return f"{name} must be {limit} characters or fewer (it has {len(value):,})"

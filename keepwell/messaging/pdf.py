"""Printed messages: leaflets and posters to hand out, and letters for GOV.UK Notify.

A leaflet carries a message to people no API reaches: handed out, posted through doors,
sent with prescriptions and food parcels. A letter goes through Notify as a *precompiled*
PDF when its templates cannot do what the person needs (Urdu, Bengali or Arabic set right
to left, large print).

Pure: no Django. The fonts (Noto, OFL) are vendored under ``keepwell/static/vendor/fonts``
and embedded, subset, in every PDF, so a letter prints the same everywhere and nothing but
Python is needed to make one. HarfBuzz (``uharfbuzz``) shapes the text, so Arabic and Urdu
letters join and run right to left and Bengali conjuncts form.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import segno
from fpdf import FPDF
from fpdf.enums import WrapMode

from keepwell.messaging.kinds import RTL_LANGUAGES, is_rtl

# fontTools reports each font it subsets at INFO: a page of noise per PDF.
logging.getLogger("fontTools").setLevel(logging.WARNING)

FONTS = Path(__file__).resolve().parent.parent / "static" / "vendor" / "fonts"

# fpdf2 family name -> font file stem; the script families are added only when a text
# needs them, so an English letter does not pay for parsing Bengali.
_FILES = {"sans": "NotoSans", "naskh": "NotoNaskhArabic", "bengali": "NotoSansBengali"}
_ARABIC = re.compile("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")
_BENGALI = re.compile("[\u0980-\u09ff]")
_COMPLEX = re.compile(f"{_ARABIC.pattern}|{_BENGALI.pattern}")

# Language -> (family, OpenType language tag) for HarfBuzz.
_LANGUAGE = {
    "ar": ("naskh", "ARA"),
    "ur": ("naskh", "URD"),
    "bn": ("bengali", "BEN"),
    "cy": ("sans", "CYM"),
    "pl": ("sans", "PLK"),
    "pt": ("sans", "PTG"),
    "en": ("sans", "ENG"),
}

# Control characters no font draws (tab and line feed are kept: they mean something).
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f]")

PT = 25.4 / 72  # one typographic point in millimetres
LONDON = ZoneInfo("Europe/London")


def _clean(text: str) -> str:
    return _CONTROL.sub("", (text or "").replace("\r\n", "\n").replace("\r", "\n"))


def _families(texts: Iterable[str], languages: Iterable[str]) -> list[str]:
    """The font families these texts need, Latin first (links, numbers, names)."""
    needed = {"sans"}
    for language in languages:
        needed.add(_LANGUAGE.get(language.split("-")[0].lower(), ("sans", ""))[0])
    joined = "".join(texts)
    if _ARABIC.search(joined):
        needed.add("naskh")
    if _BENGALI.search(joined):
        needed.add("bengali")
    return ["sans", *sorted(needed - {"sans"})]


class _Document(FPDF):
    """An A4 page in millimetres with the fonts registered and text shaping on."""

    def __init__(self, *, title: str, families: list[str], language: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        for family in families:
            stem = _FILES[family]
            self.add_font(family, "", str(FONTS / f"{stem}-Regular.ttf"))
            self.add_font(family, "B", str(FONTS / f"{stem}-Bold.ttf"))
        # A character the chosen font lacks (a Latin link in an Arabic page, an Arabic
        # name in an English letter) is drawn from the next family that has it.
        self.set_fallback_fonts(families, exact_match=False)
        self.set_title(_clean(title)[:200])
        self.set_creator("keepwell")
        self.set_lang(language or "en")
        self.c_margin = 0

    def speak(self, language: str, *texts: str) -> str:
        """Switch shaping and direction to ``language`` for ``texts``; answer its family.

        Latin text is set without HarfBuzz: it needs no shaping, and measuring shaped
        text for line breaks is most of the time a page takes.
        """
        code = (language or "en").split("-")[0].lower()
        family, tag = _LANGUAGE.get(code, ("sans", ""))
        rtl = code in RTL_LANGUAGES
        if rtl or any(_COMPLEX.search(text) for text in texts):
            self.set_text_shaping(
                use_shaping_engine=True, direction="rtl" if rtl else "ltr", language=tag or None
            )
        else:
            self.set_text_shaping(use_shaping_engine=False)
        return family

    def latin(self, *texts: str) -> None:
        """For addresses, links and dates: left to right, shaped only if it must be."""
        if any(_COMPLEX.search(text) for text in texts):
            self.set_text_shaping(use_shaping_engine=True, direction="ltr")
        else:
            self.set_text_shaping(use_shaping_engine=False)

    def paragraphs(self, text: str, *, family: str, size: float, rtl: bool, bold=False) -> None:
        self.set_font(family, "B" if bold else "", size)
        height = size * PT * 1.45
        blocks = [block.strip("\n") for block in re.split(r"\n\s*\n", _clean(text))]
        for number, block in enumerate(b for b in blocks if b.strip()):
            if number:
                self.ln(height * 0.6)
            self.multi_cell(
                0,
                height,
                block,
                align="R" if rtl else "L",
                new_x="LMARGIN",
                new_y="NEXT",
            )

    def qr(self, link: str, *, x: float, y: float, size: float) -> None:
        """The link as a QR code drawn in vector squares: sharp at any print size."""
        modules, runs = _qr_runs(link)
        unit = size / modules
        self.set_fill_color(255, 255, 255)
        self.rect(x, y, size, size, style="F")
        self.set_fill_color(0, 0, 0)
        for row, start, length in runs:
            # A hair of overlap so no white seams show between squares.
            self.rect(x + start * unit, y + row * unit, length * unit, unit + 0.01, "F")


@functools.lru_cache(maxsize=32)
def _qr_runs(link: str) -> tuple[int, tuple[tuple[int, int, int], ...]]:
    """The QR code of ``link`` as its size in modules (quiet zone included) and the runs of
    dark modules in each row: (row, first column, length)."""
    code = segno.make(link, error="m", micro=False)
    runs = []
    for row, cells in enumerate(code.matrix_iter(scale=1, border=4)):
        start = None
        for col, dark in enumerate([*cells, 0]):
            if dark and start is None:
                start = col
            elif not dark and start is not None:
                runs.append((row, start, col - start))
                start = None
    return int(code.symbol_size(scale=1, border=4)[0]), tuple(runs)


# --- Leaflets and posters -------------------------------------------------------------------

LEAFLET_MARGIN = 20.0
LEAFLET_TITLE_PT = (26.0, 34.0)  # normal, large print
LEAFLET_BODY_PT = (14.0, 18.0)
LEAFLET_LINK_PT = (14.0, 18.0)
QR_SIZE = 45.0


def leaflet_pdf(
    texts: Sequence[tuple[str, str, str]], *, link: str, title: str, large_print: bool = False
) -> bytes:
    """A printable A4 leaflet or poster: a page per language (more if a text runs on),
    each ending with the link printed and as a QR code.

    ``texts`` are ``(language code, title, body)``; a body's blank lines part paragraphs.
    """
    if not texts:
        raise ValueError("A leaflet needs the words in at least one language")
    link = _clean(link).strip()
    languages = [language for language, _, _ in texts]
    pdf = _Document(
        title=title,
        families=_families([t + b for _, t, b in texts], languages),
        language=languages[0],
    )
    pdf.set_margins(LEAFLET_MARGIN, LEAFLET_MARGIN, LEAFLET_MARGIN)
    pdf.set_auto_page_break(True, margin=LEAFLET_MARGIN)
    large = int(bool(large_print))
    band = QR_SIZE + 10 if link else 0
    for language, heading, body in texts:
        pdf.add_page()
        rtl = is_rtl(language)
        family = pdf.speak(language, heading, body)
        pdf.paragraphs(heading, family=family, size=LEAFLET_TITLE_PT[large], rtl=rtl, bold=True)
        pdf.ln(LEAFLET_BODY_PT[large] * PT)
        pdf.paragraphs(body, family=family, size=LEAFLET_BODY_PT[large], rtl=rtl)
        if link:
            _link_band(pdf, link, rtl=rtl, size=LEAFLET_LINK_PT[large], band=band)
    return bytes(pdf.output())


def _link_band(pdf: _Document, link: str, *, rtl: bool, size: float, band: float) -> None:
    """The QR code and the link, at the foot of the page (of a new one if no room)."""
    top = pdf.h - LEAFLET_MARGIN - band
    if pdf.get_y() > top - 4:
        pdf.add_page()
    pdf.set_draw_color(0, 94, 184)  # NHS blue
    pdf.set_line_width(0.6)
    pdf.line(LEAFLET_MARGIN, top, pdf.w - LEAFLET_MARGIN, top)
    qr_x = pdf.w - LEAFLET_MARGIN - QR_SIZE if rtl else LEAFLET_MARGIN
    pdf.qr(link, x=qr_x, y=top + 6, size=QR_SIZE)
    text_x = LEAFLET_MARGIN if rtl else LEAFLET_MARGIN + QR_SIZE + 8
    width = pdf.w - 2 * LEAFLET_MARGIN - QR_SIZE - 8
    pdf.latin(link)
    pdf.set_font("sans", "B", size)
    pdf.set_xy(text_x, top + 6 + QR_SIZE / 2 - size * PT)
    # A long address breaks anywhere rather than running off the page.
    pdf.multi_cell(
        width, size * PT * 1.4, link, align="R" if rtl else "L", wrapmode=WrapMode.CHAR, link=link
    )


# --- Letters for GOV.UK Notify (precompiled) --------------------------------------------------
#
# Notify's letter specification, in mm from the top left of an A4 portrait page: print
# only 15 mm or more from either side and 5 mm or more from the top and bottom; on the
# first page, the recipient's address (and nothing else) inside the address window, the
# sender's logo above it, the sender's address and the date in the column to its right,
# and the letter itself from 95 mm down. Notify adds its own tag in the top left margin.

PRINT_LEFT, PRINT_RIGHT = 15.0, 195.0
PRINT_TOP, PRINT_BOTTOM = 5.0, 292.0
ADDRESS_LEFT, ADDRESS_TOP = 24.6, 39.5
ADDRESS_RIGHT, ADDRESS_BOTTOM = 120.0, 66.3
LOGO_BOTTOM = 30.0
SENDER_LEFT = 125.0
BODY_TOP = 95.0
ADDRESS_LINES = (3, 7)  # Notify's fewest and most address lines
MAX_PAGES = 10  # Notify refuses longer letters ("letter-too-long")
ADDRESS_PT = 10.0
LETTER_MARGIN = 20.0  # inside Notify's 15 mm, for a comfortable read
LETTER_BODY_PT = (12.0, 16.0)  # normal, large print (RNIB: large print is 16pt or more)
LETTER_SUBJECT_PT = (13.0, 18.0)


class LetterError(ValueError):
    """The letter cannot be laid out as Notify needs it (an address it would refuse)."""


def letter_pdf(
    *,
    address_lines: Sequence[str],
    subject: str,
    body: str,
    language: str = "en",
    large_print: bool = False,
    sender: str | Sequence[str] = "keepwell",
    dated: date | None = None,
) -> bytes:
    """A letter laid out for Notify's precompiled letters.

    ``sender`` is the sending organisation's name, or its name followed by its address
    lines. Raises ``LetterError`` if the address has fewer or more lines than Notify takes,
    or the letter runs to more pages than it prints.
    """
    lines = [_clean(str(line)).strip() for line in address_lines if line is not None]
    lines = [line for line in lines if line]
    if not ADDRESS_LINES[0] <= len(lines) <= ADDRESS_LINES[1]:
        raise LetterError(
            f"A letter's address needs {ADDRESS_LINES[0]} to {ADDRESS_LINES[1]} lines "
            f"(this one has {len(lines)})"
        )
    sender_lines = [sender] if isinstance(sender, str) else list(sender)
    sender_lines = [_clean(str(line)).strip() for line in sender_lines if line is not None]
    sender_lines = [line for line in sender_lines if line]
    sender_lines = sender_lines or ["keepwell"]
    large = int(bool(large_print))
    rtl = is_rtl(language)
    pdf = _Document(
        title=subject,
        families=_families([subject, body, *lines, *sender_lines], [language]),
        language=language,
    )
    pdf.set_margins(LETTER_MARGIN, LETTER_MARGIN, LETTER_MARGIN)
    pdf.set_auto_page_break(True, margin=LETTER_MARGIN)
    pdf.add_page()

    # The sender's name where a logo goes, their address and the date to the right.
    pdf.latin(*sender_lines)
    pdf.set_font("sans", "B", 14)
    pdf.set_xy(PRINT_LEFT + 2, PRINT_TOP + 8)
    pdf.cell(SENDER_LEFT - PRINT_LEFT - 6, 14 * PT * 1.3, sender_lines[0][:60])
    pdf.set_font("sans", "", 10)
    pdf.set_xy(SENDER_LEFT, ADDRESS_TOP)
    when = dated or datetime.now(LONDON).date()
    for line in [*sender_lines[1:6], "", _long_date(when, language)]:
        pdf.set_x(SENDER_LEFT)
        pdf.cell(PRINT_RIGHT - SENDER_LEFT, 10 * PT * 1.35, line, new_x="LMARGIN", new_y="NEXT")

    _address_block(pdf, lines)

    family = pdf.speak(language, subject, body)
    pdf.set_xy(LETTER_MARGIN, BODY_TOP)
    pdf.paragraphs(subject, family=family, size=LETTER_SUBJECT_PT[large], rtl=rtl, bold=True)
    pdf.ln(LETTER_BODY_PT[large] * PT)
    pdf.paragraphs(body, family=family, size=LETTER_BODY_PT[large], rtl=rtl)

    # Page numbers, written once the count is known (fpdf2's {nb} alias and text shaping
    # do not mix).
    pages = pdf.page
    if pages > MAX_PAGES:
        raise LetterError(
            f"Notify prints letters of up to {MAX_PAGES} pages, and this one needs {pages}"
        )
    if pages > 1:
        pdf.latin()
        pdf.set_auto_page_break(False)
        pdf.set_font("sans", "", 9)
        for number in range(1, pages + 1):
            pdf.page = number
            # fpdf2 remembers the font as set on the page it last wrote to, not on each.
            pdf.current_font_is_set_on_page = False
            pdf.set_xy(LETTER_MARGIN, PRINT_BOTTOM - 9)
            pdf.cell(pdf.w - 2 * LETTER_MARGIN, 4, f"{number} / {pages}", align="C")
        pdf.page = pages
    return bytes(pdf.output())


def _address_block(pdf: _Document, lines: list[str]) -> None:
    """The recipient's address in Notify's window, each line shrunk if it must be to fit."""
    pdf.latin(*lines)
    width = ADDRESS_RIGHT - ADDRESS_LEFT
    height = (ADDRESS_BOTTOM - ADDRESS_TOP) / ADDRESS_LINES[1]
    pdf.set_xy(ADDRESS_LEFT, ADDRESS_TOP)
    for line in lines:
        size = ADDRESS_PT
        pdf.set_font("sans", "", size)
        while pdf.get_string_width(line) > width and size > 6:
            size -= 0.5
            pdf.set_font("sans", "", size)
        while pdf.get_string_width(line) > width and len(line) > 1:
            line = line[:-1]
        pdf.set_x(ADDRESS_LEFT)
        pdf.cell(width, height, line, new_x="LMARGIN", new_y="NEXT")


_MONTHS = {
    "en": "January February March April May June July August September October November December",
    "cy": "Ionawr Chwefror Mawrth Ebrill Mai Mehefin Gorffennaf Awst Medi Hydref Tachwedd Rhagfyr",
    "pt": "janeiro fevereiro março abril maio junho julho agosto setembro outubro novembro "
    "dezembro",
}


def _long_date(when: date, language: str) -> str:
    """4 December 2026 in English, Welsh or Portuguese; 04/12/2026 otherwise."""
    code = (language or "en").split("-")[0].lower()
    months = _MONTHS.get(code)
    if months is None:
        return f"{when:%d/%m/%Y}"
    month = months.split()[when.month - 1]
    return (
        f"{when.day} de {month} de {when.year}"
        if code == "pt"
        else (f"{when.day} {month} {when.year}")
    )


def letter_pdf_for(message) -> bytes:
    """The letter an outbox ``Message`` (channel ``letter``) sends, as Notify will print it."""
    if getattr(message, "redacted_at", None):
        raise LetterError("This letter's words were removed after the retention period")
    sender = ["keepwell"]
    organisation = message.sender_organisation if message.sender_organisation_id else None
    if organisation is not None:
        sender = [organisation.name]
    when = message.sent_at or message.queued_at
    return letter_pdf(
        address_lines=list(message.address or []),
        subject=message.subject or "",
        body=message.body or "",
        language=message.language or "en",
        large_print=bool(message.large_print),
        sender=sender,
        dated=when.astimezone(LONDON).date() if when else None,
    )

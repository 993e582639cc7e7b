"""Leaflets to hand out and letters for Notify: they open, read, and print as promised."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest
from pypdf import PdfReader

from keepwell.messaging.pdf import (
    ADDRESS_BOTTOM,
    ADDRESS_LEFT,
    ADDRESS_RIGHT,
    ADDRESS_TOP,
    LetterError,
    leaflet_pdf,
    letter_pdf,
    letter_pdf_for,
)

MM = 72 / 25.4

TEXTS = [
    ("en", "Help is here", "If you cannot get out, volunteers bring shopping and medicines."),
    ("pt", "A ajuda está aqui", "Se não pode sair de casa, os voluntários levam as suas compras."),
    ("ar", "المساعدة هنا", "إذا كنت لا تستطيع الخروج، يحضر المتطوعون التسوق والأدوية."),
    ("ur", "مدد یہاں ہے", "اگر آپ باہر نہیں جا سکتے تو رضاکار خریداری اور دوائیں لاتے ہیں۔"),
    ("bn", "সাহায্য এখানে", "আপনি বাইরে যেতে না পারলে স্বেচ্ছাসেবকরা কেনাকাটা ও ওষুধ এনে দেন।"),
    ("cy", "Mae help yma", "Os na allwch fynd allan, bydd gwirfoddolwyr yn dod â'ch siopa i'r tŷ."),
    ("pl", "Pomoc jest tutaj", "Jeśli nie możesz wyjść, wolontariusze przyniosą zakupy i leki."),
]
ADDRESS = ["Mrs Ayesha Begum", "12 Mill Lane", "Wellbrook", "WB2 1AB"]


def read(pdf: bytes) -> PdfReader:
    assert pdf.startswith(b"%PDF-")
    return PdfReader(io.BytesIO(pdf))


def embedded_fonts(reader: PdfReader) -> set[str]:
    names = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            assert "/FontFile2" in descriptor, "every font is embedded, so it prints anywhere"
            names.add(str(font["/BaseFont"]).split("+")[-1].removesuffix("Bold"))
    return names


def font_sizes(page) -> list[float]:
    sizes: list[float] = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            sizes.append(round(size * tm[0], 1))

    page.extract_text(visitor_text=visit)
    return sizes


def words_at(page, left_mm, top_mm, right_mm, bottom_mm) -> str:
    """The text whose start falls inside a box given in mm from the page's top left."""
    height = float(page.mediabox.height)
    found = []

    def visit(text, cm, tm, font, size):
        x, y = tm[4] / MM, (height - tm[5]) / MM
        if text.strip() and left_mm <= x <= right_mm and top_mm <= y <= bottom_mm:
            found.append(text.strip())

    page.extract_text(visitor_text=visit)
    return " ".join(found)


def test_a_leaflet_has_a_page_per_language_with_its_words_and_fonts():
    reader = read(leaflet_pdf(TEXTS, link="https://keepwell.example/help", title="Help is here"))

    assert len(reader.pages) == len(TEXTS)
    english, portuguese = (page.extract_text() for page in reader.pages[:2])
    assert "Help is here" in english
    assert "https://keepwell.example/help" in english
    assert "A ajuda está aqui" in portuguese
    assert "voluntários levam as suas compras" in portuguese
    assert "tŷ" in reader.pages[5].extract_text()
    assert "przyniosą" in reader.pages[6].extract_text()
    # Arabic, Urdu and Bengali are drawn as shaped glyphs from their own fonts.
    assert {"NotoSans", "NotoNaskhArabic", "NotoSansBengali"} <= embedded_fonts(reader)
    assert "المساعدة" in reader.pages[2].extract_text()
    assert "সাহায্য" in reader.pages[4].extract_text()


def test_an_english_leaflet_carries_only_the_latin_font():
    reader = read(leaflet_pdf(TEXTS[:1], link="https://keepwell.example/help", title="Help"))

    assert embedded_fonts(reader) == {"NotoSans"}


def test_the_qr_code_on_a_leaflet_is_drawn():
    with_link = leaflet_pdf(TEXTS[:1], link="https://keepwell.example/help", title="Help")
    without = leaflet_pdf(TEXTS[:1], link="", title="Help")

    page = read(with_link).pages[0].get_contents().get_data()
    assert page.count(b" re") > 50  # the code's dark squares, drawn as rectangles
    assert b" re" not in read(without).pages[0].get_contents().get_data()
    assert "keepwell.example" not in read(without).pages[0].extract_text()


def test_large_print_leaflet_has_bigger_type():
    normal = read(leaflet_pdf(TEXTS[:1], link="https://x.example", title="Help")).pages[0]
    large = read(leaflet_pdf(TEXTS[:1], link="https://x.example", title="Help", large_print=True))

    assert max(font_sizes(normal)) < max(font_sizes(large.pages[0]))
    body_sizes = [size for size in font_sizes(large.pages[0]) if size < 30]
    assert min(body_sizes) >= 16


def test_a_ten_page_leaflet_renders():
    texts = [(language, title, body * 4) for language, title, body in TEXTS]
    reader = read(leaflet_pdf((texts * 2)[:10], link="https://keepwell.example/h", title="Ten"))

    assert len(reader.pages) == 10


def test_a_leaflet_without_words_is_refused_and_control_characters_are_dropped():
    with pytest.raises(ValueError):
        leaflet_pdf([], link="https://x.example", title="Nothing")

    reader = read(leaflet_pdf([("en", "Hi\x00", "Body\x07 text")], link="", title="\x00"))
    assert "Body text" in reader.pages[0].extract_text()


def test_a_letter_puts_the_address_in_notifys_window():
    reader = read(
        letter_pdf(
            address_lines=ADDRESS,
            subject="Your referral",
            body="Dear Mrs Begum,\n\nYour referral has been accepted.",
            language="en",
            large_print=False,
            sender=["Wellbrook Health Centre", "1 High Street", "Wellbrook WB1 1AA"],
            dated=date(2026, 12, 4),
        )
    )
    first = reader.pages[0]

    assert round(float(first.mediabox.width) / MM) == 210
    assert round(float(first.mediabox.height) / MM) == 297
    window = words_at(first, ADDRESS_LEFT - 1, ADDRESS_TOP, ADDRESS_RIGHT, ADDRESS_BOTTOM)
    assert window == "Mrs Ayesha Begum 12 Mill Lane Wellbrook WB2 1AB"
    text = first.extract_text()
    assert "Your referral has been accepted." in text
    assert "4 December 2026" in text
    assert "Wellbrook Health Centre" in text
    # Nothing printed inside Notify's margins (15 mm each side, 5 mm top and bottom).
    assert words_at(first, 0, 0, 15, 297) == ""
    assert words_at(first, 195, 0, 210, 297) == ""


def test_a_large_print_letter_in_urdu_runs_right_to_left_in_bigger_type():
    sentence = "اگر آپ باہر نہیں جا سکتے تو رضاکار خریداری اور دوائیں لاتے ہیں۔ "
    body = (sentence * 4 + "\n\n") * 20
    normal = read(
        letter_pdf(
            address_lines=ADDRESS,
            subject="آپ کا حوالہ",
            body=body,
            language="ur",
            large_print=False,
            sender="Wellbrook PCN",
        )
    )
    large = read(
        letter_pdf(
            address_lines=ADDRESS,
            subject="آپ کا حوالہ",
            body=body,
            language="ur",
            large_print=True,
            sender="Wellbrook PCN",
        )
    )

    assert "NotoNaskhArabic" in embedded_fonts(large)
    assert len(large.pages) > len(normal.pages) >= 2
    assert min(s for s in font_sizes(large.pages[1]) if s > 9) >= 16
    assert f"2 / {len(large.pages)}" in large.pages[1].extract_text()
    # Right to left: the short subject line sits against the right margin.
    subject_starts = []
    large.pages[0].extract_text(
        visitor_text=lambda text, cm, tm, font, size: (
            subject_starts.append(tm[4] / MM) if text.strip() and size * tm[0] >= 18 else None
        )
    )
    assert subject_starts and min(subject_starts) > 105


@pytest.mark.parametrize("lines", [[], ["Only a name"], ["1", "2", "3", "4", "5", "6", "7", "8"]])
def test_an_address_notify_would_refuse_is_refused_before_it_is_sent(lines):
    with pytest.raises(LetterError):
        letter_pdf(address_lines=lines, subject="S", body="B", language="en", sender="keepwell")


def test_a_very_long_address_line_still_fits_the_window():
    long = "Flat 14, Block C, The Old Cotton Mill Buildings, Riverside Industrial Estate Road"
    reader = read(
        letter_pdf(address_lines=[long, "Wellbrook", "WB2 1AB"], subject="S", body="B", sender="k")
    )
    first = reader.pages[0]
    assert "Wellbrook" in words_at(first, ADDRESS_LEFT - 1, ADDRESS_TOP, 120, ADDRESS_BOTTOM)
    assert words_at(first, 120.5, ADDRESS_TOP, 124, ADDRESS_BOTTOM) == ""


def test_letter_for_an_outbox_message_uses_its_words_language_and_sender():
    message = SimpleNamespace(
        address=ADDRESS,
        subject="A sua referência",
        body="Olá Sra. Begum,\n\nA sua referência foi aceite.",
        language="pt",
        large_print=True,
        sender_organisation_id=1,
        sender_organisation=SimpleNamespace(name="Wellbrook Mutual Aid"),
        sent_at=datetime(2026, 3, 2, 23, 30, tzinfo=UTC),
        queued_at=datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
        redacted_at=None,
    )
    text = read(letter_pdf_for(message)).pages[0].extract_text()

    assert "A sua referência foi aceite." in text
    assert "Wellbrook Mutual Aid" in text
    assert "2 de março de 2026" in text


def test_a_redacted_letter_is_not_printed():
    message = SimpleNamespace(redacted_at=datetime(2026, 1, 1, tzinfo=UTC))
    with pytest.raises(LetterError):
        letter_pdf_for(message)


def test_an_arabic_name_in_an_english_letter_is_drawn_from_the_arabic_font():
    reader = read(
        letter_pdf(
            address_lines=["Mrs Ayesha Begum (عائشة بيغوم)", "12 Mill Lane", "WB2 1AB"],
            subject="Your referral",
            body="Dear Mrs Begum, your referral has been accepted.",
            language="en",
            sender="Wellbrook PCN",
        )
    )

    assert embedded_fonts(reader) == {"NotoSans", "NotoNaskhArabic"}
    assert "Mrs Ayesha Begum" in reader.pages[0].extract_text()


def test_a_letter_longer_than_notify_prints_is_refused():
    body = "\n\n".join(["A paragraph of a very long letter that goes on and on."] * 300)

    with pytest.raises(LetterError, match="up to 10 pages"):
        letter_pdf(address_lines=ADDRESS, subject="S", body=body, large_print=True, sender="k")

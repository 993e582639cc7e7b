"""Phone numbers: parsed with libphonenumber, stored in E.164, shown as people write them."""

from __future__ import annotations

import pytest

from keepwell.core.phone import (
    ENTER_ABROAD,
    ENTER_MOBILE,
    ENTER_UK,
    InvalidPhoneNumber,
    PhoneField,
    format_phone,
    normalise_or_keep,
    normalise_phone,
)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("01632 960 001", "+441632960001"),  # Ofcom's drama range, used in the demo
        ("(01632) 960-001", "+441632960001"),
        ("+44 (0)1632 960001", "+441632960001"),
        ("0044 1632 960001", "+441632960001"),
        ("020 7946 0000", "+442079460000"),
        ("0800 123 4567", "+448001234567"),
        ("+353 1 234 5678", "+35312345678"),
    ],
)
def test_numbers_people_type_are_stored_in_e164(typed, stored):
    assert normalise_phone(typed) == stored


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("not a phone number at all!!", ENTER_UK),
        ("abc", ENTER_UK),
        ("999", ENTER_UK),
        ("01632 96", ENTER_UK),
        ("+33 12", ENTER_ABROAD),
        ("0" * 31, "Phone number must be 30 characters or fewer"),
        ("01632 960001 ext. 12", "Enter the phone number without an extension"),
    ],
)
def test_what_is_not_a_phone_number_is_refused_with_a_plain_reason(typed, reason):
    with pytest.raises(InvalidPhoneNumber) as refused:
        normalise_phone(typed)
    assert str(refused.value) == str(reason)


def test_a_mobile_is_a_mobile():
    assert normalise_phone("07700 900 982", mobile=True) == "+447700900982"
    assert normalise_phone("07911 123456", mobile=True) == "+447911123456"
    assert normalise_phone("+33 6 12 34 56 78", mobile=True) == "+33612345678"
    # The US does not say which numbers are mobiles: libphonenumber's FIXED_LINE_OR_MOBILE.
    assert normalise_phone("+1 202 555 0143", mobile=True) == "+12025550143"
    for landline in ("01632 960 001", "020 7946 0000", "0800 123 4567"):
        with pytest.raises(InvalidPhoneNumber, match=str(ENTER_MOBILE)):
            normalise_phone(landline, mobile=True)


def test_numbers_are_shown_national_at_home_and_international_abroad():
    assert format_phone("+441632960001") == "01632 960001"
    assert format_phone("+447700900982") == "07700 900982"
    assert format_phone("+33612345678") == "+33 6 12 34 56 78"
    # Typed before keepwell checked: shown as it was typed, never lost.
    assert format_phone("ring the warden") == "ring the warden"
    assert format_phone("") == ""


def test_stored_data_that_does_not_parse_is_kept():
    assert normalise_or_keep("01632 960001") == "+441632960001"
    assert normalise_or_keep("abc") == "abc"
    assert normalise_or_keep("") == ""


def test_the_form_field_cleans_to_e164_and_says_what_to_enter():
    field = PhoneField(required=False)
    assert field.clean("01632 960 001") == "+441632960001"
    assert field.clean("") == ""
    with pytest.raises(Exception, match="Enter a UK phone number"):
        field.clean("abc")
    with pytest.raises(Exception, match="Enter a mobile number"):
        PhoneField(mobile=True).clean("01632 960 001")
    html = field.widget.render("phone", "+441632960001")
    assert 'type="tel"' in html and 'value="01632 960001"' in html

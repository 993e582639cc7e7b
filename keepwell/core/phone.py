"""Phone numbers: parsed with Google's libphonenumber (the ``phonenumbers`` package), stored
in E.164 (``+441632960001``), shown the way people write them (``01632 960001`` for a UK
number, ``+33 6 12 34 56 78`` for one abroad).

Every form with a phone number uses :class:`PhoneField`; a number keepwell will send text
messages to uses ``PhoneField(mobile=True)``.
"""

from __future__ import annotations

import phonenumbers
from django import forms
from django.utils.translation import gettext_lazy as _
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType

REGION = "GB"
MAX_LENGTH = 30  # what people type, spaces and brackets included; the stored form is shorter

# Public pages show these too, so they are translated.
ENTER_UK = _("Enter a UK phone number, like 01632 960 001 or 07700 900 982")
ENTER_ABROAD = _("Enter a phone number from abroad with its country code, like +33 6 12 34 56 78")
ENTER_MOBILE = _("Enter a mobile number that can get text messages, like 07700 900 982")
NO_EXTENSION = _("Enter the phone number without an extension")
TOO_LONG = _("Phone number must be 30 characters or fewer")
TOO_LONG_MOBILE = _("Mobile number must be 30 characters or fewer")

# Ofcom keeps these ranges for drama and examples, so no real person is ever rung by a demo
# or a test. libphonenumber calls them unallocated; keepwell takes them as real numbers.
_DRAMA_FIXED = "+441632960"
_DRAMA_MOBILE = "+447700900"
_MOBILE_TYPES = {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE}


class InvalidPhoneNumber(ValueError):
    """The text is not a phone number keepwell can ring; ``str(exc)`` says what to enter."""


def _e164(number: phonenumbers.PhoneNumber) -> str:
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def _is_drama(e164: str) -> bool:
    return len(e164) == 13 and e164.startswith((_DRAMA_FIXED, _DRAMA_MOBILE))


def normalise_phone(raw: str, *, mobile: bool = False) -> str:
    """``raw`` in E.164, or InvalidPhoneNumber with a message for the person who typed it.

    >>> normalise_phone("01632 960 001")
    '+441632960001'
    >>> normalise_phone("+33 6 12 34 56 78", mobile=True)
    '+33612345678'
    """
    text = raw.strip()
    abroad = text.startswith("+") and not text.replace(" ", "").startswith("+44")
    # A mobile field's messages say "mobile", so they name the field they are about.
    wrong = ENTER_ABROAD if abroad else ENTER_MOBILE if mobile else ENTER_UK
    if len(text) > MAX_LENGTH:
        raise InvalidPhoneNumber(TOO_LONG_MOBILE if mobile else TOO_LONG)
    try:
        number = phonenumbers.parse(text, REGION)
    except NumberParseException:
        raise InvalidPhoneNumber(wrong) from None
    if number.extension:
        raise InvalidPhoneNumber(NO_EXTENSION)
    e164 = _e164(number)
    drama = _is_drama(e164)
    if not (drama or phonenumbers.is_valid_number(number)):
        raise InvalidPhoneNumber(wrong)
    if mobile and not (e164.startswith(_DRAMA_MOBILE) if drama else number_is_mobile(number)):
        raise InvalidPhoneNumber(ENTER_MOBILE)
    return e164


def number_is_mobile(number: phonenumbers.PhoneNumber) -> bool:
    # Some countries (the US among them) do not say which numbers are mobiles: take those.
    return phonenumbers.number_type(number) in _MOBILE_TYPES


def normalise_or_keep(raw: str, *, mobile: bool = False) -> str:
    """E.164 where ``raw`` is a number, else ``raw`` as it was: for data already stored,
    which must never be lost because it was typed badly."""
    try:
        return normalise_phone(raw, mobile=mobile) if raw.strip() else raw
    except InvalidPhoneNumber:
        return raw


def format_phone(stored: str) -> str:
    """A stored number as people write it: national for UK numbers, international otherwise.
    Text that is not a number (typed before keepwell checked) is shown as it was typed."""
    if not stored or not stored.startswith("+"):
        return stored
    try:
        number = phonenumbers.parse(stored, REGION)
    except NumberParseException:
        return stored
    uk = number.country_code == 44
    return phonenumbers.format_number(
        number, PhoneNumberFormat.NATIONAL if uk else PhoneNumberFormat.INTERNATIONAL
    )


class PhoneInput(forms.TextInput):
    input_type = "tel"

    def __init__(self, attrs=None):
        super().__init__({"autocomplete": "tel", "spellcheck": "false", **(attrs or {})})

    def format_value(self, value):
        # A stored number comes back to the form as people write it, not as +44...
        return format_phone(value) if isinstance(value, str) else value


class PhoneField(forms.CharField):
    """A phone number, cleaned to E.164. ``mobile=True`` where text messages will be sent."""

    widget = PhoneInput

    def __init__(self, *, mobile: bool = False, **kwargs):
        self.mobile = mobile
        kwargs.setdefault("max_length", MAX_LENGTH)
        super().__init__(**kwargs)
        self.widget.attrs["class"] = "nhsuk-input nhsuk-input--width-20"

    def to_python(self, value):
        text = super().to_python(value)
        if not text:
            return text
        try:
            return normalise_phone(text, mobile=self.mobile)
        except InvalidPhoneNumber as exc:
            raise forms.ValidationError(str(exc), code="invalid_phone") from None

    def has_changed(self, initial, data) -> bool:
        # "01632 960001" stored before keepwell checked numbers is the number typed again
        # as "01632960001": not a change to suggest or record.
        if self.disabled:
            return False
        try:
            typed = self.to_python(data)
        except forms.ValidationError:
            return True
        return normalise_or_keep(initial or "") != (typed or "")

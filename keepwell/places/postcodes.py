"""The UK postcode as a value: normalised once, validated with a reason a person can read."""

from __future__ import annotations

import re
from dataclasses import dataclass

# Outward code: area (1-2 letters) + district (digit, then an optional digit or letter);
# inward code: sector digit + unit (two letters, never C I K M O V).
_SHAPE = re.compile(r"^([A-Z]{1,2})([0-9])([0-9A-Z]?)([0-9])([A-Z]{2})$")
_UNIT_LETTERS = set("ABDEFGHJLNPQRSTUWXYZ")
_NOT_FIRST = set("QVX")
_NOT_SECOND = set("IJZ")
# A district written with a letter (W1A, EC1A) uses only these letters (BS 7666).
_THIRD_OF_A9A = set("ABCDEFGHJKPSTUW")
_FOURTH_OF_AA9A = set("ABEHMNPRVWXY")
_SPECIAL = {"GIR0AA": "GIR 0AA"}

# Exactly the strings normalise() returns: a fast check for text that is already
# normalised, such as the 2.7 million ``pcds`` values of the ONS Postcode Directory.
NORMALISED = re.compile(
    r"(?:[A-PR-UWYZ][0-9][0-9]?"
    r"|[A-PR-UWYZ][A-HK-Y][0-9][0-9]?"
    r"|[A-PR-UWYZ][0-9][ABCDEFGHJKPSTUW]"
    r"|[A-PR-UWYZ][A-HK-Y][0-9][ABEHMNPRVWXY])"
    r" [0-9][ABD-HJLNP-UW-Z]{2}"
    r"|GIR 0AA"
)


class InvalidPostcode(ValueError):
    """The text is not a UK postcode; ``str(exc)`` says why, in plain words."""


@dataclass(frozen=True, slots=True, order=True)
class Postcode:
    """A normalised UK postcode such as ``SW1A 1AA``.

    >>> Postcode(" sw1a1aa ").value
    'SW1A 1AA'
    """

    value: str

    def __init__(self, raw: str | Postcode) -> None:
        object.__setattr__(
            self, "value", normalise(raw.value if isinstance(raw, Postcode) else raw)
        )

    def __str__(self) -> str:
        return self.value

    @property
    def outward(self) -> str:
        return self.value.split(" ")[0]

    @property
    def inward(self) -> str:
        return self.value.split(" ")[1]

    @property
    def sector(self) -> str:
        """``SW1A 1``: the outward code and the sector digit, used for rough grouping."""
        return self.value[:-2]

    @property
    def area(self) -> str:
        return re.match(r"[A-Z]+", self.value).group(0)  # type: ignore[union-attr]

    @classmethod
    def parse(cls, raw: str) -> Postcode | None:
        """The postcode, or None where the text isn't one (for optional fields)."""
        try:
            return cls(raw)
        except InvalidPostcode:
            return None


def normalise(raw: str) -> str:
    """``raw`` as a postcode in capitals with one space (``SW1A 1AA``), or InvalidPostcode.

    Spaces (any whitespace) and case never matter; everything else must be right.
    """
    if raw is None:
        raise InvalidPostcode("Enter a postcode")
    compact = re.sub(r"\s+", "", str(raw))
    if not compact:
        raise InvalidPostcode("Enter a postcode")
    # Before upper(): "ß".upper() is "SS" and "ﬀ".upper() is "FF", which would turn text
    # that is no postcode into one.
    if not compact.isascii() or not compact.isalnum():
        raise InvalidPostcode("A postcode must contain only letters and numbers, like SW1A 1AA")
    compact = compact.upper()
    if compact in _SPECIAL:
        return _SPECIAL[compact]
    if len(compact) < 5:
        raise InvalidPostcode("That postcode is too short: it should look like SW1A 1AA")
    if len(compact) > 7:
        raise InvalidPostcode("That postcode is too long: it should look like SW1A 1AA")
    match = _SHAPE.match(compact)
    if not match:
        if not re.match(r"^[0-9][A-Z]{2}$", compact[-3:]):
            raise InvalidPostcode(
                "The last part of a postcode is a number then two letters, like the 1AA in SW1A 1AA"
            )
        raise InvalidPostcode("The first part of that postcode is not in a UK format")
    area, digit, extra, sector, unit = match.groups()
    if area[0] in _NOT_FIRST:
        raise InvalidPostcode(f"No UK postcode starts with {area[0]}")
    if len(area) == 2 and area[1] in _NOT_SECOND:
        raise InvalidPostcode(f"No UK postcode has {area[1]} as its second letter")
    if extra.isalpha() and extra not in (_THIRD_OF_A9A if len(area) == 1 else _FOURTH_OF_AA9A):
        raise InvalidPostcode(
            f"The first part of that postcode, {area}{digit}{extra}, is not in a UK format"
        )
    if not set(unit) <= _UNIT_LETTERS:
        raise InvalidPostcode("The last two letters of a postcode never include C, I, K, M, O or V")
    return f"{area}{digit}{extra} {sector}{unit}"


def is_valid(raw: str) -> bool:
    return Postcode.parse(raw) is not None

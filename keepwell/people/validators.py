"""NHS number: ten digits whose last is a modulus 11 check digit."""

from __future__ import annotations

from django.core.exceptions import ValidationError


def normalise_nhs_number(raw: str) -> str:
    return "".join(ch for ch in raw if not ch.isspace() and ch != "-")


def is_valid_nhs_number(raw: str) -> bool:
    digits = normalise_nhs_number(raw)
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def validate_nhs_number(value: str) -> None:
    if value and not is_valid_nhs_number(value):
        raise ValidationError("Enter a valid 10-digit NHS number, like 943 476 5919")

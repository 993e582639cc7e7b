"""The NHS number's check digit and the limits on a date of birth, as pure functions."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from keepwell.people.validators import (
    date_of_birth_problem,
    format_nhs_number,
    is_valid_nhs_number,
    parse_date_of_birth,
)

nine_digits = st.text(alphabet="0123456789", min_size=9, max_size=9)


def _check_digit(first_nine: str) -> int:
    total = sum(int(d) * (10 - i) for i, d in enumerate(first_nine))
    return (11 - total % 11) % 11


def test_real_shaped_nhs_numbers_pass_and_typos_fail():
    for number in ("943 476 5919", "401 023 2137", "4010232137"):
        assert is_valid_nhs_number(number), number
    for number in ("9434765918", "943476591", "94347659190", "943476591a", "1234567890"):
        assert not is_valid_nhs_number(number), number


@given(nine_digits)
def test_a_number_whose_check_digit_would_be_10_is_never_issued(first_nine):
    check = _check_digit(first_nine)
    if check == 10:
        assert not any(is_valid_nhs_number(first_nine + str(d)) for d in range(10))
    else:
        assert is_valid_nhs_number(first_nine + str(check))


@given(nine_digits, st.integers(0, 9), st.integers(1, 9))
def test_any_one_mistyped_digit_is_caught(first_nine, position, change):
    check = _check_digit(first_nine)
    if check == 10:
        return
    number = first_nine + str(check)
    typo = number[:position] + str((int(number[position]) + change) % 10) + number[position + 1 :]
    assert not is_valid_nhs_number(typo)


@given(nine_digits, st.integers(0, 8))
def test_two_swapped_neighbouring_digits_are_caught(first_nine, position):
    check = _check_digit(first_nine)
    number = first_nine + str(check)
    if check == 10 or number[position] == number[position + 1]:
        return
    swapped = number[:position] + number[position + 1] + number[position] + number[position + 2 :]
    assert not is_valid_nhs_number(swapped)


def test_an_nhs_number_is_shown_in_three_groups():
    assert format_nhs_number("4857773456") == "485 777 3456"
    assert format_nhs_number("485 777 3456") == "485 777 3456"
    assert format_nhs_number("") == ""


def test_a_date_of_birth_is_in_the_past_and_less_than_120_years_ago():
    today = date(2026, 12, 3)
    assert date_of_birth_problem(date(2030, 1, 1), today) == "Date of birth must be in the past"
    assert date_of_birth_problem(date(2026, 12, 4), today) == "Date of birth must be in the past"
    assert date_of_birth_problem(today, today) is None
    assert date_of_birth_problem(date(1906, 12, 4), today) is None
    assert (
        date_of_birth_problem(date(1906, 12, 3), today)
        == "Date of birth must be on or after 4 December 1906"
    )
    assert date_of_birth_problem(date(1850, 1, 1), today).startswith("Date of birth must be on")
    assert date_of_birth_problem(None, today) is None
    # 120 years before 29 February 2024 is a year with no 29 February.
    assert date_of_birth_problem(date(1904, 2, 28), date(2024, 2, 29)) is not None
    assert date_of_birth_problem(date(1904, 3, 1), date(2024, 2, 29)) is None


def test_dates_are_read_day_first_as_in_the_uk():
    for typed in ("12/03/1948", "1948-03-12", "12-03-1948", "12.03.1948", " 12  3 1948 "):
        assert parse_date_of_birth(typed) == date(1948, 3, 12), typed
    assert parse_date_of_birth("12 March 1948") == date(1948, 3, 12)
    for other in ("WB2 1AB", "01632 960001", "Smith", "31/02/1948", "9434765919"):
        assert parse_date_of_birth(other) is None, other

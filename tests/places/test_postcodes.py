"""The Postcode value object: however a person types a postcode, it is read the same way."""

from __future__ import annotations

import copy
import pickle

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from keepwell.places.postcodes import NORMALISED, InvalidPostcode, Postcode, is_valid, normalise

# The rules of BS 7666, written out independently of the module under test.
FIRST = "ABCDEFGHIJKLMNOPRSTUWYZ"  # never Q, V, X
SECOND = "ABCDEFGHKLMNOPQRSTUVWXY"  # never I, J, Z
THIRD_OF_A9A = "ABCDEFGHJKPSTUW"
FOURTH_OF_AA9A = "ABEHMNPRVWXY"
UNIT = "ABDEFGHJLNPQRSTUWXYZ"  # never C, I, K, M, O, V
DIGITS = "0123456789"


def _chars(alphabet: str) -> st.SearchStrategy[str]:
    return st.sampled_from(alphabet)


outward_codes = st.one_of(
    st.tuples(_chars(FIRST), _chars(DIGITS)),  # M1
    st.tuples(_chars(FIRST), _chars(DIGITS), _chars(DIGITS)),  # B33
    st.tuples(_chars(FIRST), _chars(SECOND), _chars(DIGITS)),  # CR2
    st.tuples(_chars(FIRST), _chars(SECOND), _chars(DIGITS), _chars(DIGITS)),  # DN55
    st.tuples(_chars(FIRST), _chars(DIGITS), _chars(THIRD_OF_A9A)),  # W1A
    st.tuples(_chars(FIRST), _chars(SECOND), _chars(DIGITS), _chars(FOURTH_OF_AA9A)),  # EC1A
).map("".join)
inward_codes = st.tuples(_chars(DIGITS), _chars(UNIT), _chars(UNIT)).map("".join)
valid_postcodes = st.builds(lambda o, i: f"{o} {i}", outward_codes, inward_codes)


@st.composite
def typed_by_a_person(draw, postcode: str) -> str:
    """The postcode with its case changed letter by letter and spaces put anywhere."""
    out = draw(st.sampled_from(["", " ", "  ", "\t", "\u00a0"]))
    for char in postcode.replace(" ", ""):
        out += char.lower() if draw(st.booleans()) else char
        out += draw(st.sampled_from(["", "", "", " ", "  "]))
    return out + draw(st.sampled_from(["", " ", "\n"]))


# --- examples --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("sw1a1aa", "SW1A 1AA"),
        (" SW1A  1AA ", "SW1A 1AA"),
        ("W1A 0AX", "W1A 0AX"),
        ("ec1a1bb", "EC1A 1BB"),
        ("AB10 1AA", "AB10 1AA"),
        ("b1 1aa", "B1 1AA"),
        ("M1 1AE", "M1 1AE"),
        ("CR2 6XH", "CR2 6XH"),
        ("DN55 1PT", "DN55 1PT"),
        ("SW1A\u00a01AA", "SW1A 1AA"),  # a non-breaking space pasted from a web page
        ("gir 0aa", "GIR 0AA"),  # the one postcode outside the pattern (Girobank)
    ],
)
def test_a_postcode_is_normalised_to_capitals_and_one_space(typed, expected):
    assert Postcode(typed).value == expected
    assert str(Postcode(typed)) == expected


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("", "Enter a postcode"),
        ("   ", "Enter a postcode"),
        (None, "Enter a postcode"),
        ("SW1A-1AA", "only letters and numbers"),
        ("SW1", "too short"),
        ("SW1A 1AAA", "too long"),
        ("SW1A 11A", "The last part of a postcode is a number then two letters"),
        ("1W1A 1AA", "The first part of that postcode is not in a UK format"),
        ("QA1 1AA", "No UK postcode starts with Q"),
        ("VA1 1AA", "No UK postcode starts with V"),
        ("XA1 1AA", "No UK postcode starts with X"),
        ("AI1 1AA", "No UK postcode has I as its second letter"),
        ("AJ1 1AA", "No UK postcode has J as its second letter"),
        ("AZ1 1AA", "No UK postcode has Z as its second letter"),
        ("W1Z 1AA", "The first part of that postcode, W1Z, is not in a UK format"),
        ("EC1C 1AA", "The first part of that postcode, EC1C, is not in a UK format"),
        ("SW1A 1AC", "never include C, I, K, M, O or V"),
        ("SW1A 1MA", "never include C, I, K, M, O or V"),
    ],
)
def test_a_wrong_postcode_is_refused_with_a_reason_a_person_can_act_on(typed, reason):
    with pytest.raises(InvalidPostcode, match=reason):
        Postcode(typed)
    assert Postcode.parse(typed) is None
    assert not is_valid(typed)


@pytest.mark.parametrize("typed", ["ß11AA", "ﬀ1 1AA", "ı1 1AA", "ＳＷ1Ａ 1ＡＡ", "SW1A 1AA\u200b"])
def test_letters_that_only_turn_into_a_postcode_when_capitalised_are_refused(typed):
    """ "ß".upper() is "SS" and "ﬀ".upper() is "FF": look-alikes must not slip through."""
    with pytest.raises(InvalidPostcode, match="only letters and numbers"):
        normalise(typed)


def test_the_parts_of_a_postcode():
    palace = Postcode("sw1a 1aa")
    assert (palace.outward, palace.inward, palace.sector, palace.area) == (
        "SW1A",
        "1AA",
        "SW1A 1",
        "SW",
    )
    birmingham = Postcode("B1 1AA")
    assert (birmingham.outward, birmingham.sector, birmingham.area) == ("B1", "B1 1", "B")


def test_postcodes_are_values_equal_hashable_ordered_and_copyable():
    a = Postcode("sw1a1aa")
    assert a == Postcode(" SW1A 1AA ") == Postcode(a)
    assert len({a, Postcode("SW1A 1AA"), Postcode("W1A 0AX")}) == 2
    assert sorted([Postcode("W1A 0AX"), Postcode("B1 1AA"), Postcode("AB10 1AA")]) == [
        Postcode("AB10 1AA"),
        Postcode("B1 1AA"),
        Postcode("W1A 0AX"),
    ]
    assert pickle.loads(pickle.dumps(a)) == a
    assert copy.deepcopy(a) == a
    with pytest.raises(AttributeError):
        a.value = "W1A 0AX"  # type: ignore[misc]


def test_an_invalid_postcode_is_a_value_error_so_forms_and_parsers_can_catch_it():
    assert issubclass(InvalidPostcode, ValueError)


# --- invariants -------------------------------------------------------------------------------


@given(valid_postcodes)
@example("GIR 0AA")
def test_every_valid_postcode_round_trips(postcode):
    assert normalise(postcode) == postcode
    assert Postcode(Postcode(postcode).value) == Postcode(postcode)
    assert Postcode(postcode).outward + " " + Postcode(postcode).inward == postcode


@given(st.text(max_size=12) | valid_postcodes)
def test_normalising_is_idempotent(text):
    try:
        once = normalise(text)
    except InvalidPostcode:
        return
    assert normalise(once) == once


@given(valid_postcodes.flatmap(lambda pc: st.tuples(st.just(pc), typed_by_a_person(pc))))
def test_spaces_and_case_never_matter(pair):
    postcode, typed = pair
    assert normalise(typed) == postcode


@given(
    valid_postcodes.flatmap(
        lambda pc: st.tuples(
            st.just(pc),
            st.integers(0, len(pc) - 1),
            st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"),
        )
    )
)
def test_invalid_postcodes_stay_invalid_however_they_are_typed(case):
    """Change one character of a valid postcode: if that breaks it, no spacing mends it."""
    postcode, at, char = case
    changed = postcode[:at] + char + postcode[at + 1 :]
    try:
        normalise(changed)
    except InvalidPostcode:
        with pytest.raises(InvalidPostcode):
            normalise(changed.lower().replace(" ", "  "))
        with pytest.raises(InvalidPostcode):
            normalise(changed.replace(" ", ""))


@given(st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ", max_size=9) | valid_postcodes)
def test_the_fast_check_accepts_exactly_what_normalise_returns(text):
    """The importer trusts NORMALISED to skip normalise() for 2.7 million tidy postcodes."""
    try:
        is_fixed_point = normalise(text) == text
    except InvalidPostcode:
        is_fixed_point = False
    assert bool(NORMALISED.fullmatch(text)) is is_fixed_point

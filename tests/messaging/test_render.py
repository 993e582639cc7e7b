"""Filling in templates the way GOV.UK Notify does: ((name)) placeholders."""

import pytest

from keepwell.messaging.render import MissingPlaceholder, placeholders, render


def test_it_finds_each_placeholder_once_by_name():
    text = "Hello ((name)), can you help with (( need )) on ((when))? Thanks ((name))."
    assert placeholders(text) == {"name", "need", "when"}


def test_text_without_placeholders_has_none():
    assert placeholders("Reply YES or NO (or call us)") == set()
    assert placeholders("") == set()


def test_it_fills_every_placeholder():
    text = "Hello ((name)), ((need)) in ((area)) ((when)). Reply YES or NO."
    context = {"name": "Jo", "need": "shopping", "area": "Riverside", "when": "Tuesday 10am"}
    assert render(text, context) == "Hello Jo, shopping in Riverside Tuesday 10am. Reply YES or NO."


def test_a_missing_value_is_named_in_the_error():
    with pytest.raises(MissingPlaceholder) as raised:
        render("Hello ((name)), see ((url))", {"name": "Jo"})
    assert raised.value.name == "url"
    assert "((url))" in str(raised.value)


def test_a_value_that_looks_like_a_placeholder_is_not_filled_again():
    assert render("Said: ((body))", {"body": "((name))", "name": "Jo"}) == "Said: ((name))"


def test_values_that_are_not_text_are_written_as_text():
    assert render("((count)) follow-ups are due", {"count": 3}) == "3 follow-ups are due"

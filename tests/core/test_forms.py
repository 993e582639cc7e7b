"""Every form in keepwell speaks plainly: each error names its field and says what to do
(the NHS.UK error-message guidance), and every free-text field has a maximum.

The walk below builds every form class in the tree, submits it empty, over its limits and
with nonsense, and reads every message a user would see. A new form class fails the walk
until it is listed in ``_KWARGS`` (or needs no arguments), so none escapes it.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from datetime import date

import pytest
from django import forms

import keepwell
from keepwell.core.forms import (
    LINE_MAX_LENGTH,
    TEXT_MAX_LENGTH,
    Form,
    ModelForm,
    NHSFormMixin,
    plain_messages,
)

# Django's own wording, which must never reach a page.
STOCK = [
    "This field is required",
    "Ensure this value",
    "Select a valid choice",
    "Enter a valid value",
    "Enter a valid date",
    "Enter a valid time",
    "Enter a valid email",
    "Enter a valid URL",
    "Enter a valid “slug”",
    "Enter a whole number.",
    "Enter a number.",
    "Enter a list of values",
    "The submitted file is empty",
    "No file was submitted",
    "Null characters are not allowed",
    "is not a valid choice",
    "already exists",
    "cannot be null",
    "cannot be blank",
]
_SMALL_WORDS = {
    "the", "and", "for", "you", "your", "they", "them", "their", "this", "that", "with", "from",
    "what", "when", "who", "how", "why", "which", "would", "like", "does", "are", "is", "it",
    "optional", "any", "there", "a", "an", "of", "to", "in", "on", "or", "be", "do", "we",
}  # fmt: skip


def _form_classes() -> list[type]:
    found = {}
    for module_info in pkgutil.iter_modules(keepwell.__path__):
        try:
            package = importlib.import_module(f"keepwell.{module_info.name}.forms")
        except ModuleNotFoundError:
            continue
        # A room's forms may be a package of modules (help's are): walk each of them.
        modules = [package] + [
            importlib.import_module(f"{package.__name__}.{sub.name}")
            for sub in pkgutil.iter_modules(getattr(package, "__path__", []))
        ]
        for module in modules:
            for _name, cls in inspect.getmembers(module, inspect.isclass):
                if (
                    issubclass(cls, forms.BaseForm)
                    and cls.__module__ == module.__name__
                    and not cls.__name__.endswith("Mixin")
                    and cls not in (Form, ModelForm)
                ):
                    found[f"{module_info.name}.{cls.__name__}"] = cls
    return sorted(found.items())


def _kwargs(world) -> dict[str, dict]:
    """The arguments each form class needs beyond its data, where it needs any."""
    from keepwell.directory.models import Organisation
    from keepwell.funding.models import Award, Programme
    from keepwell.help.models import Volunteer
    from keepwell.people.models import Person, Strength
    from keepwell.timebank.models import Account, TimeBank

    groups = Organisation.objects.filter(pk=world.mutual_aid.pk)
    accounts = Account.objects.all()
    return {
        "help.NhsListForm": {"groups": groups},
        "help.VolunteerForm": {"groups": groups, "adding": True},
        "help.ConcernContactForm": {"group": world.mutual_aid},
        "help.RoutingRuleForm": {"group": world.mutual_aid},
        "matching.ScopeForm": {"user": world.sam},
        "matching.RoundScopeForm": {"user": world.sam},
        "matching.DriverForm": {"volunteers": Volunteer.objects.all()},
        "directory.LinkForm": {"source": world.practice},
        "referrals.StatusForm": {"to_status": "accepted"},
        "outcomes.AnswersForm": {
            "measures": [],
            "timepoints": [(0, "At the start")],
            "self_service": False,
            "needs_consent": True,
        },
        "timebank.JoinForm": {"choices": [("person", "Margaret Evans")]},
        "timebank.AddMemberForm": {"people": Person.objects.all()},
        "timebank.ExchangeForm": {"others": accounts},
        "timebank.GroupExchangeForm": {"givers": accounts, "members": accounts},
        "timebank.GrantForm": {"members": accounts},
        "timebank.HelpHoursForm": {"tasks": [(1, "Shopping for Margaret")]},
        "timebank.AnswerForm": {"strengths": Strength.objects.all()},
        "timebank.SettingsForm": {"bank": TimeBank(name="Wellbrook Time Bank")},
        "funding.ApplicationForm": {
            "programme": Programme(title="Small grants", max_award_pence=500_000),
            "organisations": groups,
        },
        "funding.DecisionForm": {
            "matchable": Award.objects.none(),
            "services": world.mutual_aid.services.all(),
        },
        "insights.PeriodForm": {"today": date(2026, 12, 4)},
        "spaces.BookingForm": {"organisations": groups},
        "spaces.SpaceForm": {"owner": world.practice},
    }


def _build(name: str, cls: type, world, data) -> forms.BaseForm:
    return cls(data=data, **_kwargs(world).get(name, {}))


def _over_the_limit(form: forms.BaseForm) -> dict:
    data = {}
    for name, field in form.fields.items():
        if isinstance(field, forms.CharField) and field.max_length:
            data[name] = "x" * (field.max_length + 1)
        elif isinstance(field, (forms.IntegerField, forms.DecimalField, forms.FloatField)):
            data[name] = str((field.max_value or 10**9) + 1)
        elif isinstance(field, forms.ChoiceField | forms.ModelChoiceField):
            data[name] = "not-a-choice"
        elif isinstance(field, forms.MultipleChoiceField | forms.ModelMultipleChoiceField):
            data[name] = ["not-a-choice"]
    return data


def _nonsense(form: forms.BaseForm) -> dict:
    data = {}
    for name, field in form.fields.items():
        if isinstance(field, forms.DateField | forms.DateTimeField):
            data[name] = "2026-13-45"
        elif isinstance(field, forms.TimeField):
            data[name] = "25:99"
        elif isinstance(field, (forms.IntegerField, forms.DecimalField, forms.FloatField)):
            data[name] = "lots"
        elif isinstance(field, forms.EmailField):
            data[name] = "not an email"
        elif isinstance(field, forms.URLField):
            data[name] = "not a web address at all"
        elif isinstance(field, forms.CharField):
            data[name] = "a\x00b"
    return data


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z]+", text.lower()) if w not in _SMALL_WORDS}


def _names_its_field(message: str, label: str) -> bool:
    """The message says which field: the label itself, or a word of it ("Choose what they
    need" for "What do they need?")."""
    label = re.sub(r"\(optional\)", "", label).strip()
    if label.lower().rstrip("?") in message.lower():
        return True
    wanted = _words(label)
    said = _words(message)
    stems = {w[:5] for w in said}
    return not wanted or any(w[:5] in stems for w in wanted)


FORMS = _form_classes()


def test_the_walk_finds_the_forms_of_every_room():
    rooms = {name.split(".")[0] for name, _cls in FORMS}
    assert {"help", "timebank", "directory", "outcomes", "people", "accounts"} <= rooms
    assert len(FORMS) > 40


@pytest.mark.parametrize(("name", "cls"), FORMS, ids=[name for name, _cls in FORMS])
def test_every_error_names_its_field_and_says_what_to_do(world, name, cls):
    assert issubclass(cls, NHSFormMixin), f"{name} is not an NHS.UK form (keepwell.core.forms)"
    empty = _build(name, cls, world, {})
    problems = []
    for data in ({}, _over_the_limit(empty), _nonsense(empty)):
        form = _build(name, cls, world, data)
        form.is_valid()
        for field_name, errors in form.errors.items():
            for message in errors:
                for stock in STOCK:
                    if stock.lower() in message.lower():
                        problems.append(f"{field_name}: Django's own words: {message!r}")
                if field_name in form.fields:
                    label = str(form[field_name].label)
                    if not _names_its_field(message, label):
                        problems.append(f"{field_name} ({label!r}): {message!r} names no field")
    assert not problems, f"{name}:\n" + "\n".join(sorted(set(problems)))


@pytest.mark.parametrize(("name", "cls"), FORMS, ids=[name for name, _cls in FORMS])
def test_every_free_text_field_has_a_maximum_on_the_server_and_in_the_page(world, name, cls):
    form = _build(name, cls, world, None)
    for field_name, field in form.fields.items():
        if not isinstance(field, forms.CharField) or field.widget.is_hidden:
            continue
        assert field.max_length, f"{name}.{field_name} takes any length"
        assert f'maxlength="{field.max_length}"' in str(form[field_name]), field_name


class _Story(Form):
    days = forms.IntegerField(label="How many days a week", min_value=0, max_value=7)
    given_name = forms.CharField(label="First name")
    notes = forms.CharField(label="Notes", widget=forms.Textarea, required=False)
    since = forms.DateField(label="From", required=False)
    need = forms.ChoiceField(label="What do they need?", choices=[("shopping", "Shopping")])
    agree = forms.BooleanField(label="They agree to us keeping these details")
    order = forms.IntegerField(label="Order", min_value=0)


def test_a_coordinator_who_types_8_days_a_week_is_told_the_range():
    form = _Story({"days": "8", "order": "-1"})
    assert not form.is_valid()
    assert form.errors["days"] == ["Enter how many days a week, from 0 to 7"]
    assert form.errors["given_name"] == ["Enter the first name"]
    assert form.errors["need"] == ["Choose an answer to “What do they need?”"]
    assert form.errors["agree"] == ["Tick “They agree to us keeping these details” to go on"]
    assert form.errors["order"] == ["The order must be 0 or more"]


def test_nonsense_in_a_date_a_number_or_a_choice_is_explained():
    form = _Story({"days": "most", "since": "31/02/2026", "need": "pony"})
    assert not form.is_valid()
    assert form.errors["days"] == ["Enter how many days a week, from 0 to 7"]
    assert form.errors["since"] == ["Enter “From” as a real date, like 27/03/2026"]
    assert form.errors["need"] == ["Choose an answer to “What do they need?” from the list"]


def test_free_text_has_a_default_maximum_that_counts_a_line_break_once():
    form = _Story({"notes": "x" * (TEXT_MAX_LENGTH + 1)})
    form.is_valid()
    assert form.errors["notes"] == [
        f"The notes must be {TEXT_MAX_LENGTH:,} characters or fewer "
        f"(you entered {TEXT_MAX_LENGTH + 1:,})"
    ]
    assert f'maxlength="{TEXT_MAX_LENGTH}"' in str(form["notes"])
    assert f'maxlength="{LINE_MAX_LENGTH}"' in str(form["given_name"])
    # The browser counts a line break as one character but sends two (CR LF).
    lines = "\r\n".join(["x" * 99] * (TEXT_MAX_LENGTH // 100))
    assert len(lines) > TEXT_MAX_LENGTH
    form = _Story({"notes": lines})
    form.is_valid()
    assert "notes" not in form.errors


def test_a_form_s_own_words_are_kept():
    class Own(Form):
        name = forms.CharField(label="Name", error_messages={"required": "Enter their name"})

    form = Own({})
    form.is_valid()
    assert form.errors["name"] == ["Enter their name"]


def test_labels_that_are_not_nouns_are_quoted_rather_than_bent():
    assert plain_messages(forms.DateField(), "Until")["required"] == "Enter “Until”"
    assert plain_messages(forms.CharField(), "NHS number")["required"] == "Enter the NHS number"
    assert (
        plain_messages(forms.CharField(), "Who authorised them")["required"]
        == "Enter who authorised them"
    )


def test_text_already_saved_longer_than_the_default_can_be_kept_but_not_grown():
    saved = "An imported description. " * 300  # 7,500 characters
    kept = _Story({"notes": saved}, initial={"notes": saved})
    kept.is_valid()
    assert "notes" not in kept.errors
    grown = _Story({"notes": saved + "more"}, initial={"notes": saved})
    grown.is_valid()
    assert "notes" in grown.errors

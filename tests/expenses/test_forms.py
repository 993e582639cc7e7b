"""The expenses forms speak as plainly as every other form (the walk in tests/core/test_forms.py
reads each room's forms module; these live one level down, in funding's expenses app)."""

from __future__ import annotations

import pytest

from keepwell.accounts.models import User
from keepwell.directory.models import Organisation
from keepwell.funding.expenses import forms
from keepwell.funding.expenses.models import PaidRole
from tests.core.test_forms import STOCK, _names_its_field, _nonsense, _over_the_limit


def _kwargs(cls):
    return {
        forms.StartClaimForm: {
            "organisations": Organisation.objects.all(),
            "claimants": User.objects.all(),
        },
        forms.SessionForm: {"roles": PaidRole.objects.all()},
        forms.RoleForm: {"holders": User.objects.all()},
    }.get(cls, {})


@pytest.mark.parametrize(
    "cls",
    [
        forms.StartClaimForm,
        forms.LineForm,
        forms.SessionForm,
        forms.DecideForm,
        forms.LimitsForm,
        forms.RoleForm,
    ],
)
def test_every_error_names_its_field_in_plain_words(world, cls):
    empty = cls(data={}, **_kwargs(cls))
    problems = []
    for data in ({}, _over_the_limit(empty), _nonsense(empty)):
        form = cls(data=data, **_kwargs(cls))
        assert not form.is_valid()
        for name, errors in form.errors.items():
            for message in errors:
                problems += [f"{name}: {message}" for s in STOCK if s.lower() in message.lower()]
                label = str(form[name].label) if name in form.fields else ""
                if label and not _names_its_field(message, label):
                    problems.append(f"{name} ({label}): {message} names no field")
    assert not problems

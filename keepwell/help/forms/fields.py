"""Fields and checks the help forms share."""

from __future__ import annotations

from django import forms

from keepwell.help.models import NeedType
from keepwell.places.postcodes import InvalidPostcode, Postcode


def postcode_value(raw: str, required: bool = True) -> str:
    """The postcode as kept (normalised), or why it is not one; blank when not required."""
    if not raw.strip():
        if required:
            raise forms.ValidationError("Enter a postcode")
        return ""
    try:
        return Postcode(raw).value
    except InvalidPostcode as exc:
        raise forms.ValidationError(str(exc)) from None


def radios(label: str, choices, *, required: str, **options) -> forms.ChoiceField:
    """A choice asked as radio buttons, saying what to choose when none is."""
    return forms.ChoiceField(
        label=label,
        choices=choices,
        widget=forms.RadioSelect,
        error_messages={"required": required},
        **options,
    )


class NeedChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: NeedType) -> str:
        return obj.name


class OnlyGroupField(forms.ModelChoiceField):
    """The group field: when the user has one group it is not asked, and means that one."""

    only = None

    def clean(self, value):
        if self.only is not None:
            return self.only
        return super().clean(value)


def one_group(field: forms.ModelChoiceField, groups) -> None:
    field.queryset = groups
    if groups is not None and len(groups) == 1:
        field.only = groups[0]
        field.required = False
        field.widget = forms.HiddenInput()

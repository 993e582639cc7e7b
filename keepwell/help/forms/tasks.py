"""Giving a task to a volunteer, finishing it, and saying why something is stopped."""

from __future__ import annotations

from django import forms

from keepwell.core.forms import Form


class AssignForm(Form):
    volunteer = forms.IntegerField(widget=forms.HiddenInput)
    how = forms.ChoiceField(
        choices=[("offer", "Offer"), ("assign", "Assign")], widget=forms.HiddenInput
    )
    # Only asked when the volunteer does not speak the language the request needs.
    language_reason = forms.CharField(
        label="Why they can take it without the language",
        help_text="For example, an interpreter is going too",
        max_length=300,
        required=False,
    )


class FinishForm(Form):
    notes = forms.CharField(
        label="Anything to tell the coordinator",
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text="If you could not do it, say why",
    )


class ReasonForm(Form):
    reason = forms.CharField(
        label="Why",
        max_length=300,
        error_messages={"required": "Say why"},
    )

"""The ways a request comes in: the helpline call screen, the public form, NHS lists."""

from __future__ import annotations

from datetime import datetime, time

from django import forms
from django.utils import timezone

from keepwell.core import csvio
from keepwell.core.forms import Form
from keepwell.core.i18n import language_name
from keepwell.core.phone import PhoneField
from keepwell.directory.models import NHS_KINDS, Organisation
from keepwell.help import public_text
from keepwell.help.forms.fields import (
    NeedChoiceField,
    OnlyGroupField,
    one_group,
    postcode_value,
    radios,
)
from keepwell.help.models import NeedType, Urgency
from keepwell.people.models import Consent, Language
from keepwell.places.postcodes import InvalidPostcode, Postcode


def _window(day, start: time | None, end: time | None):
    if day is None:
        return None, None
    begin = timezone.make_aware(datetime.combine(day, start or time(9, 0)))
    finish = timezone.make_aware(datetime.combine(day, end)) if end else None
    return begin, finish


class CallForm(Form):
    """One page for one call: who (found or new), the need, and consent."""

    q = forms.CharField(widget=forms.HiddenInput, required=False)
    public = forms.IntegerField(widget=forms.HiddenInput, required=False)
    person = forms.ChoiceField(
        label="Who is the help for?",
        widget=forms.RadioSelect,
        required=False,
        help_text="Choose someone we know, or add someone new below",
        error_messages={
            "invalid_choice": "Choose who the help is for: someone from the list, or someone new"
        },
    )
    given_name = forms.CharField(label="First name", max_length=100, required=False)
    family_name = forms.CharField(label="Last name", max_length=100, required=False)
    phone = PhoneField(label="Phone", required=False)
    address_line_1 = forms.CharField(label="Address", max_length=200, required=False)
    new_postcode = forms.CharField(label="Postcode", max_length=10, required=False)
    household_name = forms.CharField(
        label="Household",
        max_length=150,
        required=False,
        help_text="Name a household to add them to, for example 'The Evans household'",
    )
    need_type = NeedChoiceField(
        label="What do they need?",
        queryset=NeedType.objects.filter(is_active=True),
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={"required": "Choose what they need"},
    )
    urgency = forms.TypedChoiceField(
        label="How urgent is it?",
        choices=Urgency.choices,
        coerce=int,
        widget=forms.RadioSelect,
        initial=Urgency.ROUTINE,
        error_messages={"required": "Choose how urgent it is"},
    )
    language = forms.ModelChoiceField(
        label="Language the volunteer must speak",
        queryset=Language.objects.all(),
        required=False,
        empty_label="Any (English is fine)",
    )
    day = forms.DateField(
        label="Day it is needed", required=False, help_text="Leave blank if any day"
    )
    start = forms.TimeField(label="From", required=False, help_text="For example, 10:00")
    end = forms.TimeField(label="Until", required=False)
    times_per_week = forms.IntegerField(
        label="Times a week", min_value=1, max_value=7, initial=1, help_text="1 for a one-off"
    )
    weeks = forms.IntegerField(label="For how many weeks", min_value=1, max_value=26, initial=1)
    notes = forms.CharField(label="Notes", widget=forms.Textarea(attrs={"rows": 3}), required=False)
    on_behalf = forms.BooleanField(label="Someone is calling on their behalf", required=False)
    requested_by = forms.CharField(
        label="Who is calling for them", max_length=200, required=False, help_text="Name and phone"
    )
    consent_coordination = forms.BooleanField(
        label="They agree to us arranging help and keeping these details",
        error_messages={"required": "Confirm they agree to us arranging help"},
    )
    consent_share_with_nhs = forms.BooleanField(
        label="They agree to us telling their GP practice about concerns", required=False
    )
    allow_duplicate = forms.BooleanField(
        label="Record it anyway, flagged as a possible duplicate", required=False
    )

    def __init__(self, *args, found=(), groups=(), public=None, **kwargs):
        """``found``: the people the caller may be; ``groups``: those the user may arrange the
        help for (asked only when more than one); ``public``: the public request answered."""
        if public is not None:
            kwargs["initial"] = {**kwargs.get("initial", {}), **_answering(public)}
        super().__init__(*args, **kwargs)
        self.found = {str(p.pk): p for p in found}
        self.groups = list(groups)
        self.fields["day"].widget.attrs["min"] = timezone.localdate().isoformat()
        choices = [
            (
                str(p.pk),
                f"{p.full_name}, {p.postcode or 'no postcode'}"
                f"{', born ' + p.date_of_birth.strftime('%-d %b %Y') if p.date_of_birth else ''}",
            )
            for p in found
        ]
        self.fields["person"].choices = [*choices, ("new", "Someone new")]
        if not found:
            self.fields["person"].widget = forms.HiddenInput()
            self.fields["person"].initial = "new"
        if not self.data.get("allow_duplicate"):
            # Offered only once the coordinator has been told about the open request.
            self.fields["allow_duplicate"].widget = forms.HiddenInput()
        if len(self.groups) > 1:
            self.fields["organisation"] = forms.ModelChoiceField(
                label="The group arranging the help",
                queryset=Organisation.objects.filter(pk__in=[g.pk for g in self.groups]),
                error_messages={"required": "Choose the group"},
            )
            self.fields["organisation"].widget.attrs["class"] = "nhsuk-select"

    def clean_new_postcode(self):
        return postcode_value(self.cleaned_data.get("new_postcode", ""), required=False)

    def clean_day(self):
        day = self.cleaned_data.get("day")
        if day and day < timezone.localdate():
            raise forms.ValidationError("The date it is needed must be today or in the future")
        return day

    def clean(self):
        data = super().clean()
        chosen = data.get("person") or "new"
        if chosen != "new":
            if chosen not in self.found:
                self.add_error(
                    "person", "Choose who the help is for: someone from the list, or someone new"
                )
            data["person_obj"] = self.found.get(chosen)
        else:
            data["person_obj"] = None
            if not data.get("given_name"):
                self.add_error("given_name", "Enter their first name")
            if not data.get("phone") and not data.get("address_line_1"):
                self.add_error("phone", "Enter a phone number or an address to reach them")
        if data.get("on_behalf") and not data.get("requested_by"):
            self.add_error("requested_by", "Say who is calling for them")
        start, end = data.get("start"), data.get("end")
        if start and end and end <= start:
            self.add_error("end", "The time it is needed until must be after the start")
        data["window_start"], data["window_end"] = _window(data.get("day"), start, end)
        if "organisation" not in self.fields and self.groups:
            data["organisation"] = self.groups[0]  # the one group, not asked
        return data

    def ask_about_duplicate(self, message: str) -> None:
        self.fields["allow_duplicate"].widget = forms.CheckboxInput(
            attrs={"class": "nhsuk-checkboxes__input"}
        )
        self.add_error("need_type", message)


def _answering(public) -> dict:
    """The call form filled in from a public request, for the coordinator to check."""
    return {
        "public": public.pk,
        "given_name": public.given_name,
        "family_name": public.family_name,
        "phone": public.phone,
        "address_line_1": public.address,
        "new_postcode": public.postcode,
        "need_type": public.need_type_id,
        "language": public.language_id,
        "notes": public.details,
        "on_behalf": public.on_behalf,
        "requested_by": " ".join(
            p
            for p in (
                public.requester_name,
                public.requester_phone,
                f"({public.requester_relationship})" if public.requester_relationship else "",
            )
            if p
        ),
    }


class PersonSearchForm(Form):
    hide_optional = True
    q = forms.CharField(
        label="Find the caller",
        required=False,
        max_length=100,
        help_text="Name, phone number or postcode",
    )


class PublicRequestForm(Form):
    """Short and plain; its words come from :mod:`keepwell.help.public_text`, in the
    language active when the form is made."""

    hide_optional = False
    given_name = forms.CharField(max_length=100)
    family_name = forms.CharField(max_length=100, required=False)
    phone = PhoneField()
    address = forms.CharField(max_length=300, required=False)
    postcode = forms.CharField(max_length=10)
    need_type = NeedChoiceField(
        queryset=NeedType.objects.filter(is_active=True, public=True),
        widget=forms.RadioSelect,
        empty_label=None,
    )
    details = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    language = forms.ModelChoiceField(queryset=Language.objects.all(), required=False)
    on_behalf = forms.BooleanField(required=False)
    requester_name = forms.CharField(max_length=200, required=False)
    requester_phone = PhoneField(required=False)
    requester_relationship = forms.CharField(max_length=100, required=False)
    consent = forms.BooleanField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            words = public_text.FIELDS.get(name, {})
            field.label = words.get("label", field.label)
            field.help_text = words.get("hint", "")
            field.error_messages["required"] = words.get("required", public_text.REQUIRED)
        self.fields["language"].empty_label = public_text.ANY_LANGUAGE
        # English is the empty choice ("English is fine"), so not listed twice.
        self.fields["language"].queryset = Language.objects.exclude(code="en")
        self.fields["language"].label_from_instance = language_name
        self.fields["need_type"].label_from_instance = public_text.need_name
        self.fields["postcode"].widget.attrs["autocomplete"] = "postal-code"
        self.fields["phone"].widget.attrs["autocomplete"] = "tel"
        self.fields["phone"].widget.input_type = "tel"

    def clean_postcode(self):
        try:
            return Postcode(self.cleaned_data.get("postcode", "")).value
        except InvalidPostcode:
            raise forms.ValidationError(public_text.BAD_POSTCODE) from None

    def clean(self):
        data = super().clean()
        if data.get("on_behalf") and not data.get("requester_name"):
            self.add_error("requester_name", public_text.NEED_REQUESTER)
        return data


class NhsListForm(Form):
    file = forms.FileField(
        label="The list (CSV)",
        help_text="Columns: given_name, family_name, phone, postcode; optional nhs_number, "
        "date_of_birth (YYYY-MM-DD), mobile, address_line_1, town, language, notes",
        error_messages={"required": "Choose the CSV file to upload"},
    )
    shared_by = forms.ModelChoiceField(
        label="Who shared it",
        queryset=Organisation.objects.filter(kind__in=NHS_KINDS),
        error_messages={"required": "Choose the NHS organisation that shared the list"},
    )
    lawful_basis = radios(
        "Lawful basis for sharing", Consent.LawfulBasis.choices, required="Choose the lawful basis"
    )
    sharing_basis = forms.CharField(
        label="Data-sharing agreement or notice",
        max_length=300,
        help_text="For example: Data sharing agreement DSA-12",
        error_messages={"required": "Name the agreement or notice the list was shared under"},
    )
    organisation = OnlyGroupField(
        label="The group that will make the calls",
        queryset=Organisation.objects.none(),
        error_messages={"required": "Choose the group that will make the calls"},
    )

    def __init__(self, *args, groups=None, **kwargs):
        super().__init__(*args, **kwargs)
        one_group(self.fields["organisation"], groups)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".csv"):
            raise forms.ValidationError("The file must be a CSV file")
        try:
            return upload.name, csvio.decode_upload(upload)
        except csvio.CsvProblem as exc:
            raise forms.ValidationError(str(exc)) from None

"""A volunteer's details, status, checks and authorisations."""

from __future__ import annotations

import re

from django import forms
from django.utils import timezone

from keepwell.core.forms import Form
from keepwell.core.phone import PhoneField
from keepwell.directory.models import Organisation
from keepwell.help.forms.fields import OnlyGroupField, one_group, postcode_value, radios
from keepwell.help.models import AuthorisationKind, CheckKind, NeedType, Transport, VolunteerStatus
from keepwell.people.models import Language

DAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
SLOT = re.compile(r"^\s*(\w+)\s+(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


def parse_availability(text: str) -> list[tuple[int, int, int]]:
    """Lines like 'Monday 09:00-12:00' into (weekday, start_minute, end_minute)."""
    slots, problems = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        match = SLOT.match(line)
        day = match and next(
            (i for i, d in enumerate(DAYS) if d.startswith(match[1].lower()[:3])), None
        )
        if not match or day is None or len(match[1]) < 3:
            problems.append(f"Line {number}: write it like 'Monday 09:00-12:00'")
            continue
        start = int(match[2]) * 60 + int(match[3])
        end = int(match[4]) * 60 + int(match[5])
        if not 0 <= start < end <= 1440:
            problems.append(f"Line {number}: the end must be after the start, within the day")
            continue
        slots.append((day, start, end))
    if problems:
        raise forms.ValidationError(problems)
    return slots


def format_availability(slots) -> str:
    return "\n".join(
        f"{DAYS[s.weekday].title()} {s.start_minute // 60:02d}:{s.start_minute % 60:02d}-"
        f"{s.end_minute // 60:02d}:{s.end_minute % 60:02d}"
        for s in slots
    )


class VolunteerForm(Form):
    first_name = forms.CharField(
        max_length=150, error_messages={"required": "Enter their first name"}
    )
    last_name = forms.CharField(max_length=150, required=False)
    email = forms.EmailField(
        required=False,
        error_messages={
            "invalid": "Enter an email address in the correct format, like name@example.com"
        },
    )
    phone = PhoneField(required=False)
    home_postcode = forms.CharField(
        label="Home postcode",
        max_length=10,
        error_messages={"required": "Enter their home postcode"},
    )
    max_km = forms.DecimalField(
        label="How far they will travel (km)",
        min_value=0,
        max_value=99,
        decimal_places=1,
        initial=3,
    )
    transport = forms.ChoiceField(choices=Transport.choices, widget=forms.RadioSelect)
    skills = forms.ModelMultipleChoiceField(
        label="Help they offer",
        queryset=NeedType.objects.filter(is_active=True),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    languages = forms.ModelMultipleChoiceField(
        label="Languages they speak",
        queryset=Language.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    max_tasks_per_week = forms.IntegerField(
        label="Most tasks a week", min_value=1, max_value=50, initial=3
    )
    availability = forms.CharField(
        label="When they are usually free",
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text="One line each, like 'Monday 09:00-12:00'. Leave blank for any time",
    )
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    organisation = OnlyGroupField(
        label="The group they volunteer with", queryset=Organisation.objects.none(), required=False
    )

    def __init__(self, *args, groups=None, adding=False, volunteer=None, **kwargs):
        if volunteer is not None:
            kwargs.setdefault(
                "initial",
                {
                    "first_name": volunteer.user.first_name,
                    "last_name": volunteer.user.last_name,
                    "email": volunteer.user.email,
                    "phone": volunteer.phone,
                    "home_postcode": volunteer.home_postcode,
                    "max_km": volunteer.max_km,
                    "transport": volunteer.transport,
                    "max_tasks_per_week": volunteer.max_tasks_per_week,
                    "notes": volunteer.notes,
                    "skills": list(volunteer.skills.all()),
                    "languages": list(volunteer.languages.all()),
                    "availability": format_availability(volunteer.availability.all()),
                },
            )
        super().__init__(*args, **kwargs)
        self.fields["skills"].label_from_instance = lambda n: (
            f"{n.name} (needs: {n.requirements_text})"
        )
        if adding:
            self.fields["organisation"].required = True
            self.fields["organisation"].error_messages["required"] = "Choose their group"
            one_group(self.fields["organisation"], groups)
        else:
            del self.fields["organisation"]

    def clean_home_postcode(self):
        return postcode_value(self.cleaned_data.get("home_postcode", ""))

    def clean_availability(self):
        return parse_availability(self.cleaned_data.get("availability", ""))

    def volunteer_fields(self) -> dict:
        """The cleaned data as the services' arguments (the group apart)."""
        data = self.cleaned_data
        return {
            "first_name": data["first_name"],
            "last_name": data["last_name"],
            "email": data["email"],
            "phone": data["phone"],
            "home_postcode": data["home_postcode"],
            "max_km": data["max_km"],
            "transport": data["transport"],
            "max_tasks_per_week": data["max_tasks_per_week"],
            "notes": data["notes"],
            "skills": data["skills"],
            "languages": data["languages"],
            "availability": data["availability"],
        }


class StatusForm(Form):
    status = radios("Change their status", VolunteerStatus.choices, required="Choose a status")


class CheckForm(Form):
    kind = radios("Check", CheckKind.choices, required="Choose the kind of check")
    reference = forms.CharField(
        label="Certificate number or training provider", max_length=50, required=False
    )
    checked_on = forms.DateField(
        label="Date of the check", error_messages={"required": "Enter the date of the check"}
    )
    expires_on = forms.DateField(
        label="Expires on", required=False, help_text="Leave blank if it does not expire"
    )

    def clean(self):
        data = super().clean()
        checked, expires = data.get("checked_on"), data.get("expires_on")
        if checked and checked > timezone.localdate():
            self.add_error("checked_on", "The date of the check must be today or in the past")
        if checked and expires and expires <= checked:
            self.add_error("expires_on", "The expiry date must be after the date of the check")
        return data


class AuthorisationForm(Form):
    kind = radios("Authorisation", AuthorisationKind.choices, required="Choose the authorisation")
    authorised_by = forms.CharField(
        label="Who authorised them",
        max_length=150,
        required=False,
        help_text="For example the pharmacy that trained them",
    )
    expires_on = forms.DateField(label="Expires on", required=False)

    def clean_expires_on(self):
        day = self.cleaned_data.get("expires_on")
        if day and day <= timezone.localdate():
            raise forms.ValidationError("The expiry date must be in the future")
        return day

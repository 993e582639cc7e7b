"""The communication audit's forms: the filter, a channel logged by hand, and the review."""

from __future__ import annotations

from datetime import date, timedelta

from django import forms

from keepwell.core.forms import Form
from keepwell.messaging.models import Channel, HandChannel, Purpose
from keepwell.messaging.report import DIMENSION_LABELS, DIMENSIONS
from keepwell.places.models import Area

# The longest period one page may count: the 12-month review with room either side.
MOST_DAYS = 3 * 366
LANGUAGES = [
    ("en", "English"),
    ("pt", "Portuguese"),
    ("cy", "Welsh"),
    ("pl", "Polish"),
    ("ur", "Urdu"),
    ("bn", "Bengali"),
    ("ar", "Arabic"),
    ("other", "Another language"),
]


def _area_field(area_ids: set[int] | None, *, required: bool = False) -> forms.ModelChoiceField:
    areas = Area.objects.all() if area_ids is None else Area.objects.filter(pk__in=area_ids)
    return forms.ModelChoiceField(
        queryset=areas,
        required=required,
        label="Area",
        empty_label="Every area" if not required else "Choose an area",
    )


class _Period(Form):
    def _check_period(self, start_name: str, end_name: str) -> None:
        start, end = self.cleaned_data.get(start_name), self.cleaned_data.get(end_name)
        if start and end and end < start:
            self.add_error(end_name, "The end date must be the same as or after the start date")
        elif start and end and (end - start).days > MOST_DAYS:
            self.add_error(end_name, "Choose a period of 3 years or less")


class AuditFilterForm(_Period):
    start = forms.DateField(label="Start date")
    end = forms.DateField(label="End date")
    group_by = forms.MultipleChoiceField(
        label="Group by",
        choices=[(d, DIMENSION_LABELS[d]) for d in DIMENSIONS],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args, area_ids: set[int] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"] = _area_field(area_ids)

    @staticmethod
    def defaults(today: date) -> dict:
        """The last 12 months, by channel: the review the report asks for."""
        return {"start": today - timedelta(days=364), "end": today, "group_by": ["channel"]}

    def clean(self):
        data = super().clean()
        self._check_period("start", "end")
        return data


class HandLogForm(Form):
    channel = forms.ChoiceField(label="Channel", choices=HandChannel.choices)
    happened_on = forms.DateField(label="Date it happened")
    reach = forms.IntegerField(
        label="About how many people it reached",
        min_value=0,
        max_value=10_000_000,
        help_text="For example, leaflets delivered or the members of the WhatsApp group",
    )
    replies = forms.IntegerField(
        label="Replies or responses", min_value=0, max_value=10_000_000, required=False
    )
    language = forms.ChoiceField(label="Language", choices=LANGUAGES, initial="en")
    purpose = forms.ChoiceField(label="Purpose", choices=Purpose.choices, initial=Purpose.NEWS)
    audience = forms.CharField(label="Who it was for", max_length=200, required=False)
    delivered_by = forms.CharField(label="Who delivered it", max_length=200, required=False)
    notes = forms.CharField(label="Notes", widget=forms.Textarea, required=False)

    def __init__(self, *args, area_ids: set[int] | None = None, today: date | None = None, **kw):
        super().__init__(*args, **kw)
        self.today = today
        self.fields["area"] = _area_field(area_ids)

    def clean_happened_on(self):
        day = self.cleaned_data["happened_on"]
        if self.today and day > self.today:
            raise forms.ValidationError("The date it happened must be today or in the past")
        return day


REVIEW_CHANNELS = [*Channel.choices, *HandChannel.choices]


class ReviewForm(_Period):
    channel = forms.ChoiceField(label="Channel", choices=REVIEW_CHANNELS)
    period_start = forms.DateField(label="Start of the period")
    period_end = forms.DateField(label="End of the period")
    what_worked = forms.CharField(label="What worked", widget=forms.Textarea)
    why = forms.CharField(label="Why it worked, or did not", widget=forms.Textarea)
    best_messenger = forms.CharField(label="Who is best to deliver it", max_length=300)

    def clean(self):
        data = super().clean()
        self._check_period("period_start", "period_end")
        return data

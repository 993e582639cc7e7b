"""Spaces forms: finding a free room, asking for it, deciding and cancelling, and an owner's
description of a space with its opening hours."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from keepwell.core.forms import Form, PoundsField
from keepwell.directory.models import Location, Organisation, Service
from keepwell.places.postcodes import InvalidPostcode, Postcode
from keepwell.places.services import PostcodeLookup
from keepwell.spaces.models import Space, Weekday
from keepwell.spaces.services import MAX_WEEKS
from keepwell.spaces.times import aware

KM_CHOICES = [("1", "1 km"), ("2", "2 km"), ("3", "3 km"), ("5", "5 km"), ("10", "10 km")]


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__(
            attrs={"class": "nhsuk-input nhsuk-input--width-5", **(attrs or {})}, format="%H:%M"
        )


class _When(Form):
    """A date with a start and an end time, read in Wellbrook's time."""

    date = forms.DateField(label="Date", widget=forms.DateInput)
    start_time = forms.TimeField(
        label="Start time", widget=TimeInput, help_text="For example 14:00"
    )
    end_time = forms.TimeField(label="End time", widget=TimeInput, help_text="For example 16:00")

    def clean(self):
        data = super().clean()
        day, begins, ends = data.get("date"), data.get("start_time"), data.get("end_time")
        if day and begins and ends:
            if ends <= begins:
                self.add_error("end_time", "The end time must be after the start time")
            else:
                data["start"], data["end"] = aware(day, begins), aware(day, ends)
        return data


class SearchForm(_When):
    people = forms.IntegerField(label="Number of people", min_value=1, max_value=1000)
    step_free = forms.BooleanField(label="Step-free access only", required=False)
    postcode = forms.CharField(label="Near the postcode (optional)", required=False, max_length=10)
    km = forms.ChoiceField(label="Within", choices=KM_CHOICES, initial="3", required=False)

    field_order = ["people", "date", "start_time", "end_time", "step_free", "postcode", "km"]

    def clean_postcode(self):
        raw = self.cleaned_data.get("postcode", "").strip()
        if not raw:
            return None
        try:
            postcode = Postcode(raw)
        except InvalidPostcode as exc:
            raise forms.ValidationError(str(exc)) from None
        found = PostcodeLookup().try_locate(postcode)
        if found is None:
            raise forms.ValidationError(f"We do not know where {postcode} is: try another postcode")
        return (found.latitude, found.longitude)

    def clean_km(self):
        return float(self.cleaned_data.get("km") or 3)


class BookingForm(_When):
    organisation = forms.ModelChoiceField(
        label="Which group is booking", queryset=Organisation.objects.none()
    )
    title = forms.CharField(
        label="What the session is", max_length=150, help_text="For example: Chair yoga"
    )
    service = forms.ModelChoiceField(
        label="The service or activity it is for (optional)",
        queryset=Service.objects.none(),
        required=False,
        help_text="From the group's listings in the directory",
    )
    people = forms.IntegerField(label="People expected", min_value=1, max_value=1000)
    weeks = forms.IntegerField(
        label="How many weeks",
        min_value=1,
        max_value=MAX_WEEKS,
        initial=1,
        help_text="1 for once only; more to book the same time every week",
    )
    public = forms.BooleanField(
        label="Show the group's name and the session on the public timetable",
        required=False,
        help_text="Otherwise the timetable says only that the time is booked",
    )

    field_order = [
        "organisation", "title", "service", "date", "start_time", "end_time", "weeks",
        "people", "public",
    ]  # fmt: skip

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        self.fields["service"].queryset = Service.objects.filter(
            organisation__in=organisations
        ).select_related("organisation")
        self.fields["service"].label_from_instance = lambda s: f"{s.name} ({s.organisation})"

    def clean(self):
        data = super().clean()
        service, organisation = data.get("service"), data.get("organisation")
        if service and organisation and service.organisation_id != organisation.pk:
            self.add_error("service", "Choose one of the booking group's own services")
        start = data.get("start")
        if start and start < timezone.now():
            self.add_error("date", "Choose a date and time still to come")
        return data


class DecideForm(Form):
    decision = forms.ChoiceField(
        label="Your decision",
        choices=[("approve", "Approve"), ("decline", "Decline")],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label="Reason (needed to decline)",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The group is told it",
    )
    whole_series = forms.BooleanField(
        label="Decide every week of this request", required=False, initial=True
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == "decline" and not data.get("reason", "").strip():
            self.add_error("reason", "Enter the reason for declining: the group will be told")
        return data


class CancelForm(Form):
    reason = forms.CharField(
        label="Reason (optional)",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    whole_series = forms.BooleanField(
        label="Cancel the later weeks of this booking too", required=False
    )


SPACE_FIELDS = [
    "name", "kind", "description", "capacity", "step_free", "hearing_loop", "quiet_room",
    "kitchen", "garden", "other_facilities", "free_for_community", "is_listed",
]  # fmt: skip


class SpaceForm(Form):
    """A room or outdoor space in one of the owner's buildings, as groups will find it: who
    it holds, what it has, what it costs and when it is open (blank days are closed)."""

    location = forms.ModelChoiceField(
        label="Which building", queryset=Location.objects.none(), help_text="From the directory"
    )
    name = forms.CharField(label="Name of the space", max_length=120)
    kind = forms.ChoiceField(label="Kind of space", choices=Space.Kind.choices)
    description = forms.CharField(
        label="Description (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="How to find it, what it suits",
    )
    capacity = forms.IntegerField(label="The most people it holds", min_value=1, max_value=1000)
    step_free = forms.BooleanField(label="Step-free access", required=False)
    hearing_loop = forms.BooleanField(label="Hearing loop", required=False)
    quiet_room = forms.BooleanField(label="Quiet or sensory room", required=False)
    kitchen = forms.BooleanField(label="Kitchen", required=False)
    garden = forms.BooleanField(label="Garden", required=False)
    other_facilities = forms.CharField(
        label="Other facilities (optional)", required=False, max_length=300
    )
    price = PoundsField(
        label="Price per hour",
        example="12.50",
        required=False,
        help_text="In pounds, like 12.50; leave blank if it is free",
    )
    free_for_community = forms.BooleanField(
        label="Free for community groups",
        required=False,
        help_text="Community groups pay nothing; others pay the hourly price",
    )
    is_listed = forms.BooleanField(
        label="Open for bookings", required=False, initial=True, help_text="Shown in searches"
    )

    def __init__(self, *args, owner, space: Space | None = None, **kwargs):
        if space is not None and not kwargs.get("initial"):
            kwargs["initial"] = _initial(space)
        super().__init__(*args, **kwargs)
        self.fields["location"].queryset = Location.objects.filter(organisation=owner).order_by(
            "name", "id"
        )
        self.fields["location"].label_from_instance = lambda place: place.one_line
        for day, name in Weekday.choices:
            self.fields[f"opens_{day}"] = forms.TimeField(
                label=f"{name}: opens", required=False, widget=TimeInput
            )
            self.fields[f"closes_{day}"] = forms.TimeField(
                label=f"{name}: closes", required=False, widget=TimeInput
            )

    def clean(self):
        data = super().clean()
        hours = {}
        for day, name in Weekday.choices:
            opens, closes = data.get(f"opens_{day}"), data.get(f"closes_{day}")
            if (opens is None) != (closes is None):
                missing = f"closes_{day}" if closes is None else f"opens_{day}"
                if missing not in self.errors:
                    self.add_error(
                        missing,
                        f"Enter both times for {name}, or neither if it is closed that day",
                    )
            elif opens is not None and closes is not None:
                if closes <= opens:
                    self.add_error(f"closes_{day}", f"{name}: closing must be after opening")
                else:
                    hours[day] = (opens, closes)
        data["hours"] = hours
        return data

    def space_fields(self) -> dict:
        data = self.cleaned_data
        fields = {name: data[name] for name in SPACE_FIELDS}
        fields["price_pence_per_hour"] = data["price"] or 0
        return fields


def _initial(space: Space) -> dict:
    initial = {name: getattr(space, name) for name in SPACE_FIELDS}
    initial["location"] = space.location_id
    price = space.price_pence_per_hour
    initial["price"] = f"{price // 100}.{price % 100:02d}" if price else ""
    for hours in space.opening_hours.all():
        initial[f"opens_{hours.weekday}"] = hours.opens
        initial[f"closes_{hours.weekday}"] = hours.closes
    return initial

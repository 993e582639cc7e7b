"""Forms for matching pages: they parse and validate; the services decide and write."""

from __future__ import annotations

from django import forms

from keepwell.accounts.models import Role
from keepwell.core.forms import Form
from keepwell.directory.models import Organisation
from keepwell.help.models import Volunteer, VolunteerStatus
from keepwell.matching.rules import Scope
from keepwell.places.models import Area
from keepwell.places.postcodes import InvalidPostcode, Postcode

ALL_AREAS = ""


def groups_for(user):
    """The groups a user may run matching for."""
    if user.is_platform_admin:
        return Organisation.objects.filter(memberships__role=Role.COORDINATOR).distinct()
    return Organisation.objects.filter(
        pk__in=user.organisation_ids(Role.COORDINATOR, Role.AREA_LEAD)
    )


def areas_for(user):
    """The areas a user may pick: every area for coordinators, their own for area leads."""
    if user.is_platform_admin or user.organisation_ids(Role.COORDINATOR):
        return Area.objects.all()
    return Area.objects.filter(pk__in=user.led_area_ids())


class ScopeForm(Form):
    """Which group and which area (or every area)."""

    organisation = forms.ModelChoiceField(
        label="Group", queryset=Organisation.objects.none(), empty_label=None
    )
    area = forms.ChoiceField(label="Area", required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["organisation"].queryset = groups_for(user).order_by("name")
        choices = [(str(a.pk), a.name) for a in areas_for(user).order_by("name")]
        if user.is_platform_admin or user.organisation_ids(Role.COORDINATOR):
            choices.insert(0, (ALL_AREAS, "Every area"))
        self.fields["area"].choices = choices

    def clean_area(self) -> Area | None:
        value = self.cleaned_data.get("area") or ALL_AREAS
        if value == ALL_AREAS:
            return None
        return Area.objects.filter(pk=value).first()

    def clean(self):
        data = super().clean()
        organisation = data.get("organisation")
        if organisation is not None and not self.errors:
            area = data.get("area")
            scope = Scope(organisation.pk, area.pk if area else None)
            if not self.user.has_perm("matching.run_for", scope):
                self.add_error("area", "Choose an area you lead")
        return data


class RoundScopeForm(ScopeForm):
    # No day is filled in: a coordinator says which day the round is. A date input takes
    # only ISO dates, so a value typed back after an error is written that way too.
    day = forms.DateField(label="Day of the round", widget=forms.DateInput(format="%Y-%m-%d"))


def _postcode(raw: str) -> str:
    try:
        return Postcode(raw).value
    except InvalidPostcode as exc:
        raise forms.ValidationError(str(exc)) from None


class DriverForm(Form):
    """One driver: who, where they start, how much they carry, and when."""

    volunteer = forms.ModelChoiceField(
        label="Driver", queryset=Volunteer.objects.none(), required=False
    )
    start_postcode = forms.CharField(
        label="Starts from (postcode)",
        required=False,
        help_text="Leave blank to start from the driver's home",
        widget=forms.TextInput(attrs={"class": "nhsuk-input--width-10", "autocomplete": "off"}),
    )
    capacity = forms.IntegerField(
        label="Parcels they can carry",
        min_value=1,
        max_value=200,
        initial=10,
        required=False,
        widget=forms.NumberInput(attrs={"class": "nhsuk-input--width-4"}),
    )
    shift_start = forms.TimeField(
        label="From",
        initial="09:00",
        required=False,
        widget=forms.TimeInput(attrs={"type": "time", "class": "nhsuk-input--width-5"}),
    )
    shift_end = forms.TimeField(
        label="Until",
        initial="13:00",
        required=False,
        widget=forms.TimeInput(attrs={"type": "time", "class": "nhsuk-input--width-5"}),
    )

    def __init__(self, *args, volunteers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["volunteer"].queryset = volunteers

    def clean(self):
        data = super().clean()
        if self.errors or data.get("volunteer") is None:
            return data
        raw = (data.get("start_postcode") or "").strip() or data["volunteer"].home_postcode
        try:
            data["start_postcode"] = _postcode(raw)
        except forms.ValidationError as exc:
            self.add_error("start_postcode", exc)
        for name in ("capacity", "shift_start", "shift_end"):
            if data.get(name) is None:
                self.add_error(name, f"Enter the driver's {self.fields[name].label.lower()}")
        start, end = data.get("shift_start"), data.get("shift_end")
        if start and end and end <= start:
            self.add_error("shift_end", "The shift must end after it starts")
        return data


def driver_volunteers(organisation):
    return (
        Volunteer.objects.filter(organisations=organisation, status=VolunteerStatus.ACTIVE)
        .select_related("user")
        .order_by("user__display_name", "pk")
    )

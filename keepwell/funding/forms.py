"""Funding's forms, in the NHS.UK design system (core.forms): amounts are typed in pounds
and kept in pence; every date and amount is checked with a reason that names the field."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from keepwell.accounts.models import User
from keepwell.core.forms import Form
from keepwell.funding import money
from keepwell.funding.models import Award, Programme

MOST_PENCE = 10_000_000_000 * 100  # £10bn: more than any NHS body's budget


class PoundsField(forms.CharField):
    """An amount in pounds ('1,500' or '£1500.50'), cleaned to integer pence."""

    def __init__(self, *args, allow_zero: bool = False, **kwargs):
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal"}))
        super().__init__(*args, **kwargs)
        self.allow_zero = allow_zero

    def clean(self, value):
        text = super().clean(value)
        if text in self.empty_values:
            return None
        try:
            pence = money.parse_pounds(text)
        except money.AmountError as exc:
            raise forms.ValidationError(f"{self.label}: {exc}", code="invalid_amount") from None
        if pence == 0 and not self.allow_zero:
            raise forms.ValidationError(f"{self.label} must be more than £0", code="zero")
        if pence > MOST_PENCE:
            raise forms.ValidationError(f"{self.label} must be £10 billion or less", code="big")
        return pence


def _date(label: str, **kwargs) -> forms.DateField:
    return forms.DateField(label=label, widget=forms.DateInput(format="%Y-%m-%d"), **kwargs)


class ApplicationForm(Form):
    organisation = forms.ModelChoiceField(queryset=None, label="Which group is applying")
    title = forms.CharField(
        label="What the money is for",
        max_length=140,
        help_text="A short title, for example 'Tuesday lunch club for older neighbours'",
    )
    description = forms.CharField(
        label="What you will do", widget=forms.Textarea(attrs={"rows": 5}), max_length=3000
    )
    who_benefits = forms.CharField(
        label="Who will benefit",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text="Who they are and about how many",
    )
    amount = PoundsField(label="How much you are asking for", help_text="In pounds, like 1500")
    needed_by = _date("When you need the money by")

    def __init__(self, *args, organisations=None, programme: Programme, **kwargs):
        super().__init__(*args, **kwargs)
        self.programme = programme
        if organisations is None:
            del self.fields["organisation"]
        else:
            self.fields["organisation"].queryset = organisations
            self.fields["organisation"].error_messages["required"] = (
                "Choose which group is applying"
            )
        if programme.max_award_pence:
            self.fields[
                "amount"
            ].help_text = f"In pounds: up to {money.pounds(programme.max_award_pence)}"

    def clean_needed_by(self):
        day = self.cleaned_data["needed_by"]
        if day < timezone.localdate():
            raise forms.ValidationError("The date you need the money by must be in the future")
        return day

    def fields_for_service(self) -> dict:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "description": data["description"],
            "who_benefits": data["who_benefits"],
            "amount_pence": data["amount"],
            "needed_by": data["needed_by"],
        }


class ProgrammeForm(Form):
    title = forms.CharField(label="Name of the programme", max_length=200)
    criteria = forms.CharField(
        label="What it funds and who may apply",
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=5000,
    )
    budget = PoundsField(label="Budget", help_text="In pounds")
    max_award = PoundsField(
        label="Largest award (optional)",
        required=False,
        help_text="In pounds; leave blank for no limit",
    )
    opens_on = _date("Opens for applications on")
    closes_on = _date("Closes on")
    decided_by = forms.ChoiceField(
        label="Who decides", choices=Programme.DecidedBy.choices, widget=forms.RadioSelect
    )
    pass_mark = forms.IntegerField(
        label="Panel's pass mark (0 to 10)",
        min_value=0,
        max_value=10,
        initial=6,
        help_text="An application is awarded when the mean of the panel's scores is this or more",
    )

    def clean(self):
        data = super().clean()
        opens, closes = data.get("opens_on"), data.get("closes_on")
        if opens and closes and closes < opens:
            self.add_error("closes_on", "The closing date must be on or after the opening date")
        budget, most = data.get("budget"), data.get("max_award")
        if budget and most and most > budget:
            self.add_error("max_award", "The largest award cannot be more than the budget")
        return data


class PanelMemberForm(Form):
    username = forms.CharField(label="Their keepwell username", max_length=150)
    is_resident = forms.BooleanField(label="They take part as a resident", required=False)

    def clean_username(self):
        name = self.cleaned_data["username"].strip()
        user = User.objects.filter(username__iexact=name, is_active=True).first()
        if user is None:
            raise forms.ValidationError(f"There is nobody with the username {name!r}")
        return user


class ScoreForm(Form):
    score = forms.IntegerField(label="Your score, from 0 to 10", min_value=0, max_value=10)
    reason = forms.CharField(
        label="Why you gave this score", widget=forms.Textarea(attrs={"rows": 4}), max_length=3000
    )


class DecisionForm(Form):
    outcome = forms.ChoiceField(
        label="Decision",
        choices=[("award", "Award"), ("decline", "Decline")],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label="Reason for the decision", widget=forms.Textarea(attrs={"rows": 3}), max_length=3000
    )
    amount = PoundsField(label="Amount awarded", required=False, help_text="In pounds")
    awarded_on = _date("Date of the award", required=False)
    starts_on = _date("The funded work starts on", required=False)
    ends_on = _date("The funded work ends on", required=False)
    conditions = forms.CharField(
        label="Conditions (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=3000,
    )
    matches = forms.ModelChoiceField(
        label="Matches another funder's award (optional)", queryset=None, required=False
    )
    services = forms.ModelMultipleChoiceField(
        label="Services it pays for (optional)",
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, matchable, services, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["matches"].queryset = matchable
        self.fields["matches"].label_from_instance = lambda a: (
            f"{a.amount} from {a.funder} to {a.recipient}: {a.application.title}"
        )
        self.fields["services"].queryset = services
        self.fields["outcome"].error_messages["required"] = "Choose the decision: award or decline"

    def clean(self):
        data = super().clean()
        if data.get("outcome") != "award":
            return data
        for name in ("amount", "awarded_on", "starts_on", "ends_on"):
            if not data.get(name) and name not in self.errors:
                label = self.fields[name].label
                self.add_error(name, f"Enter the {label[0].lower() + label[1:]} to award")
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", "The funded work must end on or after the day it starts")
        return data


class DisbursementForm(Form):
    amount = PoundsField(label="Amount paid", help_text="In pounds")
    paid_on = _date("Date paid")
    note = forms.CharField(label="Note (optional)", required=False, max_length=200)

    def clean_paid_on(self):
        day = self.cleaned_data["paid_on"]
        if day > timezone.localdate():
            raise forms.ValidationError("The date paid must be today or in the past")
        return day


class ReportDueForm(Form):
    title = forms.CharField(label="What report", max_length=140, initial="Progress report")
    due_on = _date("Due on")


class InvestmentForm(Form):
    year = forms.IntegerField(
        label="Financial year starting in April of",
        min_value=2000,
        max_value=2100,
        help_text="For 2025/26, enter 2025",
    )
    budget = PoundsField(label="Total budget that year", help_text="In pounds")
    target = forms.DecimalField(
        label="Target share for the community, in percent",
        min_value=0,
        max_value=100,
        decimal_places=2,
        help_text="For example 1 for 1%",
    )

    def clean_target(self):
        value = self.cleaned_data["target"]
        if value <= 0:
            raise forms.ValidationError("The target share must be more than 0%")
        return int(value * 100)


def matchable_awards(programme: Programme):
    """Awards by other funders an award of this programme may match."""
    return Award.objects.for_listing().exclude(application__programme__funder=programme.funder)

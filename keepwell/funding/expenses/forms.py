"""Forms for claims, sessions, decisions, limits and paid roles (NHS.UK error summary)."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils import timezone

from keepwell.core.forms import Form, PoundsField
from keepwell.funding.expenses import services
from keepwell.funding.expenses.models import LineKind, PaidRole, Vehicle


class StartClaimForm(Form):
    organisation = forms.ModelChoiceField(
        queryset=None, label="Which group is the claim to", empty_label=None
    )
    claimant = forms.ModelChoiceField(
        queryset=None,
        label="Who is claiming",
        empty_label=None,
        help_text="A coordinator can fill a claim in for someone in their group",
    )

    def __init__(self, *args, organisations, claimants, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        self.fields["claimant"].queryset = claimants


class LineForm(Form):
    kind = forms.ChoiceField(
        choices=LineKind.choices, widget=forms.RadioSelect, label="What did you spend it on"
    )
    spent_on = forms.DateField(label="Date", help_text="The day of the journey or the cost")
    description = forms.CharField(
        label="What it was for",
        max_length=200,
        help_text="For a journey, from where to where: “Home to Riverside Surgery and back”",
    )
    amount = PoundsField(
        label="Amount",
        required=False,
        help_text="In pounds, like 4.50. Leave it empty for mileage: it is worked out",
    )
    miles = forms.IntegerField(
        label="Miles",
        required=False,
        min_value=1,
        max_value=1000,
        help_text="For mileage: the whole journey, to the nearest mile",
    )
    vehicle = forms.ChoiceField(
        choices=Vehicle.choices,
        widget=forms.RadioSelect,
        label="Vehicle",
        required=False,
        help_text="For mileage: a car or van is paid 45p a mile (25p after 10,000 miles in a "
        "tax year), a motorcycle 24p and a bicycle 20p",
    )
    receipt = forms.FileField(
        label="Receipt",
        required=False,
        help_text="A photo or scan: PDF, JPEG or PNG, up to 5 MB",
    )

    def clean_spent_on(self):
        day = self.cleaned_data["spent_on"]
        if day > timezone.localdate():
            raise forms.ValidationError("The date must be today or in the past")
        return day

    def clean_receipt(self):
        upload = self.cleaned_data.get("receipt")
        if upload:
            try:
                services.inspect_receipt(upload)
            except services.Refused as refused:
                raise forms.ValidationError(str(refused)) from None
        return upload

    def clean(self):
        data = super().clean()
        if data.get("kind") == LineKind.MILEAGE:
            if not data.get("miles") and "miles" not in self.errors:
                self.add_error("miles", "Enter the miles for a mileage claim")
            if not data.get("vehicle"):
                self.add_error("vehicle", "Choose the vehicle for a mileage claim")
        elif data.get("kind") and not data.get("amount") and "amount" not in self.errors:
            self.add_error("amount", "Enter the amount in pounds, like 4.50")
        return data


class SessionForm(Form):
    role = forms.ModelChoiceField(queryset=None, label="Paid role", empty_label=None)
    worked_on = forms.DateField(label="Date worked")
    how_much = forms.DecimalField(
        label="How many sessions or hours",
        min_value=Decimal("0.25"),
        max_value=24,
        decimal_places=2,
        max_digits=4,
        help_text="Sessions are whole numbers; hours may be in quarters, like 1.5",
    )
    note = forms.CharField(label="Note", max_length=200, required=False)

    def __init__(self, *args, roles, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].queryset = roles

    def clean_worked_on(self):
        day = self.cleaned_data["worked_on"]
        if day > timezone.localdate():
            raise forms.ValidationError("The date worked must be today or in the past")
        return day

    def clean(self):
        data = super().clean()
        role, how_much = data.get("role"), data.get("how_much")
        if role is None or how_much is None:
            return data
        if role.unit == PaidRole.Unit.SESSION:
            if how_much != how_much.to_integral_value():
                self.add_error("how_much", "Enter how many sessions as a whole number, like 2")
            else:
                data["quantity"] = int(how_much)
        elif (how_much * 4) != (how_much * 4).to_integral_value():
            self.add_error("how_much", "Enter how many hours in quarters, like 1.25 or 1.5")
        else:
            data["quantity"] = int(how_much * 4)
        return data


class DecideForm(Form):
    decision = forms.ChoiceField(
        choices=[("approve", "Approve it"), ("reject", "Reject it")],
        widget=forms.RadioSelect,
        label="Your decision",
    )
    reason = forms.CharField(
        label="Reason for rejecting",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=1000,
        help_text="The claimant reads this: say what they can do, such as claim it again "
        "with the receipt",
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == "reject" and not data.get("reason", "").strip():
            self.add_error("reason", "Enter the reason for rejecting the claim")
        return data


class LimitsForm(Form):
    claim_limit = PoundsField(
        label="Limit for one claim", example="150.00", help_text="In pounds, like 150.00"
    )
    line_limit = PoundsField(
        label="Limit for one item", example="100.00", help_text="In pounds, like 100.00"
    )


class RoleForm(Form):
    holder = forms.ModelChoiceField(queryset=None, label="Who holds the role")
    title = forms.CharField(label="Role", max_length=120, help_text="Like “Walking group leader”")
    rate = PoundsField(label="Agreed rate", example="25.00", help_text="In pounds, like 25.00")
    unit = forms.ChoiceField(
        choices=PaidRole.Unit.choices,
        widget=forms.RadioSelect,
        label="The rate is for",
        initial=PaidRole.Unit.SESSION,
    )

    def __init__(self, *args, holders, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["holder"].queryset = holders

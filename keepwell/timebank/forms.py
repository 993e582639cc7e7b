"""Time bank forms. Time is typed as people say it ("1 h 30 min") and read as whole minutes."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from keepwell.core.forms import Form, plain_messages
from keepwell.places.postcodes import InvalidPostcode, Postcode
from keepwell.timebank.minutes import InvalidMinutes, parse_minutes
from keepwell.timebank.models import Account, Category, LimitPolicy, Listing, TimeBank

MINUTES_HELP = "For example, 1 h 30 min, 90 min or 1:30"


class MinutesField(forms.CharField):
    """Reads "1 h 30 min", "90", "1:30" into whole minutes; never a float."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("help_text", MINUTES_HELP)
        kwargs.setdefault("max_length", 30)
        super().__init__(*args, **kwargs)
        if self.label:
            # "Enter how long, like 1 h 30 min or 90 min"
            required = plain_messages(self, self.label)["required"]
            self.error_messages["required"] = f"{required}, like 1 h 30 min or 90 min"
        self.widget.attrs.setdefault("class", "nhsuk-input nhsuk-input--width-10")

    def clean(self, value):
        text = super().clean(value)
        if text in self.empty_values:
            return None
        try:
            minutes = parse_minutes(text)
        except InvalidMinutes as exc:
            raise forms.ValidationError(str(exc)) from None
        if minutes <= 0:
            raise forms.ValidationError("Enter a time of at least 1 minute")
        return minutes


def _clean_postcode(raw: str) -> str:
    if not raw.strip():
        return ""
    try:
        return Postcode(raw).value
    except InvalidPostcode as exc:
        raise forms.ValidationError(str(exc)) from None


class AccountChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Account) -> str:
        return obj.name


class AccountMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Account) -> str:
        return obj.name


class JoinForm(Form):
    who = forms.ChoiceField(label="Who is joining", widget=forms.RadioSelect)
    postcode = forms.CharField(
        max_length=10, required=False, help_text="So members near you can find your offers"
    )
    about = forms.CharField(
        label="About you (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What you enjoy, and when you are usually free",
    )

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["who"].choices = choices
        self.fields["who"].error_messages["required"] = "Choose who is joining"

    def clean_postcode(self):
        return _clean_postcode(self.cleaned_data.get("postcode", ""))


class AddMemberForm(Form):
    person = forms.ModelChoiceField(
        queryset=None,
        label="Person",
        help_text="Someone whose record you hold, for example a member without a computer",
    )
    consent_how = forms.CharField(
        label="How they agreed to join",
        max_length=200,
        help_text="For example, on the phone on 3 March",
    )
    postcode = forms.CharField(max_length=10, required=False)
    about = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people
        self.fields["person"].error_messages["required"] = "Choose the person who is joining"
        self.fields["consent_how"].error_messages["required"] = "Say how they agreed to join"

    def clean_postcode(self):
        return _clean_postcode(self.cleaned_data.get("postcode", ""))


class DecisionForm(Form):
    decision = forms.ChoiceField(
        choices=[("approve", "Approve"), ("decline", "Decline")], widget=forms.RadioSelect
    )
    note = forms.CharField(label="Note (optional)", max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["decision"].error_messages["required"] = "Choose a decision: approve or decline"


class ProfileForm(Form):
    postcode = forms.CharField(max_length=10, required=False)
    about = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 4}))
    earn_help_hours = forms.BooleanField(
        label="Earn hours for help tasks I do as a volunteer",
        required=False,
        help_text="Tasks you finish for the mutual aid group earn hours from the community chest",
    )

    def clean_postcode(self):
        return _clean_postcode(self.cleaned_data.get("postcode", ""))


class ListingForm(Form):
    kind = forms.ChoiceField(
        choices=Listing.Kind.choices, widget=forms.RadioSelect, label="This is"
    )
    category = forms.ChoiceField(choices=[("", "Choose a category"), *Category.choices])
    title = forms.CharField(max_length=120, help_text="For example, help with gardening")
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].error_messages["required"] = "Choose offer or need"
        self.fields["category"].error_messages["required"] = "Choose a category"
        self.fields["title"].error_messages["required"] = "Enter a short title"


class FindForm(Form):
    kind = forms.ChoiceField(
        choices=[("", "Offers and needs"), *Listing.Kind.choices], required=False, label="Show"
    )
    category = forms.ChoiceField(
        choices=[("", "All categories"), *Category.choices], required=False
    )
    postcode = forms.CharField(max_length=10, required=False, label="Near postcode")
    km = forms.IntegerField(
        label="Within (km)", min_value=1, max_value=50, required=False, initial=3
    )

    def clean_postcode(self):
        return _clean_postcode(self.cleaned_data.get("postcode", ""))


class ExchangeForm(Form):
    direction = forms.ChoiceField(
        label="What happened",
        widget=forms.RadioSelect,
        choices=[("gave", "I gave time to them"), ("received", "They gave time to me")],
    )
    other = AccountChoiceField(queryset=None, label="The other member")
    minutes = MinutesField(label="How long")
    category = forms.ChoiceField(choices=[("", "Choose a category"), *Category.choices])
    description = forms.CharField(
        max_length=300, required=False, help_text="For example, put up two shelves"
    )
    occurred_on = forms.DateField(
        label="Date", required=False, widget=forms.DateInput, help_text="Leave blank for today"
    )
    key = forms.CharField(widget=forms.HiddenInput, max_length=100)

    def __init__(self, *args, others=None, for_name: str = "", earliest=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.earliest = earliest
        if earliest is not None:
            self.fields["occurred_on"].widget.attrs.update(
                min=earliest.isoformat(), max=timezone.localdate().isoformat()
            )
        self.fields["other"].queryset = others
        self.fields["other"].error_messages["required"] = "Choose the other member"
        self.fields["direction"].error_messages["required"] = (
            "Choose what happened: who gave the time"
        )
        self.fields["category"].error_messages["required"] = "Choose a category"
        if for_name:
            self.fields["direction"].choices = [
                ("gave", f"{for_name} gave time to them"),
                ("received", f"They gave time to {for_name}"),
            ]

    def clean_occurred_on(self):
        day = self.cleaned_data.get("occurred_on")
        if day and day > timezone.localdate():
            raise forms.ValidationError("The date must be today or in the past")
        if day and self.earliest and day < self.earliest:
            raise forms.ValidationError(
                f"The date must be on or after {self.earliest:%-d %B %Y}: this time bank takes "
                f"exchanges from the last {(timezone.localdate() - self.earliest).days} days"
            )
        return day


class GroupExchangeForm(Form):
    giver = AccountChoiceField(queryset=None, label="Who gave the session")
    receivers = AccountMultipleChoiceField(
        queryset=None, widget=forms.CheckboxSelectMultiple, label="Who took part"
    )
    minutes_each = MinutesField(label="How long, for each person")
    category = forms.ChoiceField(choices=[("", "Choose a category"), *Category.choices])
    description = forms.CharField(max_length=300, help_text="For example, knitting class")
    key = forms.CharField(widget=forms.HiddenInput, max_length=100)

    def __init__(self, *args, givers=None, members=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["giver"].queryset = givers
        self.fields["receivers"].queryset = members
        self.fields["giver"].error_messages["required"] = "Choose who gave the session"
        self.fields["receivers"].error_messages["required"] = "Choose who took part"
        self.fields["category"].error_messages["required"] = "Choose a category"
        self.fields["description"].error_messages["required"] = "Enter a description of the session"

    def clean(self):
        data = super().clean()
        giver, receivers = data.get("giver"), data.get("receivers")
        if giver and receivers and giver in receivers:
            self.add_error("receivers", "The person who gave the session cannot also take part")
        return data


class DonateForm(Form):
    minutes = MinutesField(label="How much time to give to the community chest")
    key = forms.CharField(widget=forms.HiddenInput, max_length=100)


class GrantForm(Form):
    receiver = AccountChoiceField(queryset=None, label="Member")
    minutes = MinutesField(label="How much time")
    reason = forms.CharField(max_length=300, help_text="For example, welcome hours")
    key = forms.CharField(widget=forms.HiddenInput, max_length=100)

    def __init__(self, *args, members=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["receiver"].queryset = members
        self.fields["receiver"].error_messages["required"] = "Choose a member"
        self.fields["reason"].error_messages["required"] = "Enter the reason the hours are granted"


class ReverseForm(Form):
    reason = forms.CharField(
        max_length=300, help_text="For example, recorded twice by mistake", label="Why"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].error_messages["required"] = "Say why the exchange is reversed"


class HelpHoursForm(Form):
    task = forms.TypedChoiceField(coerce=int, label="Task", widget=forms.RadioSelect)
    minutes = MinutesField(label="How long it took")

    def __init__(self, *args, tasks=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["task"].choices = tasks
        self.fields["task"].error_messages["required"] = "Choose a task"


class InviteForm(Form):
    note = forms.CharField(
        label="Note (optional)",
        max_length=300,
        required=False,
        help_text="For example, mentioned she loves baking",
    )


class AnswerForm(Form):
    answer = forms.ChoiceField(
        choices=[("yes", "Yes, I would like to give"), ("no", "Not now")],
        widget=forms.RadioSelect,
        label="Would you like to join and give some time?",
    )
    strengths = forms.ModelMultipleChoiceField(
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="What I could offer",
    )

    def __init__(self, *args, strengths=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["strengths"].queryset = strengths
        self.fields["strengths"].label_from_instance = lambda s: s.description
        self.fields["answer"].error_messages["required"] = (
            "Choose yes or not now: would you like to give some time?"
        )


class InactiveForm(Form):
    months = forms.IntegerField(
        label="No exchange in the last (months)", min_value=1, max_value=36, initial=3
    )


class SettingsForm(Form):
    """A bank's rules, as a broker sets them."""

    min_balance = forms.IntegerField(
        label="Lowest balance a member may have (minutes)",
        max_value=0,
        min_value=-100_000,
        required=False,
        help_text="0 or below: −600 lets a member go 10 hours below zero. Leave blank for no limit",
    )
    max_balance = forms.IntegerField(
        label="Highest balance a member may have (minutes)",
        min_value=0,
        max_value=1_000_000,
        required=False,
        help_text="6000 is 100 hours. Leave blank for no limit",
    )
    chest_min_balance = forms.IntegerField(
        label="Lowest community chest balance (minutes)",
        max_value=0,
        min_value=-1_000_000,
        help_text="Below zero lets the chest fund help before members have donated",
    )
    limit_policy = forms.ChoiceField(
        label="When an exchange would cross a limit",
        choices=LimitPolicy.choices,
        widget=forms.RadioSelect,
    )
    backdate_days = forms.IntegerField(
        label="How many days back an exchange may be dated",
        min_value=0,
        max_value=3660,
        help_text="90 is about three months. An older date is refused, so a date typed in the "
        "wrong year is caught",
    )

    def __init__(self, *args, bank: TimeBank, **kwargs):
        kwargs.setdefault("initial", {name: getattr(bank, name) for name in self.base_fields})
        super().__init__(*args, **kwargs)


class StatementForm(Form):
    since = forms.DateField(label="From", required=False, widget=forms.DateInput)
    until = forms.DateField(label="To", required=False, widget=forms.DateInput)

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", "The end date must be on or after the start date")
        return data

from __future__ import annotations

from django import forms

from keepwell.core.forms import Form, ModelForm
from keepwell.core.phone import PhoneField
from keepwell.people.models import Consent, HouseholdMember, Language, Person
from keepwell.people.validators import format_nhs_number, normalise_nhs_number
from keepwell.places.postcodes import InvalidPostcode, Postcode


class NhsNumberInput(forms.TextInput):
    def format_value(self, value):
        return format_nhs_number(value) if isinstance(value, str) else value


class PersonForm(ModelForm):
    phone = PhoneField(label="Phone", required=False)
    mobile = PhoneField(
        label="Mobile (for text messages)",
        mobile=True,
        required=False,
        help_text="A mobile number we can send text messages to, like 07700 900 982",
    )
    languages = forms.ModelMultipleChoiceField(
        queryset=Language.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Languages they speak",
    )

    class Meta:
        model = Person
        fields = [
            "given_name",
            "family_name",
            "known_as",
            "nhs_number",
            "date_of_birth",
            "phone",
            "mobile",
            "email",
            "address_line_1",
            "address_line_2",
            "town",
            "postcode",
            "no_digital",
            "preferred_channel",
            "languages",
            "needs_interpreter",
            "accessibility_needs",
            "gp_practice",
        ]
        widgets = {
            "nhs_number": NhsNumberInput,
            "date_of_birth": forms.DateInput(format="%Y-%m-%d"),
            "preferred_channel": forms.RadioSelect,
            "accessibility_needs": forms.Textarea(attrs={"rows": 3}),
        }
        labels = {"gp_practice": "GP practice"}
        help_texts = {"date_of_birth": "Optional. For example, 15 3 1947"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["preferred_channel"].required = True
        # People type NHS numbers with spaces ("943 476 5919"); clean_nhs_number drops them.
        self.fields["nhs_number"].max_length = 13
        self.fields["nhs_number"].validators = []
        self.fields["nhs_number"].widget.attrs.update(
            {
                "maxlength": "13",
                "inputmode": "numeric",
                "class": "nhsuk-input nhsuk-input--width-10",
            }
        )
        self.fields["given_name"].error_messages["required"] = "Enter their first name"
        self.fields["date_of_birth"].error_messages["invalid"] = (
            "Date of birth must be a real date, like 15 3 1947"
        )
        self.fields["email"].error_messages["invalid"] = (
            "Enter an email address in the correct format, like name@example.com"
        )

    def clean_nhs_number(self):
        return normalise_nhs_number(self.cleaned_data.get("nhs_number", ""))

    def refuse_duplicate_nhs_number(self, existing: Person, user) -> None:
        """The service found this NHS number on another record: say so, naming that person
        only to someone who may open their record."""
        number = format_nhs_number(existing.nhs_number)
        if user.has_perm("people.view_person", existing):
            message = (
                f"{existing.full_name} already has NHS number {number}: "
                "find them in the people list rather than adding them again"
            )
        else:
            message = (
                f"Someone else keepwell holds already has NHS number {number}: check the "
                "number, or ask an administrator whether it is the same person"
            )
        self.add_error("nhs_number", message)

    def clean_postcode(self):
        raw = self.cleaned_data.get("postcode", "")
        if not raw.strip():
            return ""
        try:
            return Postcode(raw).value
        except InvalidPostcode as exc:
            raise forms.ValidationError(str(exc)) from None

    def clean(self):
        data = super().clean()
        channel = data.get("preferred_channel")
        needs = {
            "sms": ("mobile", "Enter a mobile number to contact them by text message"),
            "email": ("email", "Enter an email address to contact them by email"),
            "letter": ("address_line_1", "Enter their address to contact them by letter"),
        }
        if channel in needs:
            field, message = needs[channel]
            if not data.get(field):
                self.add_error(field, message)
        if data.get("no_digital") and channel in {"sms", "email"}:
            self.add_error(
                "preferred_channel",
                "They have no digital access: choose phone, letter or in person",
            )
        return data


class PersonSearchForm(Form):
    hide_optional = True  # a search box is always optional; saying so is noise
    q = forms.CharField(
        label="Find a person",
        required=False,
        max_length=100,
        help_text="Name, phone number, postcode, NHS number or date of birth (like 12/03/1948)",
    )


class ConsentForm(ModelForm):
    class Meta:
        model = Consent
        fields = ["purpose", "lawful_basis", "how", "notes"]
        widgets = {
            "purpose": forms.RadioSelect,
            "lawful_basis": forms.RadioSelect,
            "how": forms.RadioSelect,
            "notes": forms.Textarea(attrs={"rows": 2}),
        }


class HouseholdForm(Form):
    household_name = forms.CharField(
        label="Household name",
        max_length=150,
        required=False,
        help_text="Leave blank to name it after them",
    )
    relationship = forms.ChoiceField(
        choices=HouseholdMember.Relationship.choices,
        widget=forms.RadioSelect,
        initial=HouseholdMember.Relationship.LIVES_WITH,
    )


class MergeForm(Form):
    """Merging cannot be undone: the person merging says they checked."""

    confirm = forms.BooleanField(
        label="I have checked that these two records are the same person",
        error_messages={
            "required": "Tick the box to confirm you have checked these records are the same person"
        },
    )

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from keepwell.core.forms import Form
from keepwell.core.i18n import language_name
from keepwell.core.phone import InvalidPhoneNumber, PhoneField, normalise_phone
from keepwell.directory.models import Organisation, Service
from keepwell.people.models import Consent, ContactChannel, Language, Strength
from keepwell.places.postcodes import InvalidPostcode, Postcode
from keepwell.referrals.models import AcceptsFrom, Status, Theme, Urgency


def _choose(what: str) -> dict[str, str]:
    """A choice's error messages: "Choose <what>", and "from the list" for one not offered."""
    return {"required": f"Choose {what}", "invalid_choice": f"Choose {what} from the list"}


def _choose_among(what: str) -> dict[str, str]:
    """A multiple choice's: however a choice not offered arrives, "Choose <what> from the list"."""
    words = f"Choose {what} from the list"
    return {"invalid_choice": words, "invalid_pk_value": words, "invalid_list": words}


CONSENT_HOW = [
    (Consent.How.IN_PERSON, "In person"),
    (Consent.How.PHONE, "By phone"),
    (Consent.How.ON_BEHALF, "By someone acting for them (a carer or attorney)"),
    (Consent.How.WRITTEN, "In writing"),
]


class PersonPickForm(Form):
    who = forms.CharField(
        label="Who are you referring?",
        required=False,
        max_length=100,
        help_text="Name, phone number or postcode of someone whose record you hold",
    )


class _AboutThePerson(Form):
    what_matters = forms.CharField(
        label="What matters to them, in their own words",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        help_text="Ask “what matters to you?”, not “what is the matter with you?”",
        error_messages={
            "required": "Enter what matters to them, in their own words",
            "max_length": "What matters to them must be 2,000 characters or fewer",
        },
    )
    urgency = forms.ChoiceField(
        choices=Urgency.choices,
        widget=forms.RadioSelect,
        initial=Urgency.ROUTINE,
        error_messages=_choose("how urgent the referral is"),
    )
    safety_notes = forms.CharField(
        label="Anything the service must know to keep everyone safe",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text="For example: a dog in the house, lives alone, risk of falls, do not visit alone",
        error_messages={
            "max_length": "What the service must know to keep everyone safe must be 2,000 "
            "characters or fewer"
        },
    )
    consent_how = forms.ChoiceField(
        label="How did they agree to this referral?",
        choices=CONSENT_HOW,
        widget=forms.RadioSelect,
        help_text="They agree to us sharing these details with the organisation named above",
        error_messages=_choose("how they agreed to this referral"),
    )
    consent_given = forms.BooleanField(
        label="They agree to this referral and to their details being shared for it",
        error_messages={"required": "Confirm that they agree to the referral"},
    )


class ReferralForm(_AboutThePerson):
    field_order = [
        "from_organisation",
        "what_matters",
        "themes",
        "needs",
        "urgency",
        "preferred_channel",
        "language",
        "needs_interpreter",
        "safety_notes",
        "consent_how",
        "consent_given",
    ]
    from_organisation = forms.ModelChoiceField(
        label="Referring from",
        queryset=Organisation.objects.none(),
        empty_label=None,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose the organisation you are referring from",
            "invalid_choice": "Choose one of your own organisations to refer from",
        },
    )
    themes = forms.MultipleChoiceField(
        label="What it is about",
        choices=Theme.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages=_choose_among("what the referral is about"),
    )
    needs = forms.CharField(
        label="What they need from the service",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={
            "max_length": "What they need from the service must be 2,000 characters or fewer"
        },
    )
    preferred_channel = forms.ChoiceField(
        label="Best way to contact them",
        choices=ContactChannel.choices,
        widget=forms.RadioSelect,
        error_messages=_choose("how they want to be contacted"),
    )
    language = forms.ModelChoiceField(
        label="Language they prefer",
        # English is the empty choice (no interpreter, no translation), so listed only once.
        queryset=Language.objects.exclude(code="en"),
        required=False,
        empty_label="English",
        error_messages={"invalid_choice": "Choose the language they prefer from the list"},
    )
    needs_interpreter = forms.BooleanField(label="They need an interpreter", required=False)

    def __init__(self, *args, organisations=(), **kwargs):
        super().__init__(*args, **kwargs)
        if not organisations:
            del self.fields["from_organisation"]
            return
        self.fields["from_organisation"].queryset = Organisation.objects.filter(
            pk__in=[org.pk for org in organisations]
        )
        if len(organisations) == 1:
            self.fields["from_organisation"].initial = organisations[0].pk


class PracticeReferralForm(_AboutThePerson):
    field_order = [
        "practice",
        "reason",
        "what_matters",
        "urgency",
        "safety_notes",
        "consent_how",
        "consent_given",
    ]
    practice = forms.ModelChoiceField(
        label="GP practice",
        queryset=Organisation.objects.filter(kind="gp_practice"),
        empty_label="Choose their practice",
        error_messages=_choose("their GP practice"),
    )
    reason = forms.CharField(
        label="What you would like the practice to review, and why",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        error_messages={
            "required": "Say what you would like the practice to review, and why",
            "max_length": "What you would like the practice to review must be 2,000 "
            "characters or fewer",
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["what_matters"].required = False


class StatusForm(Form):
    """What the person moving a referral on tells the other side. Declared in full (so each
    field gets its NHS.UK class and maximum), then trimmed to the fields this move asks."""

    note = forms.CharField(
        label="Note for the referrer",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        error_messages={
            "max_length": "The note for the referrer must be 1,000 characters or fewer"
        },
    )
    decline_reason = forms.CharField(
        label="Why are you declining it?",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        error_messages={
            "required": "Say why you are declining the referral",
            "max_length": "Why you are declining it must be 1,000 characters or fewer",
        },
    )
    suggested_services = forms.ModelMultipleChoiceField(
        label="Services that could help instead",
        queryset=Service.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages=_choose_among("services that could help instead"),
    )
    close_reason = forms.CharField(
        label="Why is it closing?",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        error_messages={
            "required": "Say why the referral is closing",
            "max_length": "Why it is closing must be 1,000 characters or fewer",
        },
    )

    _ASKS = {
        Status.DECLINED: ("decline_reason", "suggested_services"),
        Status.CLOSED: ("close_reason",),
    }

    def __init__(self, *args, to_status: str, suggestions=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.to_status = to_status
        keep = self._ASKS.get(to_status, ("note",))
        for name in list(self.fields):
            if name not in keep:
                del self.fields[name]
        if "suggested_services" in self.fields and suggestions is not None:
            self.fields["suggested_services"].queryset = suggestions


class StrengthsForm(Form):
    skill = forms.CharField(
        label="A skill they could share",
        required=False,
        max_length=300,
        help_text="For example: cooking, fixing bikes, speaking Polish",
    )
    time = forms.CharField(
        label="Time they could give",
        required=False,
        max_length=300,
        help_text="For example: an hour on Tuesday afternoons",
    )
    knowledge = forms.CharField(
        label="Knowledge or experience they could pass on",
        required=False,
        max_length=300,
        help_text="For example: caring for someone with dementia, gardening",
    )

    def clean(self):
        data = super().clean()
        if not any(data.get(kind) for kind in Strength.Kind.values):
            raise forms.ValidationError(
                "Write at least one thing they could give, or choose “Not now”"
            )
        return data

    def strengths(self) -> list[tuple[str, str]]:
        return [(kind, self.cleaned_data.get(kind, "")) for kind in Strength.Kind.values]


class DoorForm(Form):
    accepts_referrals = forms.BooleanField(label="We accept referrals", required=False)
    taking_new_people = forms.BooleanField(label="We are taking new people now", required=False)
    accepts_from = forms.ChoiceField(
        label="Who may refer",
        choices=AcceptsFrom.choices,
        widget=forms.RadioSelect,
        error_messages=_choose("who may refer to this service"),
    )
    organisations = forms.ModelMultipleChoiceField(
        label="Organisations that may refer",
        queryset=Organisation.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Only used when you choose “Only the organisations listed”",
        error_messages=_choose_among("organisations that may refer"),
    )
    accepts_self_referrals = forms.BooleanField(
        label="Residents may refer themselves", required=False
    )

    def clean(self):
        data = super().clean()
        if data.get("accepts_from") == AcceptsFrom.LISTED and not data.get("organisations"):
            self.add_error("organisations", "Choose at least one organisation that may refer")
        return data


class SelfReferralForm(Form):
    """A resident asks a service for help. Public, so its words are translated; the
    service is chosen first, with the directory's search (see the self_refer view)."""

    service = forms.ModelChoiceField(
        label=_("Which service would you like to hear from?"),
        queryset=Service.objects.none(),
        empty_label=_("Choose a service"),
        widget=forms.HiddenInput,
        error_messages={
            "required": _("Choose a service"),
            "invalid_choice": _("Choose a service that takes requests from residents"),
        },
    )
    given_name = forms.CharField(
        label=_("First name"),
        max_length=100,
        error_messages={"required": _("Enter your first name")},
    )
    family_name = forms.CharField(label=_("Last name"), max_length=100, required=False)
    phone = PhoneField(
        label=_("Phone number"),
        required=False,
        help_text=_("So the service can call you back"),
    )
    email = forms.EmailField(
        label=_("Email address"),
        required=False,
        error_messages={"invalid": _("Enter an email address like name@example.com")},
    )
    postcode = forms.CharField(label=_("Postcode"), max_length=10, required=False)
    preferred_channel = forms.ChoiceField(
        label=_("How should they contact you?"),
        choices=[
            (ContactChannel.PHONE, _("Phone call")),
            (ContactChannel.SMS, _("Text message")),
            (ContactChannel.EMAIL, _("Email")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose how they should contact you")},
    )
    language = forms.ModelChoiceField(
        label=_("Language you prefer"),
        queryset=Language.objects.exclude(code="en"),
        required=False,
        empty_label=_("English"),
    )
    needs_interpreter = forms.BooleanField(label=_("I would like an interpreter"), required=False)
    what_matters = forms.CharField(
        label=_("What matters to you? What would you like help with?"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=2000,
        error_messages={"required": _("Tell us a little about what would help")},
    )
    safety_notes = forms.CharField(
        label=_("Is there anything a visitor should know to keep everyone safe?"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=1000,
        help_text=_("For example: a dog, stairs, or a time not to call"),
    )
    consent_given = forms.BooleanField(
        label=_("I agree to keepwell sharing these details with the service I chose"),
        error_messages={"required": _("Confirm that we may share your details with the service")},
    )

    def __init__(self, *args, signed_in_person=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].label_from_instance = language_name
        self.signed_in_person = signed_in_person
        if signed_in_person is not None:
            for name in ("given_name", "family_name", "phone", "email", "postcode"):
                del self.fields[name]

    def clean_postcode(self):
        raw = self.cleaned_data.get("postcode", "")
        if not raw.strip():
            return ""
        try:
            return Postcode(raw).value
        except InvalidPostcode:
            raise forms.ValidationError(_("Enter a full postcode, like WB2 1AB")) from None

    def clean(self):
        data = super().clean()
        if self.signed_in_person is not None:
            return data
        channel = data.get("preferred_channel")
        if channel in {ContactChannel.PHONE, ContactChannel.SMS} and not data.get("phone"):
            self.add_error("phone", _("Enter a phone number so they can contact you"))
        elif channel == ContactChannel.SMS and data.get("phone"):
            try:  # the service will text this number
                normalise_phone(data["phone"], mobile=True)
            except InvalidPhoneNumber as exc:
                self.add_error("phone", str(exc))
        if channel == ContactChannel.EMAIL and not data.get("email"):
            self.add_error("email", _("Enter an email address so they can contact you"))
        return data


AGE_CHOICES = [
    ("", "Any age"),
    ("3", "Older than 3 days"),
    ("7", "Older than a week"),
    ("28", "Older than 4 weeks"),
]


class InboxFilterForm(Form):
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[("", "Any"), ("open", "Open"), ("overdue", "Waiting too long")]
        + list(Status.choices),
    )
    age = forms.ChoiceField(label="Age", required=False, choices=AGE_CHOICES)
    service = forms.ModelChoiceField(
        label="Service", required=False, queryset=Service.objects.none(), empty_label="Any"
    )

    def __init__(self, *args, services=None, **kwargs):
        super().__init__(*args, **kwargs)
        if services is not None:
            self.fields["service"].queryset = services

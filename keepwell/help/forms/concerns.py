"""Doorstep concerns, and where a group's concerns go: its contacts and routing rules."""

from __future__ import annotations

from django import forms
from django.db.models import Q

from keepwell.accounts.models import User
from keepwell.core.forms import Form
from keepwell.core.phone import PhoneField
from keepwell.directory.models import Organisation
from keepwell.help.forms.fields import radios
from keepwell.help.models import ConcernContact, ConcernKind, RoutingTarget


class ConcernForm(Form):
    kind = radios(
        "What are you worried about?",
        ConcernKind.choices,
        required="Choose what you are worried about",
    )
    urgent = forms.BooleanField(
        label="It is urgent: they need someone today",
        required=False,
        help_text="If someone is in danger now, call 999 first",
    )
    details = forms.CharField(
        label="What did you notice?",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Describe what you noticed"},
    )


class AcknowledgeForm(Form):
    note = forms.CharField(label="Note (optional)", max_length=200, required=False)


class OutcomeForm(Form):
    outcome = forms.CharField(
        label="What was done",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Record what was done"},
    )


class ShowsServiceProblems:
    """Put a service's (field, message) problems on the form, beside the fields they name."""

    # Service argument name -> form field name, where they differ.
    service_names: dict[str, str] = {}

    def add_problems(self, problems) -> None:
        for field, message in problems:
            name = self.service_names.get(field, field)
            self.add_error(name if name in self.fields else None, message)


class ContactChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: ConcernContact) -> str:
        text = f"{obj.name}, {obj.organisation}"
        return text if obj.is_active else f"{text} (not active)"


class OrganisationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Organisation) -> str:
        return f"{obj.name} ({obj.get_kind_display()})"


def _group_contacts(group, *, keep_id=None, exclude_id=None):
    """The group's active contacts, and the one already chosen even if since made inactive,
    so an edit page shows what is saved."""
    found = ConcernContact.objects.filter(Q(group=group, is_active=True) | Q(pk=keep_id))
    if exclude_id is not None:
        found = found.exclude(pk=exclude_id)
    return found.select_related("organisation").order_by("name", "pk")


class ConcernContactForm(ShowsServiceProblems, Form):
    service_names = {"user": "account"}

    name = forms.CharField(
        label="Name",
        max_length=150,
        help_text="A named person or a team, for example 'Adult social care duty team'",
        error_messages={"required": "Enter the name of the person or team"},
    )
    organisation = OrganisationChoiceField(
        label="The organisation they work for",
        queryset=Organisation.objects.only("pk", "name", "kind").order_by("name", "pk"),
        empty_label="Choose an organisation",
        help_text="Any organisation in the directory: a GP practice, the council, this group",
        error_messages={
            "required": "Choose the organisation they work for",
            "invalid_choice": "Choose an organisation from the list",
        },
    )
    account = forms.CharField(
        label="Their keepwell account",
        max_length=254,
        required=False,
        help_text="The username or email address they sign in with. With an account they see "
        "and acknowledge their concerns in keepwell; without one, a coordinator does it for them",
    )
    email = forms.EmailField(
        label="Email address",
        required=False,
        help_text="keepwell emails a link here when a concern is waiting, never the person's "
        "details",
        error_messages={
            "invalid": "Enter an email address in the correct format, like name@example.com"
        },
    )
    phone = PhoneField(label="Phone", required=False)
    escalate_to = ContactChoiceField(
        label="If they do not acknowledge in time, send the concern on to",
        queryset=ConcernContact.objects.none(),
        required=False,
        empty_label="Nobody: it stays with them",
        error_messages={
            "invalid_choice": "Choose one of this group's active contacts to send the concern on to"
        },
    )
    is_active = forms.BooleanField(
        label="Active: new concerns may be sent to them",
        required=False,
        initial=True,
        help_text="Untick to stop new concerns going to them. Concerns already sent to them "
        "stay as they are",
    )

    def __init__(self, *args, group, contact: ConcernContact | None = None, **kwargs):
        if contact is not None:
            kwargs.setdefault(
                "initial",
                {
                    "name": contact.name,
                    "organisation": contact.organisation_id,
                    "account": contact.user.username if contact.user else "",
                    "email": contact.email,
                    "phone": contact.phone,
                    "escalate_to": contact.escalate_to_id,
                    "is_active": contact.is_active,
                },
            )
        super().__init__(*args, **kwargs)
        self.fields["escalate_to"].queryset = _group_contacts(
            group,
            keep_id=contact.escalate_to_id if contact else None,
            exclude_id=contact.pk if contact else None,
        )
        self.fields["phone"].widget.input_type = "tel"
        self.fields["email"].widget.attrs["spellcheck"] = "false"

    def clean_account(self):
        raw = self.cleaned_data.get("account", "").strip()
        if not raw:
            return None
        user = User.objects.filter(username=raw, is_active=True).first()
        if user is None:
            found = list(User.objects.filter(email__iexact=raw, is_active=True)[:2])
            if len(found) > 1:
                raise forms.ValidationError(
                    "More than one account has that email address: enter their username"
                )
            user = found[0] if found else None
        if user is None:
            raise forms.ValidationError("No keepwell account has that username or email address")
        return user

    def contact_fields(self) -> dict:
        """The cleaned data as the service's arguments."""
        data = self.cleaned_data
        return {
            "name": data["name"],
            "organisation": data["organisation"],
            "user": data["account"],
            "email": data["email"],
            "phone": data["phone"],
            "escalate_to": data["escalate_to"],
            "is_active": data["is_active"],
        }


ANY_CONCERN = "any"
URGENCY_CHOICES = [
    ("either", "Urgent or not"),
    ("urgent", "Urgent only"),
    ("not_urgent", "Not urgent only"),
]
URGENT_FROM_CHOICE = {"either": None, "urgent": True, "not_urgent": False}
CHOICE_FROM_URGENT = {v: k for k, v in URGENT_FROM_CHOICE.items()}


class RoutingRuleForm(ShowsServiceProblems, Form):
    order = forms.IntegerField(
        label="Order",
        min_value=0,
        max_value=32767,
        help_text="Rules are tried from the lowest number up. Leave gaps, like 10, 20, 30, so a "
        "rule can go between two others later",
        error_messages={
            "required": "Enter the rule's order, a whole number like 10",
            "invalid": "Enter the order as a whole number, like 10",
            "min_value": "Enter an order of 0 or more",
            "max_value": "Enter an order of 32767 or less",
        },
    )
    kind = radios(
        "Which concerns",
        [(ANY_CONCERN, "Any concern"), *ConcernKind.choices],
        required="Choose which concerns the rule is for",
        initial=ANY_CONCERN,
    )
    urgent = radios(
        "Urgent or not",
        URGENCY_CHOICES,
        required="Choose urgent, not urgent, or either",
        initial="either",
    )
    target = radios(
        "Send them to", RoutingTarget.choices, required="Choose where to send these concerns"
    )
    contact = ContactChoiceField(
        label="The named contact",
        queryset=ConcernContact.objects.none(),
        required=False,
        empty_label="None",
        help_text="Choose one when sending to a named contact. Leave as None for the person's "
        "GP practice",
        error_messages={"invalid_choice": "Choose one of this group's active contacts"},
    )

    def __init__(self, *args, group, rule=None, **kwargs):
        if rule is not None:
            kwargs.setdefault(
                "initial",
                {
                    "order": rule.order,
                    "kind": rule.kind or ANY_CONCERN,
                    "urgent": CHOICE_FROM_URGENT[rule.urgent],
                    "target": rule.target,
                    "contact": rule.contact_id,
                },
            )
        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = _group_contacts(
            group, keep_id=rule.contact_id if rule else None
        )

    def rule_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "order": data["order"],
            "kind": "" if data["kind"] == ANY_CONCERN else data["kind"],
            "urgent": URGENT_FROM_CHOICE[data["urgent"]],
            "target": data["target"],
            "contact": data["contact"],
        }

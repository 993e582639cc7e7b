"""Forms for mutual aid pages. They parse and validate; the services decide and write."""

from __future__ import annotations

import re
from datetime import datetime, time

from django import forms
from django.db.models import Q
from django.utils import timezone

from keepwell.accounts.models import User
from keepwell.core import csvio
from keepwell.core.forms import Form
from keepwell.core.i18n import language_name
from keepwell.core.phone import PhoneField
from keepwell.directory.models import NHS_KINDS, Organisation
from keepwell.help import public_text
from keepwell.help.models import (
    AuthorisationKind,
    CheckKind,
    ConcernContact,
    ConcernKind,
    NeedType,
    RoutingTarget,
    Transport,
    Urgency,
    VolunteerStatus,
)
from keepwell.people.models import Consent, Language
from keepwell.places.postcodes import InvalidPostcode, Postcode


def _postcode(raw: str, required: bool = True) -> str:
    if not raw.strip():
        if required:
            raise forms.ValidationError("Enter a postcode")
        return ""
    try:
        return Postcode(raw).value
    except InvalidPostcode as exc:
        raise forms.ValidationError(str(exc)) from None


def _radios(label: str, choices, *, required: str, **options) -> forms.ChoiceField:
    """A choice asked as radio buttons, saying what to choose when none is."""
    return forms.ChoiceField(
        label=label,
        choices=choices,
        widget=forms.RadioSelect,
        error_messages={"required": required},
        **options,
    )


class NeedChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: NeedType) -> str:
        return obj.name


def _window(day, start: time | None, end: time | None):
    if day is None:
        return None, None
    begin = timezone.make_aware(datetime.combine(day, start or time(9, 0)))
    finish = timezone.make_aware(datetime.combine(day, end)) if end else None
    return begin, finish


# --- the helpline call screen ---------------------------------------------------------------


class CallForm(Form):
    """One page for one call: who (found or new), the need, and consent."""

    q = forms.CharField(widget=forms.HiddenInput, required=False)
    public = forms.IntegerField(widget=forms.HiddenInput, required=False)
    person = forms.ChoiceField(
        label="Who is the help for?",
        widget=forms.RadioSelect,
        required=False,
        help_text="Choose someone we know, or add someone new below",
        error_messages={
            "invalid_choice": "Choose who the help is for: someone from the list, or someone new"
        },
    )
    given_name = forms.CharField(label="First name", max_length=100, required=False)
    family_name = forms.CharField(label="Last name", max_length=100, required=False)
    phone = PhoneField(label="Phone", required=False)
    address_line_1 = forms.CharField(label="Address", max_length=200, required=False)
    new_postcode = forms.CharField(label="Postcode", max_length=10, required=False)
    household_name = forms.CharField(
        label="Household",
        max_length=150,
        required=False,
        help_text="Name a household to add them to, for example 'The Evans household'",
    )
    need_type = NeedChoiceField(
        label="What do they need?",
        queryset=NeedType.objects.filter(is_active=True),
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={"required": "Choose what they need"},
    )
    urgency = forms.TypedChoiceField(
        label="How urgent is it?",
        choices=Urgency.choices,
        coerce=int,
        widget=forms.RadioSelect,
        initial=Urgency.ROUTINE,
        error_messages={"required": "Choose how urgent it is"},
    )
    language = forms.ModelChoiceField(
        label="Language the volunteer must speak",
        queryset=Language.objects.all(),
        required=False,
        empty_label="Any (English is fine)",
    )
    day = forms.DateField(
        label="Day it is needed", required=False, help_text="Leave blank if any day"
    )
    start = forms.TimeField(label="From", required=False, help_text="For example, 10:00")
    end = forms.TimeField(label="Until", required=False)
    times_per_week = forms.IntegerField(
        label="Times a week", min_value=1, max_value=7, initial=1, help_text="1 for a one-off"
    )
    weeks = forms.IntegerField(label="For how many weeks", min_value=1, max_value=26, initial=1)
    notes = forms.CharField(label="Notes", widget=forms.Textarea(attrs={"rows": 3}), required=False)
    on_behalf = forms.BooleanField(label="Someone is calling on their behalf", required=False)
    requested_by = forms.CharField(
        label="Who is calling for them", max_length=200, required=False, help_text="Name and phone"
    )
    consent_coordination = forms.BooleanField(
        label="They agree to us arranging help and keeping these details",
        error_messages={"required": "Confirm they agree to us arranging help"},
    )
    consent_share_with_nhs = forms.BooleanField(
        label="They agree to us telling their GP practice about concerns", required=False
    )
    allow_duplicate = forms.BooleanField(
        label="Record it anyway, flagged as a possible duplicate", required=False
    )

    def __init__(self, *args, found=(), groups=(), public=None, **kwargs):
        """``found``: the people the caller may be; ``groups``: those the user may arrange the
        help for (asked only when more than one); ``public``: the public request answered."""
        if public is not None:
            kwargs["initial"] = {**kwargs.get("initial", {}), **_answering(public)}
        super().__init__(*args, **kwargs)
        self.found = {str(p.pk): p for p in found}
        self.groups = list(groups)
        self.fields["day"].widget.attrs["min"] = timezone.localdate().isoformat()
        choices = [
            (
                str(p.pk),
                f"{p.full_name}, {p.postcode or 'no postcode'}"
                f"{', born ' + p.date_of_birth.strftime('%-d %b %Y') if p.date_of_birth else ''}",
            )
            for p in found
        ]
        self.fields["person"].choices = [*choices, ("new", "Someone new")]
        if not found:
            self.fields["person"].widget = forms.HiddenInput()
            self.fields["person"].initial = "new"
        if not self.data.get("allow_duplicate"):
            # Offered only once the coordinator has been told about the open request.
            self.fields["allow_duplicate"].widget = forms.HiddenInput()
        if len(self.groups) > 1:
            self.fields["organisation"] = forms.ModelChoiceField(
                label="The group arranging the help",
                queryset=Organisation.objects.filter(pk__in=[g.pk for g in self.groups]),
                error_messages={"required": "Choose the group"},
            )
            self.fields["organisation"].widget.attrs["class"] = "nhsuk-select"

    def clean_new_postcode(self):
        return _postcode(self.cleaned_data.get("new_postcode", ""), required=False)

    def clean_day(self):
        day = self.cleaned_data.get("day")
        if day and day < timezone.localdate():
            raise forms.ValidationError("The date it is needed must be today or in the future")
        return day

    def clean(self):
        data = super().clean()
        chosen = data.get("person") or "new"
        if chosen != "new":
            if chosen not in self.found:
                self.add_error(
                    "person", "Choose who the help is for: someone from the list, or someone new"
                )
            data["person_obj"] = self.found.get(chosen)
        else:
            data["person_obj"] = None
            if not data.get("given_name"):
                self.add_error("given_name", "Enter their first name")
            if not data.get("phone") and not data.get("address_line_1"):
                self.add_error("phone", "Enter a phone number or an address to reach them")
        if data.get("on_behalf") and not data.get("requested_by"):
            self.add_error("requested_by", "Say who is calling for them")
        start, end = data.get("start"), data.get("end")
        if start and end and end <= start:
            self.add_error("end", "The time it is needed until must be after the start")
        data["window_start"], data["window_end"] = _window(data.get("day"), start, end)
        if "organisation" not in self.fields and self.groups:
            data["organisation"] = self.groups[0]  # the one group, not asked
        return data

    def ask_about_duplicate(self, message: str) -> None:
        self.fields["allow_duplicate"].widget = forms.CheckboxInput(
            attrs={"class": "nhsuk-checkboxes__input"}
        )
        self.add_error("need_type", message)


def _answering(public) -> dict:
    """The call form filled in from a public request, for the coordinator to check."""
    return {
        "public": public.pk,
        "given_name": public.given_name,
        "family_name": public.family_name,
        "phone": public.phone,
        "address_line_1": public.address,
        "new_postcode": public.postcode,
        "need_type": public.need_type_id,
        "language": public.language_id,
        "notes": public.details,
        "on_behalf": public.on_behalf,
        "requested_by": " ".join(
            p
            for p in (
                public.requester_name,
                public.requester_phone,
                f"({public.requester_relationship})" if public.requester_relationship else "",
            )
            if p
        ),
    }


class PersonSearchForm(Form):
    hide_optional = True
    q = forms.CharField(
        label="Find the caller",
        required=False,
        max_length=100,
        help_text="Name, phone number or postcode",
    )


# --- the public form ------------------------------------------------------------------------


class PublicRequestForm(Form):
    """Short and plain; its words come from :mod:`keepwell.help.public_text`, in the
    language active when the form is made."""

    hide_optional = False
    given_name = forms.CharField(max_length=100)
    family_name = forms.CharField(max_length=100, required=False)
    phone = PhoneField()
    address = forms.CharField(max_length=300, required=False)
    postcode = forms.CharField(max_length=10)
    need_type = NeedChoiceField(
        queryset=NeedType.objects.filter(is_active=True, public=True),
        widget=forms.RadioSelect,
        empty_label=None,
    )
    details = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    language = forms.ModelChoiceField(queryset=Language.objects.all(), required=False)
    on_behalf = forms.BooleanField(required=False)
    requester_name = forms.CharField(max_length=200, required=False)
    requester_phone = PhoneField(required=False)
    requester_relationship = forms.CharField(max_length=100, required=False)
    consent = forms.BooleanField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            words = public_text.FIELDS.get(name, {})
            field.label = words.get("label", field.label)
            field.help_text = words.get("hint", "")
            field.error_messages["required"] = words.get("required", public_text.REQUIRED)
        self.fields["language"].empty_label = public_text.ANY_LANGUAGE
        # English is the empty choice ("English is fine"), so not listed twice.
        self.fields["language"].queryset = Language.objects.exclude(code="en")
        self.fields["language"].label_from_instance = language_name
        self.fields["need_type"].label_from_instance = public_text.need_name
        self.fields["postcode"].widget.attrs["autocomplete"] = "postal-code"
        self.fields["phone"].widget.attrs["autocomplete"] = "tel"
        self.fields["phone"].widget.input_type = "tel"

    def clean_postcode(self):
        try:
            return Postcode(self.cleaned_data.get("postcode", "")).value
        except InvalidPostcode:
            raise forms.ValidationError(public_text.BAD_POSTCODE) from None

    def clean(self):
        data = super().clean()
        if data.get("on_behalf") and not data.get("requester_name"):
            self.add_error("requester_name", public_text.NEED_REQUESTER)
        return data


class OnlyGroupField(forms.ModelChoiceField):
    """The group field: when the user has one group it is not asked, and means that one."""

    only = None

    def clean(self, value):
        if self.only is not None:
            return self.only
        return super().clean(value)


def _one_group(field: forms.ModelChoiceField, groups) -> None:
    field.queryset = groups
    if groups is not None and len(groups) == 1:
        field.only = groups[0]
        field.required = False
        field.widget = forms.HiddenInput()


# --- NHS lists ------------------------------------------------------------------------------


class NhsListForm(Form):
    file = forms.FileField(
        label="The list (CSV)",
        help_text="Columns: given_name, family_name, phone, postcode; optional nhs_number, "
        "date_of_birth (YYYY-MM-DD), mobile, address_line_1, town, language, notes",
        error_messages={"required": "Choose the CSV file to upload"},
    )
    shared_by = forms.ModelChoiceField(
        label="Who shared it",
        queryset=Organisation.objects.filter(kind__in=NHS_KINDS),
        error_messages={"required": "Choose the NHS organisation that shared the list"},
    )
    lawful_basis = _radios(
        "Lawful basis for sharing", Consent.LawfulBasis.choices, required="Choose the lawful basis"
    )
    sharing_basis = forms.CharField(
        label="Data-sharing agreement or notice",
        max_length=300,
        help_text="For example: Data sharing agreement DSA-12",
        error_messages={"required": "Name the agreement or notice the list was shared under"},
    )
    organisation = OnlyGroupField(
        label="The group that will make the calls",
        queryset=Organisation.objects.none(),
        error_messages={"required": "Choose the group that will make the calls"},
    )

    def __init__(self, *args, groups=None, **kwargs):
        super().__init__(*args, **kwargs)
        _one_group(self.fields["organisation"], groups)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".csv"):
            raise forms.ValidationError("The file must be a CSV file")
        try:
            return upload.name, csvio.decode_upload(upload)
        except csvio.CsvProblem as exc:
            raise forms.ValidationError(str(exc)) from None


# --- tasks ----------------------------------------------------------------------------------


class AssignForm(Form):
    volunteer = forms.IntegerField(widget=forms.HiddenInput)
    how = forms.ChoiceField(
        choices=[("offer", "Offer"), ("assign", "Assign")], widget=forms.HiddenInput
    )
    # Only asked when the volunteer does not speak the language the request needs.
    language_reason = forms.CharField(
        label="Why they can take it without the language",
        help_text="For example, an interpreter is going too",
        max_length=300,
        required=False,
    )


class FinishForm(Form):
    notes = forms.CharField(
        label="Anything to tell the coordinator",
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text="If you could not do it, say why",
    )


class ReasonForm(Form):
    reason = forms.CharField(
        label="Why",
        max_length=300,
        error_messages={"required": "Say why"},
    )


# --- volunteers -----------------------------------------------------------------------------

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
            _one_group(self.fields["organisation"], groups)
        else:
            del self.fields["organisation"]

    def clean_home_postcode(self):
        return _postcode(self.cleaned_data.get("home_postcode", ""))

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
    status = _radios("Change their status", VolunteerStatus.choices, required="Choose a status")


class CheckForm(Form):
    kind = _radios("Check", CheckKind.choices, required="Choose the kind of check")
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
    kind = _radios("Authorisation", AuthorisationKind.choices, required="Choose the authorisation")
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


# --- concerns -------------------------------------------------------------------------------


class ConcernForm(Form):
    kind = _radios(
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


# --- where concerns go ----------------------------------------------------------------------


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
    kind = _radios(
        "Which concerns",
        [(ANY_CONCERN, "Any concern"), *ConcernKind.choices],
        required="Choose which concerns the rule is for",
        initial=ANY_CONCERN,
    )
    urgent = _radios(
        "Urgent or not",
        URGENCY_CHOICES,
        required="Choose urgent, not urgent, or either",
        initial="either",
    )
    target = _radios(
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

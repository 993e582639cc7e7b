from __future__ import annotations

import re

from django import forms
from django.db.models import Q
from django.forms.utils import flatatt
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from keepwell.accounts.models import STAFF_ROLES, User
from keepwell.core import csvio
from keepwell.core.forms import Form, ModelForm, https_urls
from keepwell.core.i18n import language_name
from keepwell.core.phone import PhoneField
from keepwell.core.querystring import page_number
from keepwell.directory.models import (
    Interaction,
    Organisation,
    OrganisationLink,
    RelationshipStatus,
    Schedule,
    Service,
    ServiceCategory,
    TaxonomyTerm,
)
from keepwell.directory.schedules import ScheduleError, format_slots, parse
from keepwell.directory.services import (
    RADIUS_CHOICES_KM,
    SearchPage,
    SearchQuery,
    Venue,
    search,
    terms_with_children,
)
from keepwell.people.models import Language
from keepwell.places.models import Area
from keepwell.places.postcodes import InvalidPostcode, Postcode
from keepwell.places.services import PostcodeLookup


def _postcode(raw: str) -> str:
    try:
        return Postcode(raw).value
    except InvalidPostcode as exc:
        raise forms.ValidationError(str(exc)) from None


class QuickSelect(forms.Select):
    """A select whose options are written in Python rather than one template each.

    The public search page has about ninety options on every request; rendered through
    the option template they took most of the page's time. The markup is the same.
    """

    def render(self, name, value, attrs=None, renderer=None):
        final = self.build_attrs(self.attrs, attrs)
        final["name"] = name
        chosen = set(self.format_value(value))
        options = mark_safe(  # noqa: S308 - every part below is escaped by format_html
            "".join(
                format_html(
                    '<option value="{}"{}>{}</option>',
                    str(key),
                    mark_safe(" selected") if str(key) in chosen else "",  # noqa: S308
                    label,
                )
                for key, label in self.choices
            )
        )
        return format_html("<select{}>{}</select>", flatatt(final), options)


class SearchForm(Form):
    """The public directory's search (its words translated), also the referral pickers'."""

    hide_optional = True
    q = forms.CharField(
        label=_("What are you looking for?"),
        required=False,
        max_length=100,
        help_text=_("For example: befriending, food bank, choir"),
    )
    postcode = forms.CharField(label=_("Near postcode"), required=False, max_length=10)
    radius = forms.TypedChoiceField(
        label=_("Within"),
        choices=[(str(km), f"{km} km") for km in RADIUS_CHOICES_KM],
        coerce=int,
        initial="5",
        required=False,
        widget=QuickSelect,
    )
    category = forms.ChoiceField(
        label=_("Kind of support"),
        choices=[("", _("Any kind"))] + list(ServiceCategory.choices),
        required=False,
        widget=QuickSelect,
    )
    term = forms.ModelChoiceField(
        label=_("Activity"),
        queryset=TaxonomyTerm.objects.select_related("taxonomy").order_by("name"),
        required=False,
        empty_label=_("Any activity"),
        to_field_name="code",
        widget=QuickSelect,
    )
    language = forms.ChoiceField(label=_("Language spoken"), required=False, widget=QuickSelect)
    day = forms.TypedChoiceField(
        label=_("Open on"),
        choices=[("", _("Any day"))] + [(str(v), label) for v, label in Schedule.Weekday.choices],
        coerce=int,
        empty_value=None,
        required=False,
        widget=QuickSelect,
    )
    include_remote = forms.BooleanField(
        label=_("Include phone and online services"), required=False
    )
    taking_new_people = forms.BooleanField(
        label=_("Only those taking new people now"), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [("", _("Any language"))] + [
            (lang.code, language_name(lang)) for lang in Language.objects.all()
        ]
        self.located = None

    def clean_postcode(self):
        raw = self.cleaned_data.get("postcode", "").strip()
        if not raw:
            return ""
        try:
            postcode = Postcode(raw).value
        except InvalidPostcode:
            raise forms.ValidationError(_("Enter a full postcode, like WB2 1AB")) from None
        self.located = PostcodeLookup().try_locate(postcode)
        if self.located is None:
            raise forms.ValidationError(
                _("We don't know where %(postcode)s is. Check it, or search without a postcode")
                % {"postcode": postcode}
            )
        return postcode

    def query(self, *, public: bool, among=None) -> SearchQuery:
        """The search a valid form asks for; ``public`` leaves confidential venues out,
        ``among`` (a Service queryset) keeps only the services in it."""
        data = self.cleaned_data
        term = data.get("term")
        return SearchQuery(
            words=data.get("q", ""),
            point=(self.located.latitude, self.located.longitude) if self.located else None,
            radius_km=data.get("radius") or 5,
            category=data.get("category", ""),
            term_ids=terms_with_children(term) if term else (),
            language=data.get("language", ""),
            weekday=data.get("day"),
            include_remote=data.get("include_remote", False),
            taking_new_people=data.get("taking_new_people", False),
            public=public,
            among=among,
        )

    def results(self, page: str | None, *, public: bool, among=None) -> SearchPage | None:
        """The page of results (``page`` as the query string gives it) this form asks for:
        every listing when nothing was asked, none while the form has errors."""
        number = page_number(page)
        if not self.is_bound:
            return search(SearchQuery(public=public, among=among), page=number)
        if self.is_valid():
            return search(self.query(public=public, among=among), page=number)
        return None


class OrganisationForm(ModelForm):
    areas_served = forms.ModelMultipleChoiceField(
        queryset=Area.objects.order_by("kind", "name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Areas it works in",
    )
    languages = forms.ModelMultipleChoiceField(
        queryset=Language.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Languages spoken",
    )
    phone = PhoneField(label="Phone", required=False)

    class Meta:
        model = Organisation
        formfield_callback = https_urls
        fields = [
            "name",
            "kind",
            "description",
            "charity_number",
            "company_number",
            "is_cic",
            "ods_code",
            "bars_endpoint",
            "phone",
            "email",
            "website",
            "other_contact",
            "areas_served",
            "languages",
        ]
        labels = {"kind": "Kind of organisation"}
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].error_messages["required"] = "Enter the organisation's name"
        self.fields["kind"].error_messages["required"] = "Choose the kind of organisation"
        if "bars_endpoint" in self.fields:
            if self.is_bound and "bars_endpoint" not in self.data:
                # A suggestion made without the field (or before it existed) leaves it be.
                del self.fields["bars_endpoint"]
            else:
                self.fields["bars_endpoint"].error_messages["invalid"] = (
                    "Enter the BaRS endpoint as a web address, like "
                    "https://gp-system.example.nhs.uk/fhir/$process-message"
                )

    def clean_charity_number(self):
        return self.cleaned_data["charity_number"].replace(" ", "").upper()

    def clean_company_number(self):
        value = self.cleaned_data["company_number"].replace(" ", "").upper()
        return value.zfill(8) if value.isdigit() else value

    def clean(self):
        data = super().clean()
        if data.get("is_cic") and not data.get("company_number"):
            self.add_error(
                "company_number", "Enter the company number of the community interest company"
            )
        return data

    def service_kwargs(self) -> dict:
        return dict(self.cleaned_data)


class RelationshipForm(ModelForm):
    class Meta:
        model = Organisation
        fields = ["relationship_status", "relationship_owner"]
        widgets = {"relationship_status": forms.RadioSelect}
        labels = {
            "relationship_status": "Where the relationship is",
            "relationship_owner": "NHS relationship owner",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["relationship_status"].choices = RelationshipStatus.choices
        self.fields["relationship_owner"].queryset = staff_users()


def staff_users():
    return (
        User.objects.filter(Q(memberships__role__in=STAFF_ROLES) | Q(is_superuser=True))
        .distinct()
        .order_by("display_name", "username")
    )


class InteractionForm(ModelForm):
    class Meta:
        model = Interaction
        fields = ["happened_on", "kind", "notes", "next_step", "follow_up_on", "follow_up_by"]
        widgets = {
            "happened_on": forms.DateInput(format="%Y-%m-%d"),
            "follow_up_on": forms.DateInput(format="%Y-%m-%d"),
            "kind": forms.RadioSelect,
            "notes": forms.Textarea(attrs={"rows": 4}),
        }
        labels = {"kind": "What kind of contact", "notes": "What you talked about"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["follow_up_by"].queryset = staff_users()
        self.fields["notes"].error_messages["required"] = "Say what you talked about"
        self.fields["happened_on"].error_messages["required"] = "Enter the date it happened"

    def clean(self):
        data = super().clean()
        happened, follow = data.get("happened_on"), data.get("follow_up_on")
        if happened and happened > timezone.localdate():
            self.add_error("happened_on", "The date it happened must be today or in the past")
        if happened and follow and follow < happened:
            self.add_error("follow_up_on", "The follow-up date must be on or after the contact")
        if data.get("follow_up_by") and not follow:
            self.add_error("follow_up_on", "Enter a follow-up date, or leave who follows up empty")
        return data


class LinkForm(ModelForm):
    class Meta:
        model = OrganisationLink
        fields = ["kind", "target", "note"]
        labels = {"kind": "This organisation", "target": "Which organisation"}

    def __init__(self, *args, source: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.source = source
        self.fields["target"].queryset = Organisation.objects.exclude(pk=source.pk)

    def clean(self):
        data = super().clean()
        if (
            data.get("target")
            and OrganisationLink.objects.filter(
                source=self.source, target=data["target"], kind=data.get("kind")
            ).exists()
        ):
            self.add_error("target", "That link is already recorded")
        return data


_MONEY = re.compile(r"^£?\s*(\d{1,5})(?:\.(\d{1,2}))?$")


def parse_pence(raw: str) -> int:
    match = _MONEY.match(raw.strip().replace(",", ""))
    if not match:
        raise forms.ValidationError("Enter the cost in pounds, like 2.50 or £3")
    pounds, pence = match.groups()
    return int(pounds) * 100 + int((pence or "0").ljust(2, "0"))


class ServiceForm(ModelForm):
    """A listing, with its main venue and its opening times as text."""

    taxonomy_terms = forms.ModelMultipleChoiceField(
        queryset=TaxonomyTerm.objects.exclude(parent=None).select_related("parent"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Activities",
    )
    languages = forms.ModelMultipleChoiceField(
        queryset=Language.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Languages spoken",
    )
    cost = forms.CharField(
        label="Cost in pounds", required=False, max_length=12, help_text="Leave empty if it is free"
    )
    schedule = forms.CharField(
        label="When it runs",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One time a line, like: Tuesday 10:00-12:00, or first Monday 18:00-20:00",
    )
    venue_name = forms.CharField(label="Venue name", required=False, max_length=200)
    address_1 = forms.CharField(label="Address line 1", required=False, max_length=200)
    address_2 = forms.CharField(label="Address line 2", required=False, max_length=200)
    town = forms.CharField(label="Town", required=False, max_length=100)
    postcode = forms.CharField(label="Postcode", required=False, max_length=10)
    confidential = forms.BooleanField(
        label="Keep the address confidential",
        required=False,
        help_text="For example a refuge: the address is never shown publicly or shared",
    )
    phone = PhoneField(label="Phone", required=False)

    class Meta:
        model = Service
        formfield_callback = https_urls
        fields = [
            "name",
            "description",
            "category",
            "taxonomy_terms",
            "status",
            "taking_new_people",
            "access",
            "accepts_referrals",
            "min_age",
            "max_age",
            "eligibility",
            "cost",
            "cost_description",
            "schedule",
            "schedule_notes",
            "delivery",
            "venue_name",
            "address_1",
            "address_2",
            "town",
            "postcode",
            "confidential",
            "languages",
            "accessibility",
            "phone",
            "email",
            "url",
            "dos_service_id",
        ]
        widgets = {
            "category": forms.RadioSelect,
            "delivery": forms.RadioSelect,
            "access": forms.RadioSelect,
            "status": forms.RadioSelect,
            "description": forms.Textarea(attrs={"rows": 4}),
            "eligibility": forms.Textarea(attrs={"rows": 2}),
            "accessibility": forms.Textarea(attrs={"rows": 2}),
        }
        labels = {"category": "Kind of support"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].error_messages["required"] = "Enter the name of the service"
        self.fields["category"].error_messages["required"] = "Choose the kind of support"
        self.fields["taxonomy_terms"].label_from_instance = lambda t: (
            f"{t.parent.name}: {t.name}" if t.parent_id else t.name
        )
        service = self.instance
        if service.pk and not self.is_bound:
            self.initial["schedule"] = format_slots(service.schedules.all())
            if not service.is_free and service.cost_pence is not None:
                pounds, pence = divmod(service.cost_pence, 100)
                self.initial["cost"] = f"{pounds}.{pence:02d}"
            first = service.at_locations.select_related("location").order_by("id").first()
            if first is not None:
                loc = first.location
                self.initial.update(
                    venue_name=loc.name,
                    address_1=loc.address_1,
                    address_2=loc.address_2,
                    town=loc.town,
                    postcode=loc.postcode,
                    confidential=loc.confidential,
                )

    def clean_cost(self):
        raw = self.cleaned_data.get("cost", "").strip()
        return parse_pence(raw) if raw else None

    def clean_schedule(self):
        try:
            return parse(self.cleaned_data.get("schedule", ""))
        except ScheduleError as exc:
            raise forms.ValidationError(str(exc)) from None

    def clean_postcode(self):
        raw = self.cleaned_data.get("postcode", "").strip()
        return _postcode(raw) if raw else ""

    def clean(self):
        data = super().clean()
        if data.get("delivery") == Service.Delivery.IN_PERSON:
            for name, message in (
                ("address_1", "Enter the first line of the venue's address"),
                ("town", "Enter the venue's town"),
                ("postcode", "Enter the venue's postcode"),
            ):
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, message)
        low, high = data.get("min_age"), data.get("max_age")
        if low is not None and high is not None and low > high:
            self.add_error(
                "max_age", "The oldest age must be the same as or more than the youngest"
            )
        return data

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        venue_fields = ("venue_name", "address_1", "address_2", "town", "postcode", "confidential")
        venue = {name: data.pop(name) for name in venue_fields}
        cost = data.pop("cost")
        data["slots"] = data.pop("schedule")
        data["is_free"] = cost is None
        data["cost_pence"] = cost
        data["venue"] = (
            Venue(
                name=venue["venue_name"],
                address_1=venue["address_1"],
                address_2=venue["address_2"],
                town=venue["town"],
                postcode=venue["postcode"],
                confidential=venue["confidential"],
            )
            if data.get("delivery") == Service.Delivery.IN_PERSON
            else None
        )
        return data


class SuggestNoteMixin:
    """A listing's form as a suggestion: a note on why, and at least one real change.

    A plain mixin, not a Form, so each form's own fields keep their order and the note,
    declared on each suggestion form, comes last.
    """

    NOTE = forms.CharField(
        label="Why should this change?",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="For example: I went last week and it now meets on Thursdays",
    )

    def clean(self):
        data = super().clean()
        if not [name for name in self.changed_data if name != "suggestion_note"]:
            raise forms.ValidationError("Change at least one thing to suggest a change")
        return data


class ServiceSuggestForm(SuggestNoteMixin, ServiceForm):
    suggestion_note = SuggestNoteMixin.NOTE

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Where NHS systems send referrals is the service's own to say, not a suggestion.
        del self.fields["dos_service_id"]


class OrganisationSuggestForm(SuggestNoteMixin, OrganisationForm):
    suggestion_note = SuggestNoteMixin.NOTE

    class Meta(OrganisationForm.Meta):
        # Where patients' referrals are sent is for the organisation's own staff to set.
        fields = [f for f in OrganisationForm.Meta.fields if f != "bars_endpoint"]


class DecisionForm(Form):
    decision = forms.ChoiceField(
        choices=[("accept", "Accept the change"), ("reject", "Reject it")],
        widget=forms.RadioSelect,
        label="Your decision",
        error_messages={"required": "Choose your decision: accept or reject the change"},
    )
    reason = forms.CharField(
        label="Reason", required=False, max_length=300, help_text="Needed when you reject it"
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == "reject" and not data.get("reason", "").strip():
            self.add_error("reason", "Say why you are rejecting the change")
        return data


class CsvUploadForm(Form):
    file = forms.FileField(
        label="CSV file",
        help_text="Use the template: one row per service. Nothing is imported unless every "
        "row is right.",
    )

    def clean_file(self):
        try:
            return csvio.decode_upload(self.cleaned_data["file"])
        except csvio.CsvProblem as exc:
            raise forms.ValidationError(str(exc)) from None


class MappingForm(Form):
    hide_optional = True
    area = forms.ModelChoiceField(
        queryset=Area.objects.order_by("kind", "name"),
        required=False,
        empty_label="Everywhere",
        to_field_name="slug",
        label="Area",
    )


def changes_between(form) -> dict[str, list[str]]:
    """{label: [current, proposed]} for the fields a suggestion changes, as text."""

    def show(value) -> str:
        if value is None:
            return ""
        if isinstance(value, bool):
            return "Yes" if value else "No"
        if hasattr(value, "all") or isinstance(value, (list, tuple, set)):
            items = value.all() if hasattr(value, "all") else value
            return ", ".join(sorted(str(v) for v in items))
        return str(value)

    out = {}
    for name in form.changed_data:
        if name == "suggestion_note":
            continue
        field = form.fields[name]
        initial = form.get_initial_for_field(field, name)
        if isinstance(field, forms.ModelMultipleChoiceField) and initial is not None:
            initial = [
                v for v in field.queryset.filter(pk__in=[getattr(i, "pk", i) for i in initial])
            ]
        elif isinstance(field, forms.ChoiceField) and not isinstance(field, forms.ModelChoiceField):
            initial = dict(field.choices).get(initial, initial)
        proposed = form.cleaned_data.get(name)
        if name == "schedule":
            proposed = format_slots(proposed or [])
        elif isinstance(field, forms.ChoiceField) and not isinstance(field, forms.ModelChoiceField):
            proposed = dict(field.choices).get(proposed, proposed)
        elif name == "cost":
            proposed = "free" if proposed is None else f"£{proposed // 100}.{proposed % 100:02d}"
        out[str(field.label)] = [show(initial), show(proposed)]
    return out

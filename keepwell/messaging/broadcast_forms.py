"""Forms for broadcasts: the draft (audience, words in each language) and the schedule."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from keepwell.core.forms import Form
from keepwell.messaging import audiences
from keepwell.messaging.broadcasts import BROADCAST_CHANNELS, LANGUAGES, PLACEHOLDERS
from keepwell.messaging.models import Channel, Purpose
from keepwell.messaging.render import placeholders

# The parameters each audience field fills: (form field, audience parameter).
_PARAM_FIELDS = {
    "volunteers": (
        ("organisation", "organisation"),
        ("volunteer_area", "area"),
        ("skill", "skill"),
        ("language", "language"),
    ),
    "group_members": (("organisation", "organisation"),),
    "timebank_members": (("bank", "bank"),),
    "referred": (("service", "service"), ("from_organisation", "from_organisation")),
    "residents": (("residents_area", "area"),),
}
_NEEDED = {
    "volunteers": ("organisation", "Choose the group whose volunteers it goes to"),
    "group_members": ("organisation", "Choose the group whose members it goes to"),
    "timebank_members": ("bank", "Choose the time bank whose members it goes to"),
    "residents": ("residents_area", "Choose the neighbourhood whose residents it goes to"),
}


def _limited(queryset, ids):
    return queryset if ids is None else queryset.filter(pk__in=ids)


class BroadcastForm(Form):
    title = forms.CharField(
        label="Title", max_length=200, help_text="For you and the list; also the leaflet's heading"
    )
    audience_kind = forms.ChoiceField(label="Who is it for?", widget=forms.RadioSelect)
    organisation = forms.ModelChoiceField(
        label="Group", queryset=None, required=False, help_text="For volunteers or members"
    )
    volunteer_area = forms.ModelChoiceField(
        label="Only volunteers in this area", queryset=None, required=False
    )
    skill = forms.ModelChoiceField(
        label="Only volunteers who offer this help", queryset=None, required=False
    )
    language = forms.ModelChoiceField(
        label="Only volunteers who speak this language", queryset=None, required=False
    )
    bank = forms.ModelChoiceField(label="Time bank", queryset=None, required=False)
    service = forms.ModelChoiceField(
        label="Referred to this service", queryset=None, required=False
    )
    from_organisation = forms.ModelChoiceField(
        label="Referred from this practice or organisation", queryset=None, required=False
    )
    residents_area = forms.ModelChoiceField(
        label="Residents of this neighbourhood", queryset=None, required=False
    )
    purpose = forms.ChoiceField(
        label="What is it about?",
        widget=forms.RadioSelect,
        choices=[
            (Purpose.NEWS, "News: only people who said yes to news and broadcasts get it"),
            (Purpose.VOLUNTEERING, "Their volunteering (volunteers only)"),
        ],
        initial=Purpose.NEWS,
    )
    channels = forms.MultipleChoiceField(
        label="Channels keepwell may use",
        widget=forms.CheckboxSelectMultiple,
        choices=[(c, Channel(c).label) for c in BROADCAST_CHANNELS],
        initial=list(BROADCAST_CHANNELS),
        help_text="Each person gets it once, on the first of their channels you allow.",
    )
    link = forms.URLField(
        label="Link",
        required=False,
        max_length=300,
        assume_scheme="https",
        help_text="A web page with more. It goes at the end unless you write ((link)).",
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        from keepwell.directory.models import Organisation, Service
        from keepwell.help.models import NeedType
        from keepwell.people.models import Language
        from keepwell.places.models import Area
        from keepwell.timebank.models import TimeBank

        self.user = user
        self.reach = audiences.reach_of(user)
        kinds = self.reach.kinds
        self.fields["audience_kind"].choices = [
            (k, audiences.KINDS[k].label) for k in audiences.KINDS if k in kinds
        ]
        self.fields["organisation"].queryset = _limited(
            Organisation.objects.order_by("name"), self.reach.organisations
        )
        self.fields["volunteer_area"].queryset = Area.objects.order_by("name")
        self.fields["skill"].queryset = NeedType.objects.filter(is_active=True)
        self.fields["language"].queryset = Language.objects.order_by("name")
        self.fields["bank"].queryset = _limited(TimeBank.objects.order_by("name"), self.reach.banks)
        self.fields["service"].queryset = _limited(
            Service.objects.select_related("organisation").order_by("name"), self.reach.services
        )
        self.fields["from_organisation"].queryset = _limited(
            Organisation.objects.order_by("name"), self.reach.from_organisations
        )
        self.fields["residents_area"].queryset = _limited(
            Area.objects.order_by("name"), self.reach.areas
        )
        for code, name in LANGUAGES.items():
            english = code == "en"
            self.fields[f"subject_{code}"] = forms.CharField(
                label=f"Subject in {name}" if not english else "Subject in English",
                required=False,
                max_length=200,
                help_text="For emails and letters" if english else "",
            )
            self.fields[f"body_{code}"] = forms.CharField(
                label=f"Message in {name}",
                required=english,
                max_length=2_000,
                widget=forms.Textarea(attrs={"rows": 5, "lang": code, "dir": "auto"}),
                help_text=(
                    "Write ((name)) for each person's first name. Texts over 160 characters "
                    "cost more."
                    if english
                    else ""
                ),
            )
            if not english:
                self.fields[f"subject_{code}"].widget.attrs.update(lang=code, dir="auto")

    def text_fields(self):
        """(language name, subject field, body field) for the template."""
        return [(name, self[f"subject_{c}"], self[f"body_{c}"]) for c, name in LANGUAGES.items()]

    def audience_fields(self):
        names = ["organisation", "volunteer_area", "skill", "language", "bank", "service"]
        return [self[n] for n in [*names, "from_organisation", "residents_area"]]

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("audience_kind")
        if kind in _NEEDED:
            field, message = _NEEDED[kind]
            if cleaned.get(field) is None and field not in self.errors:
                self.add_error(field, message)
        if kind == "referred" and not (cleaned.get("service") or cleaned.get("from_organisation")):
            self.add_error("service", "Choose the service, or the practice they were referred from")
        purpose = cleaned.get("purpose")
        if kind and purpose and purpose not in audiences.KINDS[kind].purposes:
            self.add_error("purpose", "Only volunteers can be sent news about their volunteering")
        for code, name in LANGUAGES.items():
            subject = cleaned.get(f"subject_{code}", "")
            body = cleaned.get(f"body_{code}", "")
            if subject and not body and code != "en":
                self.add_error(f"body_{code}", f"Enter the message in {name}, or clear its subject")
            unknown = placeholders(subject or "") | placeholders(body or "")
            unknown -= PLACEHOLDERS
            if unknown:
                self.add_error(
                    f"body_{code}",
                    f"Remove (({sorted(unknown)[0]})): only ((name)) and ((link)) are filled in",
                )
            elif (
                "link" in placeholders(body or "")
                and not cleaned.get("link")
                and "link" not in self.errors
            ):
                self.add_error("link", "Enter the link, or take ((link)) out of the message")
        if kind and not self.errors and not audiences.may_reach(self.user, kind, self.params()):
            self.add_error("audience_kind", "You cannot send a broadcast to that audience")
        return cleaned

    def params(self) -> dict:
        kind = self.cleaned_data.get("audience_kind")
        params = {}
        for field, key in _PARAM_FIELDS.get(kind, ()):
            value = self.cleaned_data.get(field)
            if value is not None:
                params[key] = value.pk
        return params

    def texts(self) -> dict[str, tuple[str, str]]:
        return {
            code: (self.cleaned_data.get(f"subject_{code}", ""), self.cleaned_data[f"body_{code}"])
            for code in LANGUAGES
            if self.cleaned_data.get(f"body_{code}")
        }

    @staticmethod
    def initial_for(broadcast) -> dict:
        """The form's starting values for a draft being changed."""
        params = broadcast.audience_params
        initial = {
            "title": broadcast.title,
            "audience_kind": broadcast.audience_kind,
            "purpose": broadcast.purpose,
            "link": broadcast.link,
            "channels": params.get("channels") or list(BROADCAST_CHANNELS),
        }
        for field, key in _PARAM_FIELDS.get(broadcast.audience_kind, ()):
            if params.get(key) is not None:
                initial[field] = params[key]
        for text in broadcast.texts.all():
            initial[f"subject_{text.language}"] = text.subject
            initial[f"body_{text.language}"] = text.body
        return initial


class ScheduleForm(Form):
    when = forms.ChoiceField(
        label="When should it go?",
        widget=forms.RadioSelect,
        choices=[("now", "Now"), ("later", "At a date and time")],
        initial="now",
    )
    at = forms.DateTimeField(
        label="Date and time",
        required=False,
        help_text="For example, 27/03/2026 09:30",
        input_formats=["%d/%m/%Y %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("when") == "later":
            at = cleaned.get("at")
            if at is None and "at" not in self.errors:
                self.add_error("at", "Enter the date and time it should go")
            elif at is not None and at < timezone.now():
                self.add_error("at", "Enter a date and time in the future")
        return cleaned

    def moment(self):
        return self.cleaned_data.get("at") if self.cleaned_data["when"] == "later" else None

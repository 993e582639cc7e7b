"""Forms for a person's messaging preferences and for recording a coordinator's call."""

from __future__ import annotations

from django import forms

from keepwell.core.forms import Form
from keepwell.messaging.models import CallOutcome, Channel, Purpose, PurposeChoice

_CHANNELS = [
    ("", "None"),
    (Channel.SMS, "Text message"),
    (Channel.EMAIL, "Email"),
    (Channel.LETTER, "Letter"),
    (Channel.INBOX, "Their keepwell inbox (if they sign in)"),
]
_ORDINALS = ["First", "Second", "Third", "Fourth"]
_YES_NO = [("yes", "Yes"), ("no", "No")]


def _channel_field(index: int) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=f"{_ORDINALS[index]} choice of how to reach them",
        choices=_CHANNELS,
        required=index == 0,
    )


def _language_field(index: int) -> forms.ChoiceField:
    return forms.ChoiceField(label=f"{_ORDINALS[index]} language", required=index == 0)


def _purpose_field(purpose: Purpose) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=f"Messages {purpose.label[0].lower()}{purpose.label[1:]}",
        choices=_YES_NO,
        widget=forms.RadioSelect,
    )


class PreferencesForm(Form):
    """Channels and languages in order, large print, quiet hours and a yes/no per purpose."""

    channel_0 = _channel_field(0)
    channel_1 = _channel_field(1)
    channel_2 = _channel_field(2)
    channel_3 = _channel_field(3)
    language_0 = _language_field(0)
    language_1 = _language_field(1)
    language_2 = _language_field(2)
    purpose_care = _purpose_field(Purpose.CARE)
    purpose_volunteering = _purpose_field(Purpose.VOLUNTEERING)
    purpose_work = _purpose_field(Purpose.WORK)
    purpose_news = _purpose_field(Purpose.NEWS)
    large_print = forms.BooleanField(
        label="Letters and printed sheets in large print", required=False
    )
    quiet_from = forms.TimeField(
        label="No text messages from",
        help_text="Unless urgent. For example, 21:00",
        widget=forms.TimeInput(attrs={"type": "time"}),
    )
    quiet_until = forms.TimeField(
        label="No text messages until",
        help_text="For example, 08:00",
        widget=forms.TimeInput(attrs={"type": "time"}),
    )
    how = forms.ChoiceField(
        label="How did they tell you?",
        choices=[c for c in PurposeChoice.How.choices if c[0] != PurposeChoice.How.SMS],
    )

    def __init__(self, *args, person, languages, **kwargs):
        super().__init__(*args, **kwargs)
        self.person = person
        choices = [("", "None")] + [(code, name) for code, name in languages]
        for index in range(3):
            self.fields[f"language_{index}"].choices = choices

    def clean(self):
        data = super().clean()
        chosen = []
        for index in range(len(_ORDINALS)):
            name = f"channel_{index}"
            channel = data.get(name)
            if not channel:
                continue
            if channel in chosen:
                self.add_error(name, f"{_ORDINALS[index]} choice repeats an earlier choice")
                continue
            problem = self._cannot_use(channel)
            if problem:
                self.add_error(name, problem)
            chosen.append(channel)
        data["channels"] = chosen
        languages = []
        for index in range(3):
            code = data.get(f"language_{index}")
            if code and code not in languages:
                languages.append(code)
        data["languages"] = languages
        data["purposes"] = {
            purpose.value: data.get(f"purpose_{purpose.value}") == "yes"
            for purpose in Purpose
            if data.get(f"purpose_{purpose.value}")
        }
        return data

    def _cannot_use(self, channel: str) -> str:
        person = self.person
        if channel in (Channel.SMS, Channel.EMAIL) and person.no_digital:
            return (
                f"{person.full_name} does not use email or text messages (no digital): "
                "choose a letter, or change their record first"
            )
        if channel == Channel.SMS and not person.mobile:
            return "Add a mobile number to their record before choosing text messages"
        if channel == Channel.EMAIL and not person.email:
            return "Add an email address to their record before choosing email"
        if channel == Channel.LETTER and not (person.address_line_1 and person.postcode):
            return "Add their address to their record before choosing letters"
        if channel == Channel.INBOX and not person.user_id:
            return "They do not sign in to keepwell: choose another way to reach them"
        return ""


class CallForm(Form):
    outcome = forms.ChoiceField(
        label="How did the call go?", choices=CallOutcome.choices, widget=forms.RadioSelect
    )
    notes = forms.CharField(
        label="Notes (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What they said, or when to try again. Nothing more than the call needs.",
    )

"""The template pages' forms: a translation (of a message, or of another room's words),
and a reviewer's decision."""

from __future__ import annotations

from django import forms

from keepwell.core.forms import Form
from keepwell.messaging.kinds import text_direction
from keepwell.messaging.templating import placeholder_problems


class TranslationForm(Form):
    subject = forms.CharField(
        label="Subject",
        max_length=200,
        required=False,
        help_text="For emails, letters and the keepwell inbox. Keep the ((placeholders)).",
    )
    body = forms.CharField(
        label="Message",
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=2000,
        help_text="Keep every ((placeholder)) exactly as in English: keepwell fills them in.",
    )
    translated_by = forms.CharField(
        label="Translator's name",
        max_length=120,
        help_text="The person who wrote these words, so the reviewer can ask them.",
    )

    def __init__(self, *args, key: str, needs_subject: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.key = key
        self.needs_subject = needs_subject
        if not needs_subject:
            del self.fields["subject"]

    def clean(self):
        data = super().clean()
        subject = data.get("subject", "")
        if self.needs_subject and "subject" in data and not subject:
            self.add_error("subject", "Enter the subject")
        if "body" in data:
            problems = placeholder_problems(self.key, subject=subject or "", body=data["body"])
            for field, message in problems.items():
                self.add_error(field if field in self.fields else "body", message)
        return data


class ReviewForm(Form):
    APPROVE = "approve"
    SEND_BACK = "send_back"

    decision = forms.ChoiceField(
        label="Your decision",
        choices=[
            (APPROVE, "Approve: these words send from now on"),
            (SEND_BACK, "Send back to the translator"),
        ],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label="What should change (optional)",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=300,
        required=False,
        help_text="Needed if you send the words back.",
    )

    def __init__(self, *args, approve_label: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if approve_label:  # other rooms' words are used, not sent
            self.fields["decision"].choices = [
                (self.APPROVE, approve_label),
                (self.SEND_BACK, "Send back to the translator"),
            ]

    def clean(self):
        data = super().clean()
        if data.get("decision") == self.SEND_BACK and not data.get("reason"):
            self.add_error("reason", "Say what should change before sending the words back")
        return data


class WordsForm(Form):
    """A document's words in one language: a box for each, its English in the label's hint."""

    translated_by = forms.CharField(
        label="Translator's name",
        max_length=120,
        help_text="The person who wrote these words, so the reviewer can ask them.",
    )

    def __init__(self, *args, fields, language: str, start: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        self.keys: dict[str, str] = {}  # form field name -> the document's field key
        attrs = {"lang": language, "dir": text_direction(language)}
        for i, field in enumerate(fields):
            name = f"w{i}"
            self.keys[name] = field.key
            widget = (
                forms.Textarea(attrs={**attrs, "rows": 2})
                if field.long
                else forms.TextInput(attrs=attrs)
            )
            self.fields[name] = forms.CharField(
                label=field.label,
                max_length=field.max_length,
                initial=start.get(field.key, ""),
                help_text=f"In English: {field.english}",
                widget=widget,
                error_messages={"required": f"Enter the words for {field.label.lower()}"},
            )
        # The translator's name last: the words come first on the page.
        self.order_fields([*self.keys, "translated_by"])

    def words(self) -> dict[str, str]:
        return {key: self.cleaned_data[name] for name, key in self.keys.items()}

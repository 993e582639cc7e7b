"""Forms for community voice and practice reflection (NHS.UK error summary, plain words)."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from keepwell.accounts.models import STAFF_ROLES, User
from keepwell.core.forms import Form
from keepwell.insights.voice import practice, questions
from keepwell.insights.voice.models import Kind, Status
from keepwell.messaging.kinds import text_direction
from keepwell.places.models import Area

# The honeypot's name: a box people never see (hidden from sight and from screen readers)
# that form-filling robots fill in.
HONEYPOT = "website"


def _areas():
    return Area.objects.filter(kind=Area.Kind.NEIGHBOURHOOD).order_by("name")


class RaiseForm(Form):
    kind = forms.ChoiceField(
        label=_("Is it an issue or an idea?"),
        choices=Kind.choices,
        initial=Kind.ISSUE,
        widget=forms.RadioSelect,
    )
    title = forms.CharField(
        label=_("In a few words, what is it?"),
        max_length=150,
        help_text=_("For example, “No bench at the bus stop by the health centre”"),
    )
    body = forms.CharField(
        label=_("Tell us more"),
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What happens now, who it affects, and what would make it better"),
        error_messages={"required": _("Tell us more: what happens now and what would help")},
    )
    area = forms.ModelChoiceField(
        label=_("Which part of town is it about?"),
        queryset=Area.objects.none(),
        required=False,
        empty_label=_("All of it, or not sure"),
    )
    name = forms.CharField(
        label=_("Your name"),
        max_length=100,
        required=False,
        help_text=_("Never shown on the public page"),
    )
    contact = forms.CharField(
        label=_("How can we let you know what happens?"),
        max_length=200,
        required=False,
        help_text=_("A phone number or email address. Only the people who answer see it."),
    )
    website = forms.CharField(label=_("Leave this box empty"), required=False, max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = _areas()
        self.fields[HONEYPOT].widget.attrs.update(tabindex="-1", autocomplete="off")

    @property
    def is_robot(self) -> bool:
        return bool(self.data.get(HONEYPOT, "").strip())


class FilterForm(Form):
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("Any status")), *Status.choices], required=False
    )
    area = forms.ModelChoiceField(
        label=_("Part of town"), queryset=Area.objects.none(), required=False, empty_label=_("All")
    )
    hide_optional = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = _areas()

    def chosen(self) -> dict:
        if not self.is_valid():
            return {"status": "", "area": None}
        return {"status": self.cleaned_data["status"], "area": self.cleaned_data["area"]}


class AnswerForm(Form):
    status = forms.ChoiceField(label="What is happening now?", widget=forms.RadioSelect)
    note = forms.CharField(
        label="What you say publicly",
        max_length=3000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Plain words for everyone. If it is not possible, say honestly why.",
    )

    def __init__(self, *args, item, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = item.next_statuses

    def clean(self):
        data = super().clean()
        if data.get("status") == Status.NOT_POSSIBLE and not data.get("note", "").strip():
            self.add_error("note", "Enter what you say publicly: why it is not possible, honestly")
        return data


class HideForm(Form):
    reason = forms.CharField(
        label="Why is it being removed?",
        max_length=300,
        help_text="Kept for moderators, for example “abusive about a named member of staff”",
    )


def rating_name(key: str) -> str:
    return f"rating__{key.replace('.', '__')}"


def evidence_name(key: str) -> str:
    return f"evidence__{key.replace('.', '__')}"


class ReflectionForm(Form):
    organisation = forms.ModelChoiceField(label="Which team is reflecting?", queryset=None)
    reflected_on = forms.DateField(label="Date of the reflection", initial=timezone.localdate)
    notes = forms.CharField(
        label="Who took part, and anything else to remember",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    may_name_team = forms.BooleanField(
        label="The team agrees to be named beside its ratings in the place-wide picture",
        required=False,
        help_text="Leave unticked and the team's ratings count only in figures that name nobody",
    )

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        choices = [("", "Not rated"), *((str(k), f"{k} – {v}") for k, v in practice.SCALE.items())]
        for statement in practice.STATEMENTS:
            self.fields[rating_name(statement.key)] = forms.TypedChoiceField(
                label=statement.text,
                choices=choices,
                coerce=int,
                empty_value=None,
                required=False,
            )
            self.fields[evidence_name(statement.key)] = forms.CharField(
                label=f"Evidence for “{statement.text[:60]}”",
                required=False,
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 2}),
                help_text="What you did or saw that shows it",
            )

    def clean(self):
        data = super().clean()
        for statement in practice.STATEMENTS:
            if data.get(evidence_name(statement.key), "").strip() and not data.get(
                rating_name(statement.key)
            ):
                self.add_error(
                    rating_name(statement.key),
                    f"Choose a rating for “{statement.text[:60]}”, or leave its evidence empty",
                )
        if not self.ratings() and not self.errors:
            self.add_error(None, "Choose a rating for at least one statement")
        return data

    def ratings(self) -> dict[str, tuple[int, str]]:
        data = self.cleaned_data
        return {
            s.key: (data[rating_name(s.key)], data.get(evidence_name(s.key), ""))
            for s in practice.STATEMENTS
            if data.get(rating_name(s.key))
        }

    def groups(self):
        """The rating and evidence fields of each group, for the template."""
        return [
            (
                group,
                [
                    (s, self[rating_name(s.key)], self[evidence_name(s.key)])
                    for s in practice.in_group(group.key)
                ],
            )
            for group in practice.GROUPS
        ]


# --- Surveys --------------------------------------------------------------------------------


class SurveyForm(Form):
    title = forms.CharField(label="Title", max_length=150)
    intro = forms.CharField(
        label="What you tell people before they answer",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    questions_text = forms.CharField(
        label="Questions",
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=(
            "One question a line, starting with its kind: text:, single:, multiple: or "
            "scale: (0 to 10). Put each option of a single: or multiple: question on a line "
            "under it starting with -. Add the Portuguese after a |, for example "
            "“scale: How safe do you feel? | Quão seguro se sente?”"
        ),
    )

    def clean_questions_text(self):
        text = self.cleaned_data["questions_text"]
        try:
            questions.parse(text)
        except questions.QuestionsProblem as exc:
            raise forms.ValidationError(exc.problems) from None
        return text


class InviteForm(Form):
    how_many = forms.IntegerField(label="How many codes", min_value=1, max_value=500)
    area = forms.ModelChoiceField(
        label="Where they go",
        queryset=Area.objects.none(),
        required=False,
        empty_label="Anywhere",
        help_text="So results can be shown by area",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = _areas()


class SendSurveyForm(Form):
    area = forms.ModelChoiceField(
        label="Which neighbourhood's residents",
        queryset=Area.objects.none(),
        help_text="Everyone there who said yes to news and broadcasts, by text, email or "
        "letter as each prefers. People already sent this survey are not sent it again.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = _areas()


class CodeForm(Form):
    code = forms.CharField(
        label=_("Your code"),
        max_length=30,
        help_text=_("It is on your letter or in your text message, for example K7PX 3MQA 9R"),
    )


_SCALE = [(str(n), str(n)) for n in range(11)]


class AnswerSurveyForm(Form):
    """The survey's questions in the person's language; every answer may be left out."""

    def __init__(self, *args, survey_questions, language: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.names: dict[str, int] = {}
        for question in survey_questions:
            label = questions.in_language(question.wording, language)
            options = [
                (str(i), questions.in_language(o, language)) for i, o in enumerate(question.options)
            ]
            name = f"q{question.pk}"
            if question.kind == "text":
                field: forms.Field = forms.CharField(
                    label=label, required=False, widget=forms.Textarea(attrs={"rows": 3})
                )
            elif question.kind == "single":
                field = forms.TypedChoiceField(
                    label=label,
                    choices=options,
                    coerce=int,
                    required=False,
                    widget=forms.RadioSelect,
                )
            elif question.kind == "multiple":
                field = forms.TypedMultipleChoiceField(
                    label=label,
                    choices=options,
                    coerce=int,
                    required=False,
                    widget=forms.CheckboxSelectMultiple,
                )
            else:
                field = forms.TypedChoiceField(
                    label=label,
                    choices=_SCALE,
                    coerce=int,
                    empty_value=None,
                    required=False,
                    widget=forms.RadioSelect,
                    help_text=_("0 is the least, 10 the most"),
                )
            # The question's own language, for screen readers (and right to left for Urdu
            # and Arabic): the page around it may be in another.
            direction = text_direction(language)
            field.label_lang, field.label_dir = language, direction
            field.widget.attrs.update(lang=language, dir=direction)
            self.fields[name] = field
            self.names[name] = question.pk
        self.fields["agree_named"] = forms.BooleanField(
            label=_("I agree that the people running this survey may know who I am"),
            required=False,
            help_text=_(
                "Only if you would like them to talk to you about your answers. Otherwise "
                "leave it unticked: your answers carry no name."
            ),
        )
        self.fields["named_name"] = forms.CharField(
            label=_("Your name"), max_length=100, required=False
        )
        self.fields["named_contact"] = forms.CharField(
            label=_("A phone number or email address"), max_length=200, required=False
        )
        self.hide_optional = True

    def answers(self) -> dict[int, object]:
        return {pk: self.cleaned_data.get(name) for name, pk in self.names.items()}

    def named(self) -> dict[str, str] | None:
        """Name and contact, when the person agreed to be known; otherwise None."""
        if not self.cleaned_data.get("agree_named"):
            return None
        return {
            "name": self.cleaned_data["named_name"],
            "contact": self.cleaned_data["named_contact"],
        }

    def clean(self):
        data = super().clean()
        agreed = data.get("agree_named")
        if agreed:
            if not (data.get("named_name") or "").strip():
                self.add_error(
                    "named_name", _("Enter your name, or untick the box to stay anonymous")
                )
            if not (data.get("named_contact") or "").strip():
                self.add_error(
                    "named_contact",
                    _("Enter how we can reach you, or untick the box to stay anonymous"),
                )
        elif (data.get("named_name") or "").strip() or (data.get("named_contact") or "").strip():
            self.add_error(
                "agree_named",
                _("Tick the box to agree to be known, or leave your name and contact empty"),
            )
        return data


class ThemeForm(Form):
    name = forms.CharField(label="Theme", max_length=80, help_text="For example, “Transport”")
    keywords = forms.CharField(
        label="Words that suggest it",
        required=False,
        max_length=300,
        help_text="Separated by commas, in any language: bus, lift, autocarro. A word "
        "suggests the theme; a person still decides.",
    )


class CodingForm(Form):
    """One box of themes per open answer on the page; those the keywords suggest are ticked
    to start with, and the person coding decides."""

    hide_optional = True

    def __init__(self, *args, themes, to_code, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(t.pk, t.name) for t in themes]
        self.answer_fields: list[tuple[str, object]] = []
        for item in to_code:
            name = f"a{item.answer.pk}"
            self.fields[name] = forms.TypedMultipleChoiceField(
                label=f"“{item.answer.text[:200]}”",
                choices=choices,
                coerce=int,
                required=False,
                initial=item.suggested,
                widget=forms.CheckboxSelectMultiple,
                help_text="Suggested: "
                + ", ".join(t.name for t in themes if t.pk in item.suggested)
                if item.suggested
                else "",
            )
            self.answer_fields.append((name, item))

    def decisions(self) -> dict[int, list[int]]:
        return {
            item.answer.pk: self.cleaned_data.get(name) or [] for name, item in self.answer_fields
        }


def _staff():
    return (
        User.objects.filter(memberships__role__in=STAFF_ROLES, is_active=True)
        .distinct()
        .order_by("display_name", "username")
    )


class PriorityForm(Form):
    theme = forms.ModelChoiceField(
        label="Which theme is it from?",
        queryset=None,
        required=False,
        empty_label="None",
    )
    title = forms.CharField(label="The priority", max_length=150)
    owner = forms.ModelChoiceField(label="Who owns it", queryset=None)

    def __init__(self, *args, survey, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["theme"].queryset = survey.themes.all()
        self.fields["owner"].queryset = _staff()


class ActionForm(Form):
    text = forms.CharField(label="Action", max_length=300)
    owner = forms.ModelChoiceField(label="Who does it", queryset=None)
    due_on = forms.DateField(label="By when", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _staff()

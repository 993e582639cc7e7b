from __future__ import annotations

from django import forms

from keepwell.core.forms import Form
from keepwell.outcomes.models import How, timepoint_label
from keepwell.outcomes.services import followup_weeks
from keepwell.people.models import Consent

COORDINATOR_HOW = [
    (How.PHONE, How.PHONE.label),
    (How.IN_PERSON, How.IN_PERSON.label),
    (How.PAPER, How.PAPER.label),
]
CONSENT_HOW = [
    (Consent.How.PHONE, "By phone"),
    (Consent.How.IN_PERSON, "In person"),
    (Consent.How.WRITTEN, "In writing"),
]


class AnswersForm(Form):
    """Every current question of every measure, one radio group each.

    A measure is answered in full or skipped in full; at least one must be answered.
    """

    def __init__(
        self, *args, measures, timepoints, self_service: bool, needs_consent: bool, **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.measures = measures
        self.self_service = self_service
        self.fields["weeks"] = forms.TypedChoiceField(
            label="When is this?",
            choices=timepoints,
            coerce=int,
            widget=forms.RadioSelect,
            initial=timepoints[0][0],
            error_messages={"required": "Choose when this is"},
        )
        if not self_service:
            self.fields["how"] = forms.ChoiceField(
                label="How were they answered?",
                choices=COORDINATOR_HOW,
                widget=forms.RadioSelect,
                initial=How.PHONE,
                error_messages={"required": "Choose how the answers were given"},
            )
        if needs_consent:
            if self_service:
                self.fields["consent_given"] = forms.BooleanField(
                    label="I agree to keepwell keeping my answers to learn what helps",
                    error_messages={"required": "Confirm that we may keep your answers"},
                )
            else:
                self.fields["consent_how"] = forms.ChoiceField(
                    label="How did they agree to answer these questions?",
                    choices=CONSENT_HOW,
                    widget=forms.RadioSelect,
                    help_text="Ask first: their answers are kept to learn what helps",
                    error_messages={"required": "Record how they agreed to answer"},
                )
        self.groups = []
        for measure in measures:
            names = []
            for question in measure.current_questions:
                name = f"{measure.code}__{question.item}"
                labels = dict(question.answer_choices())
                if not question.choices:
                    labels[question.min_value] = (
                        f"{question.min_value} {question.min_label}".strip()
                    )
                    labels[question.max_value] = (
                        f"{question.max_value} {question.max_label}".strip()
                    )
                self.fields[name] = forms.TypedChoiceField(
                    label=question.wording,
                    choices=list(labels.items()),
                    coerce=int,
                    required=False,
                    widget=forms.RadioSelect(attrs={"class": "nhsuk-radios__input"}),
                )
                names.append(name)
            self.groups.append((measure, names))

    def measure_fields(self):
        """(measure, [bound fields]) for the template's fieldsets."""
        return [(measure, [self[name] for name in names]) for measure, names in self.groups]

    def other_fields(self):
        return [
            self[name]
            for name in ("weeks", "how", "consent_how", "consent_given")
            if name in self.fields
        ]

    def clean(self):
        data = super().clean()
        answered = {}
        for measure, names in self.groups:
            given = {name: data.get(name) for name in names if data.get(name) not in (None, "")}
            if not given:
                continue
            if len(given) < len(names):
                for name in names:
                    if name not in given:
                        self.add_error(
                            name, f"Answer this question too, or leave all of {measure.name} blank"
                        )
                continue
            answered[measure.code] = {
                name.split("__", 1)[1]: value for name, value in given.items()
            }
        if not answered and not self.errors:
            raise forms.ValidationError("Answer at least one set of questions")
        data["answers"] = answered
        return data


class CohortForm(Form):
    weeks = forms.TypedChoiceField(label="Change from the start to", coerce=int, choices=[])
    group_by = forms.ChoiceField(
        label="Group by",
        choices=[("service", "Service"), ("area", "Area"), ("all", "Everyone together")],
        initial="service",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["weeks"].choices = [(w, timepoint_label(w)) for w in followup_weeks()]
        self.fields["weeks"].initial = followup_weeks()[0]

"""Forms in the NHS.UK design system: labels, hints, inline errors and the error summary."""

from __future__ import annotations

import functools
import re

from django import forms
from django.core import validators
from django.forms.renderers import TemplatesSetting
from django.forms.utils import pretty_name
from django.utils.translation import get_language
from django.utils.translation import gettext as _

_INPUT_CLASS = {
    forms.Textarea: "nhsuk-textarea",
    forms.Select: "nhsuk-select",
    forms.SelectMultiple: "nhsuk-select",
    forms.RadioSelect: "nhsuk-radios__input",
    forms.CheckboxSelectMultiple: "nhsuk-checkboxes__input",
    forms.CheckboxInput: "nhsuk-checkboxes__input",
    forms.ClearableFileInput: "nhsuk-file-upload",
    forms.FileInput: "nhsuk-file-upload",
}
_ERROR_CLASS = {
    "nhsuk-input": "nhsuk-input--error",
    "nhsuk-textarea": "nhsuk-textarea--error",
    "nhsuk-select": "nhsuk-select--error",
    "nhsuk-file-upload": "nhsuk-file-upload--error",
}


# --- plain error messages -------------------------------------------------------------------

#: The most characters a free-text field takes when its form names no other limit: a box of
#: several paragraphs, and a one-line answer. Enforced on the server and given to the
#: browser as ``maxlength``.
TEXT_MAX_LENGTH = 5_000
LINE_MAX_LENGTH = 300

# Labels that read as a noun after "Enter the" / "Choose the" are used in a sentence; these
# first words mean the label is something else (a phrase, a verb, a statement) and it is
# quoted instead. Labels that start with who/what/how... read as they are ("Enter who
# authorised them").
_READS_AS_IS = {"the", "their", "your", "a", "an", "his", "her", "its", "our", "my"}
_WH_WORDS = {"who", "what", "how", "when", "where", "which", "why", "whether"}
_QUOTED = {
    "about", "active", "after", "any", "anything", "are", "at", "before", "by", "can", "change",
    "choose", "do", "does", "earn", "english", "everywhere", "find", "for", "from", "group",
    "i", "if", "in", "include", "is", "it", "keep", "most", "near", "no", "nobody", "none",
    "on", "only", "open", "record", "residents", "send", "show", "someone", "starts", "there",
    "they", "this", "to", "until", "we", "with", "within", "would", "yes", "you",
}  # fmt: skip
_CHOICE_FIELDS = (
    forms.ChoiceField,
    forms.ModelChoiceField,
    forms.MultipleChoiceField,
    forms.ModelMultipleChoiceField,
)


class _TextLength(validators.MaxLengthValidator):
    """Counts a line break as one character, as the browser's ``maxlength`` does (a textarea
    sends each as CR LF), so text the page accepted is never refused for its line breaks."""

    def clean(self, x):
        return len(x.replace("\r\n", "\n"))


def _limit(field: forms.CharField, most: int) -> None:
    """Give a free-text field a maximum after it was built: on the server and in the page."""
    field.max_length = most
    textarea = isinstance(field.widget, forms.Textarea)
    field.validators.append(_TextLength(most) if textarea else validators.MaxLengthValidator(most))
    if not field.widget.is_hidden:
        field.widget.attrs.setdefault("maxlength", str(most))


class _Named:
    """How a label is said in an error message."""

    def __init__(self, label: str):
        label = re.sub(r"\s*\(optional\)\s*$", "", str(label)).strip().rstrip(":").strip()
        self.label = label
        self.question = self.label.endswith("?")
        first = self.label.split(" ", 1)[0] if self.label else ""
        lower = first.lower()
        # Only English labels are fitted into a sentence.
        english = (get_language() or "en").startswith("en")
        self.quoted = not english or self.question or ":" in label or lower in _QUOTED or not label
        if self.quoted:
            self.thing = f"“{self.label}”"
        else:
            # "NHS number" keeps its capitals; "First name" becomes "the first name".
            words = (
                self.label
                if first.isupper() and len(first) > 1
                else lower + self.label[len(first) :]
            )
            self.thing = words if lower in _READS_AS_IS | _WH_WORDS else f"the {words}"

    def enter(self) -> str:
        return (
            _("Enter an answer to %s") % self.thing if self.question else _("Enter %s") % self.thing
        )

    def choose(self) -> str:
        return (
            _("Choose an answer to %s") % self.thing
            if self.question
            else _("Choose %s") % self.thing
        )

    @property
    def subject(self) -> str:
        """The field as the subject of a sentence."""
        if self.question:
            return _("The answer to %s") % self.thing
        return self.thing[0].upper() + self.thing[1:] if not self.quoted else self.thing


def _number(value) -> str:
    return f"{value:,}" if isinstance(value, int) else str(value)


def plain_messages(field: forms.Field, label: str) -> dict[str, str]:
    """Error messages that name the field and say what to do, as the NHS.UK design system
    asks: "Enter the times a week, from 1 to 7" rather than "Ensure this value is less than
    or equal to 7."""
    named = _Named(label)
    thing, subject = named.thing, named.subject
    if isinstance(field, forms.BooleanField):
        required = _("Tick %s to go on") % thing
    elif isinstance(field, (*_CHOICE_FIELDS, forms.FileField)):
        required = named.choose()
    else:
        required = named.enter()
    messages = {"required": required}

    if isinstance(field, _CHOICE_FIELDS):
        from_list = (
            _("Choose an answer to %s from the list") % thing
            if named.question
            else _("Choose %s from the list") % thing
        )
        messages.update(
            invalid_choice=from_list, invalid_list=from_list, invalid_pk_value=from_list
        )
    elif isinstance(field, forms.FileField):
        messages.update(
            invalid=_("Choose %s again: the file did not arrive") % thing,
            missing=_("Choose %s again: the file did not arrive") % thing,
            empty=_("The file chosen for %s is empty") % thing,
            max_length=_("The name of the file for %(thing)s must be %(most)s characters or fewer")
            % {"thing": thing, "most": _number(field.max_length)},
            contradiction=_("Either choose a new file for %s or remove it, not both") % thing,
            invalid_image=_("Choose an image file for %s") % thing,
        )
    elif isinstance(field, (forms.IntegerField, forms.FloatField, forms.DecimalField)):
        low, high = field.min_value, field.max_value
        whole = not isinstance(field, (forms.FloatField, forms.DecimalField))
        kind = _("a whole number") if whole else _("a number")
        if low is not None and high is not None:
            span = _("from %(low)s to %(high)s") % {"low": _number(low), "high": _number(high)}
            range_message = (
                _("Enter %(kind)s %(span)s for %(thing)s")
                % {"kind": kind, "span": span, "thing": thing}
                if named.quoted
                else f"{named.enter()}, {span}"
            )
            messages.update(invalid=range_message, min_value=range_message, max_value=range_message)
        else:
            messages["invalid"] = _("Enter %(thing)s as %(kind)s") % {"thing": thing, "kind": kind}
            if low is not None:
                messages["min_value"] = _("%(subject)s must be %(low)s or more") % {
                    "subject": subject,
                    "low": _number(low),
                }
            if high is not None:
                messages["max_value"] = _("%(subject)s must be %(high)s or less") % {
                    "subject": subject,
                    "high": _number(high),
                }
        if isinstance(field, forms.DecimalField):
            places = field.decimal_places
            messages.update(
                max_decimal_places=_(
                    "Enter %(thing)s with no more than %(places)s digits after the point"
                )
                % {"thing": thing, "places": places},
                max_digits=_("%s is too long a number") % subject,
                max_whole_digits=_("%s is too long a number") % subject,
            )
        messages["step_size"] = _("Enter %(thing)s in steps of %(step)s") % {
            "thing": thing,
            "step": field.step_size,
        }
    elif isinstance(field, forms.DateTimeField):
        messages["invalid"] = _("Enter %s as a real date and time, like 27/03/2026 14:30") % thing
    elif isinstance(field, forms.DateField):
        messages["invalid"] = _("Enter %s as a real date, like 27/03/2026") % thing
    elif isinstance(field, forms.TimeField):
        messages["invalid"] = _("Enter %s as a time, like 14:30") % thing
    elif isinstance(field, forms.EmailField):
        messages["invalid"] = _("Enter %s in the correct format, like name@example.com") % thing
    elif isinstance(field, forms.URLField):
        messages["invalid"] = _("Enter %s as a web address, like www.example.org") % thing
    elif isinstance(field, forms.SlugField):
        messages["invalid"] = (
            _("Enter %s using only letters, numbers, hyphens and underscores") % thing
        )
    if isinstance(field, forms.CharField):
        if field.max_length is not None:
            messages["max_length"] = _("%(subject)s must be %(most)s characters or fewer") % {
                "subject": subject,
                "most": _number(field.max_length),
            }
        if field.min_length is not None:
            messages["min_length"] = _("%(subject)s must be %(least)s characters or more") % {
                "subject": subject,
                "least": _number(field.min_length),
            }
        messages["null_characters_not_allowed"] = (
            _("%s has a character that cannot be saved: remove it and try again") % subject
        )
    messages["unique"] = _("Another record already has this %s") % (
        thing if named.quoted else thing.removeprefix("the ")
    )
    return messages


def _all_subclasses(cls: type) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found.add(sub)
        found |= _all_subclasses(sub)
    return found


@functools.cache
def _stock_templates(language: str | None) -> frozenset[str]:
    """Django's own error wording (form fields, model fields and validators) in a language:
    the messages this module replaces when they reach a form."""
    from django.db import models

    found: set[str] = set()
    for base in (forms.Field, models.Field):
        for cls in {base} | _all_subclasses(base):
            if not cls.__module__.startswith("django."):
                continue
            found.update(str(m) for m in getattr(cls, "default_error_messages", {}).values())
    for value in vars(validators).values():
        message = getattr(value, "message", None)
        if message is not None and not callable(message):
            found.add(str(message))
    return frozenset(found)


def is_stock_message(message) -> bool:
    return str(message) in _stock_templates(get_language())


def plain_error(field: forms.Field, label: str, code: str | None, params=None) -> str:
    """The plain message for one of Django's errors on this field."""
    messages = plain_messages(field, label)
    if code not in messages:
        return _("Check %s and enter it again") % _Named(label).thing
    if code == "max_length" and isinstance((params or {}).get("show_value"), int):
        return _("%(message)s (you entered %(count)s)") % {
            "message": messages[code],
            "count": _number(params["show_value"]),
        }
    return messages[code]


class NHSFormRenderer(TemplatesSetting):
    form_template_name = "forms/nhsuk_form.html"
    field_template_name = "forms/nhsuk_field.html"


def _base_class(widget: forms.Widget) -> str:
    for widget_type in type(widget).__mro__:
        if widget_type in _INPUT_CLASS:
            return _INPUT_CLASS[widget_type]
    return "nhsuk-input"


class NHSFormMixin:
    """Give every widget its NHS.UK class, and mark fields with errors for screen readers."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            widget = field.widget
            css = _base_class(widget)
            existing = widget.attrs.get("class", "")
            if css not in existing.split():
                widget.attrs["class"] = f"{css} {existing}".strip()
            if isinstance(widget, forms.DateInput):
                widget.input_type = "date"
            if isinstance(field, forms.CharField) and field.max_length is None:
                # Every free-text field has a maximum, this form's own or the default; text
                # already saved longer (an import, say) can still be kept as it is.
                most = TEXT_MAX_LENGTH if isinstance(widget, forms.Textarea) else LINE_MAX_LENGTH
                saved = self.initial.get(name)
                if isinstance(saved, str):
                    most = max(most, len(saved.replace("\r\n", "\n")))
                _limit(field, most)

    def full_clean(self):
        super().full_clean()
        self._plain_errors()
        for name in self.errors:
            if name not in self.fields:
                continue
            widget = self.fields[name].widget
            base = _base_class(widget)
            extra = _ERROR_CLASS.get(base)
            if extra and extra not in widget.attrs.get("class", ""):
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} {extra}".strip()
            error_id = f"{self[name].auto_id}-error"
            described = widget.attrs.get("aria-describedby", "")
            if error_id not in described:
                widget.attrs["aria-describedby"] = f"{described} {error_id}".strip()

    def _plain_errors(self) -> None:
        """Put Django's own wording ("This field is required.") into words that name the
        field and say what to do. Messages a form wrote itself are left as they are."""
        if not self._errors:
            return
        for name, errors in self._errors.items():
            field = self.fields.get(name)
            if field is None:
                continue
            label = field.label or pretty_name(name)
            for index, error in enumerate(errors.data):
                if isinstance(error, forms.ValidationError) and is_stock_message(error.message):
                    errors.data[index] = forms.ValidationError(
                        plain_error(field, label, error.code, error.params), code=error.code
                    )

    def error_summary(self) -> list[tuple[str, str]]:
        """(anchor, message) pairs for the error summary at the top of the page."""
        items = []
        for name, errors in self.errors.items():
            if name == "__all__" or name not in self.fields:
                anchor = "#maincontent"
            else:
                bound = self[name]
                widget = self.fields[name].widget
                if isinstance(widget, (forms.RadioSelect, forms.CheckboxSelectMultiple)):
                    anchor = f"#{bound.auto_id}_0"
                else:
                    anchor = f"#{bound.auto_id}"
            items.extend((anchor, str(message)) for message in errors)
        return items


class Form(NHSFormMixin, forms.Form):
    pass


class ModelForm(NHSFormMixin, forms.ModelForm):
    pass


def https_urls(model_field, **kwargs):
    """A ModelForm ``Meta.formfield_callback``: a web address typed without a scheme is https."""
    from django.db import models

    if isinstance(model_field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return model_field.formfield(**kwargs)


_MONEY = re.compile(r"^£?\s*(\d{1,6})(?:\.(\d{1,2}))?$")


class PoundsField(forms.CharField):
    """An amount typed in pounds ("4.50", "£12", "1,200"), cleaned to whole pence (up to
    £999,999.99: claims, prices and rates, not budgets)."""

    def __init__(self, *, example: str = "4.50", **kwargs):
        kwargs.setdefault("max_length", 12)
        super().__init__(**kwargs)
        self.example = example
        self.widget.attrs.update(
            {"inputmode": "decimal", "class": "nhsuk-input nhsuk-input--width-10"}
        )

    def clean(self, value):
        # Required and too-long are judged on the text typed; then it becomes pence.
        text = super().clean(value)
        if text in self.empty_values:
            return None
        match = _MONEY.match(text.strip().replace(",", ""))
        if not match:
            raise forms.ValidationError(
                f"Enter the {str(self.label).lower()} in pounds, like {self.example}",
                code="money",
            )
        whole, part = match.groups()
        return int(whole) * 100 + int((part or "0").ljust(2, "0"))


def form_status(form: forms.BaseForm) -> int:
    """The HTTP status of a page showing this form: 400 when it has errors (the page
    shows the error summary), else 200."""
    return 400 if form.errors else 200

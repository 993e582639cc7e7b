"""Forms in the NHS.UK design system: labels, hints, inline errors and the error summary."""

from __future__ import annotations

from django import forms
from django.forms.renderers import TemplatesSetting

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
        for field in self.fields.values():
            widget = field.widget
            css = _base_class(widget)
            existing = widget.attrs.get("class", "")
            if css not in existing.split():
                widget.attrs["class"] = f"{css} {existing}".strip()
            if isinstance(widget, forms.DateInput):
                widget.input_type = "date"

    def full_clean(self):
        super().full_clean()
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


def form_status(form: forms.BaseForm) -> int:
    """The HTTP status of a page showing this form: 400 when it has errors (the page
    shows the error summary), else 200."""
    return 400 if form.errors else 200

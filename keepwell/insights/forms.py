"""The one question every insights page asks: which months, and by neighbourhood or decile."""

from __future__ import annotations

import re
from datetime import date

from django import forms

from keepwell.core.forms import Form
from keepwell.insights.figures import BY, Period

_MONTH = re.compile(r"(\d{4})-(\d{1,2})")
LONGEST_MONTHS = 60


def _month(value: str, label: str) -> date:
    match = _MONTH.fullmatch(value.strip())
    if not match or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 2000:
        raise forms.ValidationError(f"Enter the {label} as a year and month, like 2026-01")
    return date(int(match.group(1)), int(match.group(2)), 1)


class PeriodForm(Form):
    """Read from the query string; blank fields mean the last twelve months."""

    start = forms.CharField(
        label="From month", required=False, max_length=7, help_text="For example, 2026-01"
    )
    end = forms.CharField(
        label="To month", required=False, max_length=7, help_text="For example, 2026-12"
    )
    by = forms.ChoiceField(
        label="Show figures by",
        choices=list(BY.items()),
        required=False,
        initial="area",
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def clean_start(self) -> date | None:
        value = self.cleaned_data["start"]
        return _month(value, "from month") if value else None

    def clean_end(self) -> date | None:
        value = self.cleaned_data["end"]
        return _month(value, "to month") if value else None

    def clean(self):
        data = super().clean()
        default = Period.last_twelve(self.today)
        first = data.get("start") or default.first
        last = data.get("end") or default.last
        if "start" in self.errors or "end" in self.errors:
            return data
        if last < first:
            self.add_error("end", "The to month must be the same as or after the from month")
        elif (last.year - first.year) * 12 + last.month - first.month >= LONGEST_MONTHS:
            self.add_error("end", f"Choose a period of at most {LONGEST_MONTHS} months")
        data["period"] = Period(first, last)
        data["by"] = data.get("by") or "area"
        return data

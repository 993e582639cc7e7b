"""Dates as people read them: the year only when it is not this year.

``{{ task.due_start|date_with_year:"D j M H:i" }}`` shows "Thu 3 Dec 14:00" this year and
"Wed 1 Jan 2020 09:00" for any other, so a date typed in the wrong year is seen for what it
is. Pages that always show the year ("j M Y") keep their own format.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from django import template
from django.template.defaultfilters import date as date_filter
from django.utils import timezone

register = template.Library()

# The month in a Django date format (F, M, N, b, E), not escaped with a backslash.
_MONTH = re.compile(r"(?<!\\)([FMNbE])")


@register.filter(expects_localtime=True)
def date_with_year(value, arg: str = "j M") -> str:
    """``value`` formatted with ``arg``, with the year added after the month when it is
    not this year (the year in Europe/London)."""
    if not isinstance(value, date):
        return date_filter(value, arg)
    year = value.year
    if isinstance(value, datetime) and timezone.is_aware(value):
        year = timezone.localtime(value).year
    if year != timezone.localdate().year and "Y" not in arg:
        arg = _MONTH.sub(r"\1 Y", arg, count=1) if _MONTH.search(arg) else f"{arg} Y"
    return date_filter(value, arg)

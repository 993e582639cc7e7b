"""How the public directory words a listing's details in the page's language."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from keepwell.core.i18n import language_name
from keepwell.directory.models import Schedule

register = template.Library()


def _ordinal_day(week: int, day: str) -> str:
    # A whole phrase for each, so a language can put the words in its own order.
    if week == 1:
        return pgettext("opening times", "first %(day)s") % {"day": day}
    if week == 2:
        return pgettext("opening times", "second %(day)s") % {"day": day}
    if week == 3:
        return pgettext("opening times", "third %(day)s") % {"day": day}
    if week == 4:
        return pgettext("opening times", "fourth %(day)s") % {"day": day}
    return pgettext("opening times", "last %(day)s") % {"day": day}


@register.filter
def opening(slot: Schedule) -> str:
    """``Tuesday 10:00-12:00``, ``first Monday 18:00-20:00`` (in English; see the .po)."""
    day = str(Schedule.Weekday(slot.weekday).label)
    when = _ordinal_day(slot.week_of_month, day) if slot.week_of_month else day
    return _("%(when)s %(opens)s-%(closes)s") % {
        "when": when,
        "opens": f"{slot.opens_at:%H:%M}",
        "closes": f"{slot.closes_at:%H:%M}",
    }


register.filter("language_name", language_name)

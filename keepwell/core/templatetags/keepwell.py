from django import template
from django.utils.formats import localize
from django.utils.html import escape
from django.utils.safestring import mark_safe

from keepwell.core.phone import format_phone

register = template.Library()


@register.filter
def phone(value) -> str:
    """A stored phone number as people write it: ``01632 960001``, ``+33 6 12 34 56 78``."""
    return format_phone(value or "")


@register.filter
def widget_type(bound_field) -> str:
    return type(bound_field.field.widget).__name__.lower()


@register.simple_tag(takes_context=True)
def query_without_page(context) -> str:
    """The current query string minus ``page``, for pagination links."""
    params = context["request"].GET.copy()
    params.pop("page", None)
    return params.urlencode()


@register.simple_tag(takes_context=True)
def other_languages(context) -> list[tuple[str, str, str]]:
    """(code, name, query string) for each other language a public page is offered in,
    the query string keeping what the visitor asked for (their search, say)."""
    from django.conf import settings
    from django.utils.translation import get_language

    current = get_language()
    found = []
    for code, name in settings.LANGUAGES:
        if code == current:
            continue
        params = context["request"].GET.copy()
        params.pop("page", None)
        params["lang"] = code
        found.append((code, name, params.urlencode()))
    return found


def _text(value) -> str:
    """A value as ``{{ value }}`` shows it, escaped (a whole number needs neither: keepwell
    groups no thousands in templates)."""
    if type(value) is int:
        return str(value)
    return escape(value if isinstance(value, str) else localize(value))


_ROW = '<tr class="nhsuk-table__row"><th scope="row" class="nhsuk-table__header">{}</th>{}</tr>'
_CELL = '<td class="nhsuk-table__cell nhsuk-table__cell--numeric">{}</td>'


@register.simple_tag
def numeric_rows(rows) -> str:
    """Numeric table rows, ``(name, [values])`` each (a chart's ``rows``, say), built in one
    pass.

    A trend over fifty neighbourhoods has thousands of cells; the template engine takes
    several times as long to render them one by one."""
    return mark_safe(  # noqa: S308 - every name and value is escaped by _text
        "".join(
            _ROW.format(_text(name), "".join(_CELL.format(_text(v)) for v in values))
            for name, values in rows
        )
    )

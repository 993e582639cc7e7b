from django import template

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

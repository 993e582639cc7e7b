from django import template

register = template.Library()


@register.filter
def widget_type(bound_field) -> str:
    return type(bound_field.field.widget).__name__.lower()


@register.simple_tag(takes_context=True)
def query_without_page(context) -> str:
    """The current query string minus ``page``, for pagination links."""
    params = context["request"].GET.copy()
    params.pop("page", None)
    return params.urlencode()

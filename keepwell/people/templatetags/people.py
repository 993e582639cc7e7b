"""Filters for people's details, offered on every page (settings TEMPLATES "builtins")."""

from django import template

from keepwell.people.validators import format_nhs_number

register = template.Library()


@register.filter
def nhs_number(value) -> str:
    """``4857773456`` as ``485 777 3456``."""
    return format_nhs_number(value or "")

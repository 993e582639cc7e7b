from django import template

from keepwell.funding.expenses.models import money as _money

register = template.Library()


@register.filter
def money(pence) -> str:
    """Whole pence as pounds: ``{{ line.amount_pence|money }}`` → "£12.50"."""
    return "" if pence is None else _money(int(pence))

"""Time bank pages. Thin: parse, authorise (rules.py), call a service, render.

One module a part of the time bank (banks, profiles, exchanges, reciprocity, broker tools);
urls.py takes the views from here."""

from __future__ import annotations

from keepwell.timebank.views.banks import add_member, approvals, bank_detail, decide, index, join
from keepwell.timebank.views.broker import bank_settings, inactive, report, statement, statement_csv
from keepwell.timebank.views.exchanges import (
    donate,
    exchange_cancel,
    exchange_confirm,
    exchange_detail,
    exchange_new,
    exchange_reverse,
    grant,
    group_new,
)
from keepwell.timebank.views.profiles import (
    account_detail,
    account_edit,
    find,
    listing_add,
    listing_withdraw,
)
from keepwell.timebank.views.reciprocity import (
    help_hours,
    invitation,
    invite,
    invite_list,
    suggestions,
)

__all__ = [
    "account_detail",
    "account_edit",
    "add_member",
    "approvals",
    "bank_detail",
    "bank_settings",
    "decide",
    "donate",
    "exchange_cancel",
    "exchange_confirm",
    "exchange_detail",
    "exchange_new",
    "exchange_reverse",
    "find",
    "grant",
    "group_new",
    "help_hours",
    "inactive",
    "index",
    "invitation",
    "invite",
    "invite_list",
    "join",
    "listing_add",
    "listing_withdraw",
    "report",
    "statement",
    "statement_csv",
    "suggestions",
]

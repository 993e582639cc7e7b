"""Who may do what in a time bank.

Brokers are a role of one bank: its named brokers, and the coordinators of the
organisation that runs it (platform admins too). A member acts for their own account;
coordinators and NHS connectors act for their organisation's account.
"""

from __future__ import annotations

import rules

from keepwell.accounts.rules import is_platform_admin, is_signed_in
from keepwell.timebank import services
from keepwell.timebank.models import Account, Exchange, GiveInvitation, Listing, TimeBank


def _bank_of(obj) -> TimeBank | None:
    if isinstance(obj, TimeBank):
        return obj
    if isinstance(obj, Account | Exchange | GiveInvitation):
        return obj.bank
    if isinstance(obj, Listing):
        return obj.account.bank
    return None


@rules.predicate
def brokers_it(user, obj) -> bool:
    bank = _bank_of(obj)
    if bank is None:
        return False
    cache = getattr(user, "_timebank_broker_cache", None)
    if cache is None:
        cache = user._timebank_broker_cache = {}
    if bank.pk not in cache:
        cache[bank.pk] = services.is_broker(user, bank)
    return cache[bank.pk]


@rules.predicate
def owns_account(user, account) -> bool:
    return isinstance(account, Account) and services.acts_for(user, account)


@rules.predicate
def owns_listing(user, listing) -> bool:
    return isinstance(listing, Listing) and services.acts_for(user, listing.account)


@rules.predicate
def is_approved_member(user, obj) -> bool:
    """Has an approved account in the object's bank (members see each other's listings)."""
    bank = _bank_of(obj)
    if bank is None or not user.is_authenticated:
        return False
    return Account.objects.filter(bank=bank).approved().of_user(user).exists()


@rules.predicate
def takes_part(user, exchange) -> bool:
    if not isinstance(exchange, Exchange):
        return False
    accounts = [m.account for m in exchange.movements.select_related("account__person")]
    return any(services.acts_for(user, account) for account in accounts)


@rules.predicate
def awaits_user(user, exchange) -> bool:
    return (
        isinstance(exchange, Exchange)
        and exchange.is_pending
        and services.acts_for(user, exchange.awaiting)
    )


@rules.predicate
def approved_owner(user, account) -> bool:
    return owns_account(user, account) and account.is_approved


@rules.predicate
def invited_person(user, invitation) -> bool:
    return isinstance(invitation, GiveInvitation) and invitation.person.user_id == user.pk


@rules.predicate
def brokers_any_bank(user) -> bool:
    return user.is_authenticated and TimeBank.objects.brokered_by(user).exists()


rules.add_perm("timebank.use_timebank", is_signed_in)
# A bank's page says what it is and how to join: any signed-in person may read it.
rules.add_perm("timebank.view_bank", is_signed_in)
rules.add_perm("timebank.broker", is_platform_admin | brokers_it)
rules.add_perm("timebank.view_listings", brokers_it | is_approved_member)
rules.add_perm("timebank.view_account", brokers_it | owns_account)
rules.add_perm("timebank.change_account", brokers_it | owns_account)
rules.add_perm("timebank.trade", brokers_it | approved_owner)
rules.add_perm("timebank.change_listing", brokers_it | owns_listing)
rules.add_perm("timebank.view_exchange", brokers_it | takes_part)
rules.add_perm("timebank.confirm_exchange", brokers_it | awaits_user)
rules.add_perm("timebank.cancel_exchange", brokers_it | takes_part)
rules.add_perm("timebank.answer_invitation", brokers_it | invited_person)

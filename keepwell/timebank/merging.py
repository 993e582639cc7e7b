"""The time bank's part of merging two records of one person (see
keepwell/people/merging.py): accounts, invitations to give, and exchanges that name them as
the one helped, move to the kept record.

A ledger account is one per person per bank, and keepwell never joins two ledgers by
itself: two accounts with one bank refuse the merge until a broker settles one. So does
two unanswered invitations to one bank (answer one first)."""

from __future__ import annotations

from keepwell.audit import services as audit
from keepwell.audit.models import Action, Purpose
from keepwell.people.merging import counted, joined
from keepwell.timebank.models import Account, Exchange, GiveInvitation


def holds(person) -> str:
    return joined(
        counted(Account.objects.filter(person=person).count(), "time bank account"),
        counted(
            GiveInvitation.objects.filter(person=person).count(),
            "invitation to give",
            "invitations to give",
        ),
    )


def refusal(keep, duplicate) -> str:
    shared = (
        Account.objects.filter(person=duplicate, bank__accounts__person=keep)
        .select_related("bank")
        .order_by("bank__name")
        .first()
    )
    if shared is not None:
        return (
            f"Both records have an account with {shared.bank.name}. Ask its broker to move "
            "the hours to one account and settle the other before merging"
        )
    waiting = (
        GiveInvitation.objects.filter(
            person=duplicate,
            response=GiveInvitation.Response.WAITING,
            bank__invitations__person=keep,
            bank__invitations__response=GiveInvitation.Response.WAITING,
        )
        .select_related("bank")
        .first()
    )
    if waiting is not None:
        return (
            f"Both records have an unanswered invitation to give to {waiting.bank.name}. "
            "Record the answer to one of them before merging"
        )
    return ""


def move(keep, duplicate, *, by) -> str:
    accounts = list(Account.objects.select_for_update().filter(person=duplicate).order_by("pk"))
    # Only one account per person earns hours for help tasks: the kept record's, if any.
    keep_earns = Account.objects.filter(person=keep, earn_help_hours=True).exists()
    stopped = 0
    for account in accounts:
        account.person = keep
        fields = ["person"]
        if account.earn_help_hours and keep_earns:
            account.earn_help_hours = False
            fields.append("earn_help_hours")
            stopped += 1
        keep_earns = keep_earns or account.earn_help_hours
        account.save(update_fields=fields)
        audit.record(
            by,
            Action.UPDATE,
            account,
            person_id=keep.pk,
            purpose=Purpose.TIMEBANK,
            summary=f"Moved from record {duplicate.pk} when it was merged into this one"
            + (
                "; hours for help tasks keep going to the kept record's other account"
                if "earn_help_hours" in fields
                else ""
            ),
        )
    invitations = GiveInvitation.objects.filter(person=duplicate).update(person=keep)
    Exchange.objects.filter(beneficiary=duplicate).update(beneficiary=keep)
    return joined(
        counted(len(accounts), "time bank account"),
        counted(invitations, "invitation to give", "invitations to give"),
    )

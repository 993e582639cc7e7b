"""Reciprocity: hours for help tasks, invitations to give, and suggestions of who could
help whom."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from keepwell.audit.models import Action
from keepwell.help import queries as help_queries
from keepwell.people.models import Person, Strength
from keepwell.places.geo import haversine_km
from keepwell.places.models import PostcodeLocation
from keepwell.timebank.models import Account, Category, Exchange, GiveInvitation, Listing, TimeBank
from keepwell.timebank.services.common import LedgerError, ledger_transaction
from keepwell.timebank.services.exchanges import _with_chest
from keepwell.timebank.services.ledger import _check_minutes
from keepwell.timebank.services.membership import (
    _audit,
    add_listing,
    add_member,
    apply_to_join,
)


@ledger_transaction
def credit_help_task(
    *,
    volunteer_user,
    receiver_person: Person | None = None,
    minutes: int,
    task_ref: str,
    by,
    via: str = "system",
) -> Exchange | None:
    """Credit a volunteer's time bank account for a help task they completed.

    For the help capability to call when a task is done. Idempotent by ``task_ref``: the
    same task is credited once however often this is called. Returns None when the
    volunteer has not opted in ("Earn hours for help tasks" on an approved account).

    The hours come from the bank's community chest; the person helped is never charged
    (they are invited to give instead, see :func:`people_to_invite`). If the chest cannot
    cover them under an enforced limit, the credit waits, pending, for a broker.
    """
    _check_minutes(minutes)
    key = help_queries.task_key(task_ref)
    if len(key) > 100:
        raise LedgerError("task_ref is too long")
    found = Exchange.objects.filter(idempotency_key=key).first()
    if found is not None:
        return found
    account = (
        Account.objects.approved()
        .filter(person__user=volunteer_user, earn_help_hours=True)
        .select_related("bank", "person")
        .first()
    )
    if account is None:
        return None
    who = f" for {receiver_person.full_name}" if receiver_person else ""
    return _with_chest(
        account,
        minutes,
        kind=Exchange.Kind.HELP_TASK,
        by=by,
        idempotency_key=key,
        on_breach="pending",
        by_broker=False,
        description=f"Help task {task_ref}{who}",
        source_ref=key,
        beneficiary=receiver_person,
        via=via,
    )


def help_tasks_to_claim(account: Account) -> list:
    """Done help tasks of the account's volunteer not yet credited, newest first."""
    user_id = account.person.user_id if account.person_id else None
    if user_id is None:
        return []
    done = list(help_queries.done_tasks_for(user_id))
    refs = [help_queries.task_key(task.pk) for task in done]
    taken = set(
        Exchange.objects.exclude(source_ref="")
        .filter(source_ref__in=refs)
        .values_list("source_ref", flat=True)
    )
    return [task for task in done if help_queries.task_key(task.pk) not in taken]


def people_to_invite(bank: TimeBank, user):
    """People who received help, have strengths on their record, and give nothing here yet.

    A strength is recorded at the end of a referral or of help (``Strength.source``), so a
    strength on the record is the sign that someone received help and said what they could
    give. Only records ``user`` may open are included.
    """
    giving = Listing.objects.active().offers().filter(account__bank=bank).values("account__person")
    invited = GiveInvitation.objects.filter(bank=bank, response=GiveInvitation.Response.WAITING)
    return (
        Person.objects.visible_to(user)
        .filter(strengths__isnull=False)
        .exclude(pk__in=giving)
        .exclude(pk__in=invited.values("person"))
        .distinct()
        .prefetch_related("strengths")
        .order_by("family_name", "given_name", "id")
    )


@transaction.atomic
def invite_to_give(bank: TimeBank, person: Person, *, by, note: str = "", via: str = "web"):
    invitation = GiveInvitation.objects.filter(
        bank=bank, person=person, response=GiveInvitation.Response.WAITING
    ).first()
    if invitation is None:
        invitation = GiveInvitation.objects.create(
            bank=bank, person=person, invited_by=by, note=note
        )
        _audit(by, Action.CREATE, invitation, f"Invited to give through {bank}", via)
    return invitation


_STRENGTH_CATEGORY = {
    Strength.Kind.SKILL: Category.PRACTICAL,
    Strength.Kind.TIME: Category.COMPANY,
    Strength.Kind.KNOWLEDGE: Category.LEARNING,
}


def category_for_strength(strength: Strength) -> str:
    return _STRENGTH_CATEGORY.get(strength.kind, Category.COMMUNITY)


@transaction.atomic
def answer_invitation(
    invitation: GiveInvitation,
    *,
    by,
    accept: bool,
    strengths: Iterable[Strength] = (),
    as_broker: bool = False,
    via: str = "web",
) -> GiveInvitation:
    """Yes: join (approved at once if a broker records it) and offer the chosen strengths."""
    invitation = GiveInvitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.response != GiveInvitation.Response.WAITING:
        return invitation
    if accept:
        person = invitation.person
        account = (
            add_member(invitation.bank, by=by, person=person, via=via)
            if as_broker
            else apply_to_join(invitation.bank, by=by, person=person, via=via)
        )
        for strength in strengths:
            if strength.person_id != person.pk:
                raise LedgerError("That strength is on someone else's record")
            if not account.listings.filter(strength=strength, withdrawn_at__isnull=True).exists():
                add_listing(
                    account,
                    by=by,
                    kind=Listing.Kind.OFFER,
                    category=category_for_strength(strength),
                    title=strength.description[:120],
                    strength=strength,
                    via=via,
                )
    invitation.response = (
        GiveInvitation.Response.ACCEPTED if accept else GiveInvitation.Response.DECLINED
    )
    invitation.responded_at = timezone.now()
    invitation.responded_by = by
    invitation.save(update_fields=["response", "responded_at", "responded_by"])
    answer = invitation.get_response_display()
    _audit(by, Action.UPDATE, invitation, f"Invitation to give: {answer}", via)
    return invitation


@dataclass(frozen=True)
class Suggestion:
    need: Listing
    offer: Listing
    km: float | None

    @property
    def distance(self) -> str:
        return "distance not known" if self.km is None else f"{self.km:.1f} km"


def _locations(postcodes: Iterable[str]) -> dict[str, tuple[float, float]]:
    rows = PostcodeLocation.objects.filter(postcode__in=set(p for p in postcodes if p))
    return {row.postcode: (row.latitude, row.longitude) for row in rows}


def _km(a: tuple[float, float] | None, b: tuple[float, float] | None) -> float | None:
    if a is None or b is None:
        return None
    return float(haversine_km(a[0], a[1], b[0], b[1]))


def suggestions(bank: TimeBank, *, account: Account | None = None, limit: int = 50):
    """Offers paired with needs in the same category, nearest first (two members each)."""
    listings = (
        Listing.objects.active()
        .filter(account__bank=bank)
        .select_related("account__person", "account__organisation")
    )
    needs = [item for item in listings if item.kind == Listing.Kind.NEED]
    offers = [item for item in listings if item.kind == Listing.Kind.OFFER]
    if account is not None:
        needs_mine = [n for n in needs if n.account_id == account.pk]
        offers_mine = [o for o in offers if o.account_id == account.pk]
        pairs = [(n, o) for n in needs_mine for o in offers if o.account_id != account.pk]
        pairs += [(n, o) for o in offers_mine for n in needs if n.account_id != account.pk]
    else:
        pairs = [(n, o) for n in needs for o in offers if n.account_id != o.account_id]
    pairs = [(n, o) for n, o in pairs if n.category == o.category]
    where = _locations(item.account.postcode for pair in pairs for item in pair)
    found = [
        Suggestion(n, o, _km(where.get(n.account.postcode), where.get(o.account.postcode)))
        for n, o in pairs
    ]
    found.sort(key=lambda s: (s.km is None, s.km or 0.0, -s.need.pk, -s.offer.pk))
    return found[:limit]


def listings_near(
    bank: TimeBank, *, postcode: str | None, km: float, kind: str = "", category: str = ""
) -> list[tuple[Listing, float | None]]:
    """Active offers and needs, nearest first within ``km`` of ``postcode`` (all if none)."""
    listings = (
        Listing.objects.active()
        .filter(account__bank=bank)
        .in_category(category)
        .select_related("account__person", "account__organisation")
    )
    if kind:
        listings = listings.filter(kind=kind)
    origin = _locations([postcode]).get(postcode) if postcode else None
    if origin is None:
        return [(item, None) for item in listings.order_by("-created_at", "-id")[:200]]
    nearby = PostcodeLocation.objects.near(origin[0], origin[1], km)
    where = {row.postcode: (row.latitude, row.longitude) for row in nearby}
    found = []
    for item in listings.near_postcodes(list(where)):
        distance = _km(origin, where.get(item.account.postcode))
        if distance is not None and distance <= km:
            found.append((item, distance))
    found.sort(key=lambda pair: (pair[1], -pair[0].pk))
    return found[:200]

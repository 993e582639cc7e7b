"""Who acts for an account, the banks, joining and membership, profiles and listings."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from keepwell.audit import services as audit
from keepwell.audit.models import Action, Purpose
from keepwell.people.models import Consent, Person, Strength
from keepwell.timebank import messages
from keepwell.timebank.models import Account, Listing, TimeBank
from keepwell.timebank.services.common import LedgerError


def acts_for(user, account: Account | None) -> bool:
    """Whether ``user`` speaks for this account: it is theirs, or their organisation's."""
    from keepwell.accounts.models import Role

    if account is None or not getattr(user, "is_authenticated", False):
        return False
    if account.kind == Account.Kind.PERSON:
        return account.person.user_id == user.pk
    if account.kind == Account.Kind.ORGANISATION:
        return account.organisation_id in user.organisation_ids(
            Role.COORDINATOR, Role.NHS_CONNECTOR
        )
    return False


def is_broker(user, bank: TimeBank) -> bool:
    from keepwell.accounts.models import Role

    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_platform_admin:
        return True
    if bank.organisation_id and bank.organisation_id in user.organisation_ids(Role.COORDINATOR):
        return True
    return bank.brokers.filter(pk=user.pk).exists()


# --- banks and membership ----------------------------------------------------------------


def chest_of(bank: TimeBank) -> Account:
    return Account.objects.get(bank=bank, kind=Account.Kind.CHEST)


@transaction.atomic
def create_bank(*, name: str, slug: str, by, organisation=None, brokers=(), **fields) -> TimeBank:
    bank = TimeBank.objects.create(name=name, slug=slug, organisation=organisation, **fields)
    if brokers:
        bank.brokers.set(brokers)
    Account.objects.create(
        bank=bank,
        kind=Account.Kind.CHEST,
        status=Account.Status.APPROVED,
        applied_by=audit.acting_user(by),
        decided_by=audit.acting_user(by),
        decided_at=timezone.now(),
    )
    return bank


SETTINGS = ("min_balance", "max_balance", "chest_min_balance", "limit_policy", "backdate_days")


@transaction.atomic
def update_settings(bank: TimeBank, *, by, **fields) -> TimeBank:
    """Change a bank's rules (its balance limits, what happens at a limit, how far back an
    exchange may be dated). They apply to exchanges recorded from now on."""
    unknown = set(fields) - set(SETTINGS)
    if unknown:
        raise ValueError(f"Not a time bank setting: {', '.join(sorted(unknown))}")
    locked = TimeBank.objects.select_for_update().get(pk=bank.pk)
    for name, value in fields.items():
        setattr(locked, name, value)
    # The model's own checks (limits on the right side of zero) before the database's.
    locked.full_clean(validate_unique=False)
    locked.save(update_fields=list(fields))
    for name in fields:
        setattr(bank, name, getattr(locked, name))
    return bank


def _audit(by, action: str, obj, summary: str, via: str = "web", *, changes=None) -> None:
    """One audit row for a person's time bank record: ``obj`` is their account, or an
    invitation to them; nothing for an organisation's account or the chest (no one's)."""
    if obj.person_id:
        audit.record(
            by,
            action,
            obj,
            person_id=obj.person_id,
            purpose=Purpose.TIMEBANK,
            summary=summary,
            changes=changes,
            via=via,
        )


@transaction.atomic
def apply_to_join(
    bank: TimeBank,
    *,
    by,
    person: Person | None = None,
    organisation=None,
    postcode: str = "",
    about: str = "",
    via: str = "web",
) -> Account:
    """Ask to join. A broker approves (or declines); asking twice returns the same account."""
    if (person is None) == (organisation is None):
        raise LedgerError("Choose a person or an organisation to join")
    owner = {"person": person} if person else {"organisation": organisation}
    account = Account.objects.filter(bank=bank, **owner).first()
    if account is not None:
        if account.status == Account.Status.DECLINED:
            account.status = Account.Status.PENDING
            account.applied_at = timezone.now()
            account.applied_by = by
            account.save(update_fields=["status", "applied_at", "applied_by"])
            _audit(by, Action.UPDATE, account, f"Asked again to join {bank}", via)
        return account
    account = Account.objects.create(
        bank=bank,
        kind=Account.Kind.PERSON if person else Account.Kind.ORGANISATION,
        status=Account.Status.PENDING,
        applied_by=by,
        postcode=postcode or (person.postcode if person else ""),
        about=about,
        **owner,
    )
    _audit(by, Action.CREATE, account, f"Asked to join {bank}", via)
    return account


@transaction.atomic
def decide_membership(
    account: Account, *, by, approve: bool, note: str = "", via: str = "web"
) -> Account:
    """A broker approves or declines; who decided, when and why is kept on the account."""
    account = (
        Account.objects.select_for_update(of=("self",)).select_related("person").get(pk=account.pk)
    )
    if account.kind == Account.Kind.CHEST:
        raise LedgerError("The community chest is not a member")
    wanted = Account.Status.APPROVED if approve else Account.Status.DECLINED
    if account.status == wanted:
        return account
    if account.status == Account.Status.APPROVED and not approve:
        raise LedgerError("This member is already approved")
    account.status = wanted
    account.decided_at = timezone.now()
    account.decided_by = by
    account.decision_note = note
    account.save(update_fields=["status", "decided_at", "decided_by", "decision_note"])
    verb = "Approved" if approve else "Declined"
    _audit(by, Action.UPDATE, account, f"{verb} membership of {account.bank}", via)
    messages.tell_membership_decided(account, by=by)
    return account


@transaction.atomic
def add_member(
    bank: TimeBank, *, by, consent_how: str = "", via: str = "web", **joining
) -> Account:
    """A broker adds a member (often one without a computer) and approves them at once.

    ``joining`` is what :func:`apply_to_join` takes (``person`` or ``organisation``,
    ``postcode``, ``about``); ``consent_how`` records the person's consent to the time bank.
    """
    account = apply_to_join(bank, by=by, via=via, **joining)
    person = joining.get("person")
    if person is not None and consent_how:
        from keepwell.people.services import has_consent, record_consent

        if not has_consent(person, Consent.Purpose.TIMEBANK):
            record_consent(
                person,
                by=by,
                purpose=Consent.Purpose.TIMEBANK,
                lawful_basis=Consent.LawfulBasis.CONSENT,
                how=consent_how,
                notes=f"Joining {bank}",
            )
    return decide_membership(account, by=by, approve=True, via=via)


@transaction.atomic
def update_profile(
    account: Account, *, by, postcode: str, about: str, earn_help_hours: bool, via: str = "web"
) -> Account:
    account = Account.objects.select_for_update().get(pk=account.pk)
    if earn_help_hours and account.kind != Account.Kind.PERSON:
        raise LedgerError("Only a person's account can earn hours for help tasks")
    if earn_help_hours:
        # One account per person earns them, so a task is credited in one place.
        Account.objects.filter(person_id=account.person_id, earn_help_hours=True).exclude(
            pk=account.pk
        ).update(earn_help_hours=False)
    before = {"postcode": account.postcode, "about": account.about, "help": account.earn_help_hours}
    account.postcode, account.about, account.earn_help_hours = postcode, about, earn_help_hours
    account.save(update_fields=["postcode", "about", "earn_help_hours"])
    after = {"postcode": postcode, "about": about, "help": earn_help_hours}
    changes = audit.diff(before, after)
    if changes:
        summary = "Changed time bank profile: " + ", ".join(changes)
        _audit(by, Action.UPDATE, account, summary, via, changes=changes)
    return account


@transaction.atomic
def add_listing(
    account: Account,
    *,
    by,
    kind: str,
    category: str,
    title: str,
    description: str = "",
    strength: Strength | None = None,
    via: str = "web",
) -> Listing:
    if account.kind == Account.Kind.CHEST:
        raise LedgerError("The community chest cannot list offers or needs")
    listing = Listing.objects.create(
        account=account,
        kind=kind,
        category=category,
        title=title,
        description=description,
        strength=strength,
        created_by=by,
    )
    _audit(by, Action.CREATE, account, f"Listed {listing}", via)
    return listing


@transaction.atomic
def withdraw_listing(listing: Listing, *, by, via: str = "web") -> Listing:
    if listing.withdrawn_at is None:
        listing.withdrawn_at = timezone.now()
        listing.save(update_fields=["withdrawn_at"])
        _audit(by, Action.UPDATE, listing.account, f"Withdrew {listing}", via)
    return listing

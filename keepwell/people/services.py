"""People use cases. Each runs in one transaction and writes the audit log."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.forms.models import model_to_dict
from django.utils import timezone

from keepwell.audit import services as audit
from keepwell.audit.models import Action, Purpose
from keepwell.audit.wording import describe
from keepwell.core.phone import normalise_or_keep
from keepwell.people import merging
from keepwell.people.models import Consent, Household, HouseholdMember, Person, Strength
from keepwell.people.validators import format_nhs_number, normalise_nhs_number
from keepwell.places.postcodes import Postcode
from keepwell.places.services import area_for_postcode

_AUDITED_FIELDS = [
    "given_name",
    "family_name",
    "known_as",
    "nhs_number",
    "date_of_birth",
    "phone",
    "mobile",
    "email",
    "address_line_1",
    "address_line_2",
    "town",
    "postcode",
    "no_digital",
    "preferred_channel",
    "needs_interpreter",
    "accessibility_needs",
    "area",
    "gp_practice",
]


def _snapshot(person: Person) -> dict:
    data = model_to_dict(person, fields=_AUDITED_FIELDS)
    if person.pk:
        data["languages"] = ",".join(sorted(person.languages.values_list("code", flat=True)))
    return data


def view_person(person: Person, *, by, purpose: str = Purpose.DIRECT_CARE, via: str = "web"):
    """Record that ``by`` opened this person's record."""
    audit.record(by, Action.READ, person, purpose=purpose, via=via, summary="Opened the record")


def open_record(person: Person, *, by) -> None:
    """Record that ``by`` opened this person's page: their own record is subject access,
    anyone else's direct care."""
    own = person.user_id == by.pk
    view_person(person, by=by, purpose=Purpose.SUBJECT_ACCESS if own else Purpose.DIRECT_CARE)


def audit_page(person: Person, page_number, *, by, per_page: int = 50):
    """One page of who has seen or changed this record, and each row in words for ``by``
    (the person, or information governance); reading the log is audited too."""
    own = person.user_id == by.pk
    page = Paginator(audit.log_for_person(person, by=by), per_page).get_page(page_number)
    whose = "your" if own else f"{person.full_name}'s"
    return page, [describe(event, viewer=by, whose=whose) for event in page.object_list]


_LISTED_FIELDS = ("id", "given_name", "family_name", "postcode", "date_of_birth", "area__name")


def _people_found(query: str, *, by):
    return (
        Person.objects.visible_to(by)
        .search(query)
        .select_related("area")
        .only(*_LISTED_FIELDS)
        .order_by("family_name", "given_name", "id")
    )


def _record_listed(people, *, by, query: str, via: str) -> None:
    # Names and postcodes of several people are personal data too: one audit row each,
    # whichever way they were listed.
    audit.record_many(
        by,
        Action.READ,
        people,
        purpose=Purpose.DIRECT_CARE,
        summary=f"Listed in a search for {query!r}" if query else "Listed",
        via=via,
    )


def people_page(query: str, page_number, *, by, per_page: int = 25):
    """One page of the people ``by`` may see, matching ``query``; each one shown is audited."""
    page = Paginator(_people_found(query, by=by), per_page).get_page(page_number)
    _record_listed(page.object_list, by=by, query=query, via="web")
    return page


def find_people(query: str, *, by, limit: int, via: str = "api") -> list[Person]:
    """Up to ``limit`` people ``by`` may see, matching ``query``; each one returned is audited."""
    people = list(_people_found(query, by=by)[:limit])
    _record_listed(people, by=by, query=query, via=via)
    return people


class DuplicateNhsNumber(Exception):
    """Someone keepwell holds already has this NHS number: the caller shows it, or finds
    that record, rather than making a second person."""

    def __init__(self, existing: Person):
        self.existing = existing
        self.nhs_number = format_nhs_number(existing.nhs_number)
        super().__init__(f"Person {existing.pk} already has NHS number {self.nhs_number}")


def _normalise(person: Person) -> None:
    if person.postcode:
        person.postcode = Postcode(person.postcode).value
        if person.area_id is None:
            person.area = area_for_postcode(person.postcode)
    # Forms hand over E.164 already; imports and the API may not. What is not a number is
    # kept as it came, never dropped.
    person.phone = normalise_or_keep(person.phone or "")
    person.mobile = normalise_or_keep(person.mobile or "")
    person.nhs_number = normalise_nhs_number(person.nhs_number or "")


def _holder_of(nhs_number: str, *, other_than: int | None = None) -> Person | None:
    if not nhs_number:
        return None
    found = Person.objects.current().filter(
        nhs_number=nhs_number, possible_duplicate_of__isnull=True
    )
    if other_than is not None:
        found = found.exclude(pk=other_than)
    return found.order_by("pk").first()


def _save_once_per_nhs_number(person: Person, *, possible_duplicate: bool) -> None:
    """Save, refusing (DuplicateNhsNumber) a second person with an NHS number keepwell
    holds; with ``possible_duplicate`` the second is kept, flagged for an administrator to
    merge. The unique constraint catches two saves racing."""
    holder = _holder_of(person.nhs_number, other_than=person.pk)
    if holder is not None and not possible_duplicate:
        raise DuplicateNhsNumber(holder)
    person.possible_duplicate_of = holder  # None once the number is no longer shared
    try:
        with transaction.atomic():
            person.save()
    except IntegrityError:
        holder = _holder_of(person.nhs_number, other_than=person.pk)
        if holder is None:
            raise
        raise DuplicateNhsNumber(holder) from None


@transaction.atomic
def create_person(
    *,
    by,
    languages=(),
    organisations=(),
    purpose: str = Purpose.ADMINISTRATION,
    via: str = "web",
    possible_duplicate: bool = False,
    **fields,
) -> Person:
    """A new person. A second person with an NHS number keepwell already holds raises
    DuplicateNhsNumber, or with ``possible_duplicate`` is kept flagged for merging."""
    person = Person(**fields)
    _normalise(person)
    _save_once_per_nhs_number(person, possible_duplicate=possible_duplicate)
    if languages:
        person.languages.set(languages)
    if organisations:
        person.organisations.set(organisations)
    audit.record(
        by,
        Action.CREATE,
        person,
        purpose=purpose,
        via=via,
        summary="Created the record"
        + (", a possible duplicate (same NHS number)" if person.possible_duplicate_of else ""),
        changes=audit.diff({}, _snapshot(person)),
    )
    return person


@transaction.atomic
def update_person(
    person: Person,
    *,
    by,
    languages=None,
    purpose: str = Purpose.ADMINISTRATION,
    via: str = "web",
    **fields,
) -> Person:
    before = _snapshot(Person.objects.get(pk=person.pk))
    postcode_changed = "postcode" in fields and fields["postcode"] != person.postcode
    for name, value in fields.items():
        setattr(person, name, value)
    if postcode_changed and "area" not in fields:
        person.area = None
    _normalise(person)
    flagged = person.possible_duplicate_of_id is not None
    _save_once_per_nhs_number(person, possible_duplicate=flagged)
    if languages is not None:
        person.languages.set(languages)
    changes = audit.diff(before, _snapshot(person))
    if changes:
        audit.record(
            by,
            Action.UPDATE,
            person,
            purpose=purpose,
            via=via,
            summary="Changed " + ", ".join(changes),
            changes=changes,
        )
    return person


def hold_record(person: Person, organisation) -> bool:
    """The organisation now holds this person's record, so its coordinators may open it.
    Returns whether it was added (False when it held the record already)."""
    if person.organisations.filter(pk=organisation.pk).exists():
        return False
    person.organisations.add(organisation)
    return True


@transaction.atomic
def record_consent(
    person: Person, *, by, purpose: str, lawful_basis: str, how: str, notes: str = "", given_at=None
) -> Consent:
    consent = Consent.objects.create(
        person=person,
        purpose=purpose,
        lawful_basis=lawful_basis,
        how=how,
        notes=notes,
        given_at=given_at or timezone.now(),
        recorded_by=by if by.is_authenticated else None,
    )
    audit.record(
        by,
        Action.CREATE,
        consent,
        person_id=person.pk,
        purpose=Purpose.ADMINISTRATION,
        summary=f"Recorded consent: {consent.get_purpose_display()}",
    )
    return consent


@transaction.atomic
def withdraw_consent(consent: Consent, *, by) -> Consent:
    consent = Consent.objects.select_for_update().get(pk=consent.pk)
    if consent.withdrawn_at is None:
        consent.withdrawn_at = timezone.now()
        consent.withdrawn_recorded_by = by
        consent.save(update_fields=["withdrawn_at", "withdrawn_recorded_by"])
        audit.record(
            by,
            Action.UPDATE,
            consent,
            person_id=consent.person_id,
            purpose=Purpose.ADMINISTRATION,
            summary=f"Consent withdrawn: {consent.get_purpose_display()}",
        )
    return consent


def has_consent(person: Person, purpose: str) -> bool:
    return person.consents.filter(purpose=purpose, withdrawn_at__isnull=True).exists()


@transaction.atomic
def record_strengths(
    person: Person, strengths: Iterable[tuple[str, str]], *, by, source: str = ""
) -> list[Strength]:
    """Record what someone could give (skills, time, knowledge), ready for the time bank.

    ``strengths`` is (kind, description) pairs; blank descriptions are skipped. ``source``
    says where they were asked: "referral:12", "help:34".
    """
    made = []
    for kind, description in strengths:
        description = description.strip()
        if not description:
            continue
        if kind not in Strength.Kind.values:
            raise ValueError(f"unknown kind of strength {kind!r}")
        strength = Strength.objects.create(
            person=person,
            kind=kind,
            description=description[:300],
            recorded_by=audit.acting_user(by),
            source=source[:50],
        )
        audit.record(
            by,
            Action.CREATE,
            strength,
            person_id=person.pk,
            purpose=Purpose.TIMEBANK,
            summary=f"Recorded a strength: {strength.get_kind_display().lower()}",
        )
        made.append(strength)
    return made


@transaction.atomic
def add_to_household(
    person: Person,
    *,
    by,
    household: Household | None = None,
    household_name: str = "",
    relationship: str = "lives_with",
) -> Household:
    if household is None:
        household = Household.objects.create(
            name=household_name or f"{person.family_name or person.given_name} household",
            address_line_1=person.address_line_1,
            postcode=person.postcode,
        )
    link, created = HouseholdMember.objects.get_or_create(
        household=household, person=person, defaults={"relationship": relationship}
    )
    if not created and link.relationship != relationship:
        link.relationship = relationship
        link.save(update_fields=["relationship"])
    audit.record(
        by,
        Action.UPDATE,
        person,
        purpose=Purpose.ADMINISTRATION,
        summary=f"Household: {link.get_relationship_display()} {household.name}",
    )
    return household


# --- possible duplicates and merging -------------------------------------------------------


class MergeRefused(Exception):
    """The two records cannot be merged (yet); the message says why, in plain words."""


# Filled from the duplicate where the kept record has nothing; what the kept record holds
# always wins.
_FILLED_FROM_DUPLICATE = [
    "family_name",
    "known_as",
    "date_of_birth",
    "phone",
    "mobile",
    "email",
    "address_line_1",
    "address_line_2",
    "town",
    "postcode",
    "accessibility_needs",
    "area",
    "gp_practice",
]


def possible_duplicates(*, by) -> list[Person]:
    """Records flagged as a possible duplicate whose pair ``by`` may see both sides of
    (so may merge), each with ``possible_duplicate_of`` loaded; each one shown is audited."""
    found = list(Person.objects.duplicates_to_merge_by(by))
    shown = found + list(
        {person.possible_duplicate_of_id: person.possible_duplicate_of for person in found}.values()
    )
    audit.record_many(
        by,
        Action.READ,
        shown,
        purpose=Purpose.ADMINISTRATION,
        summary="Listed among possible duplicate records",
    )
    return found


def view_for_merge(keep: Person, duplicate: Person, *, by) -> list[dict]:
    """Both records side by side, with what each room holds for each; both reads audited."""
    for person in (keep, duplicate):
        audit.record(
            by,
            Action.READ,
            person,
            purpose=Purpose.ADMINISTRATION,
            summary="Compared with a possible duplicate before merging",
        )
    rooms = [
        {
            "room": handler.room,
            "keep": handler.held_by(keep),
            "duplicate": handler.held_by(duplicate),
        }
        for handler in merging.handlers()
    ]
    own = [
        ("Consent records", "consents", "consent record"),
        ("Strengths", "strengths", "strength"),
        ("Households", "household_links", "household"),
    ]
    for label, relation, one in own:
        rooms.insert(
            0,
            {
                "room": label,
                "keep": merging.counted(getattr(keep, relation).count(), one),
                "duplicate": merging.counted(getattr(duplicate, relation).count(), one),
            },
        )
    return rooms


def merge_refusal(keep: Person, duplicate: Person) -> str:
    """Why these two cannot be merged now, in words; "" when they can."""
    if keep.pk == duplicate.pk:
        return "A record cannot be merged into itself"
    if keep.merged_into_id or duplicate.merged_into_id:
        return "One of these records has already been merged into another"
    if keep.nhs_number and duplicate.nhs_number and keep.nhs_number != duplicate.nhs_number:
        return "The two records have different NHS numbers, so they are not the same person"
    if not keep.nhs_number and duplicate.nhs_number:
        holder = _holder_of(duplicate.nhs_number, other_than=duplicate.pk)
        if holder is not None and holder.pk != keep.pk:
            return (
                f"{holder.full_name}'s record already has this NHS number: merge the "
                "duplicate into that record instead"
            )
    if keep.user_id and duplicate.user_id:
        return (
            "Both records belong to someone who signs in to keepwell. Ask an administrator "
            "to close one of the two accounts before merging"
        )
    for handler in merging.handlers():
        reason = handler.refuses(keep, duplicate)
        if reason:
            return reason
    return ""


def _move_own_rows(keep: Person, duplicate: Person) -> str:
    consents = Consent.objects.filter(person=duplicate).update(person=keep)
    strengths = Strength.objects.filter(person=duplicate).update(person=keep)
    # One link per household and person: where both were in a household, the kept record's
    # link (and its relationship) stands and the duplicate's goes.
    both = HouseholdMember.objects.filter(person=keep).values("household_id")
    HouseholdMember.objects.filter(person=duplicate, household_id__in=both).delete()
    households = HouseholdMember.objects.filter(person=duplicate).update(person=keep)
    # Moved, not copied: nothing that looks people up by organisation finds the merged one.
    keep.organisations.add(*duplicate.organisations.all())
    duplicate.organisations.clear()
    keep.languages.add(*duplicate.languages.all())
    Person.objects.filter(possible_duplicate_of=duplicate).exclude(pk=keep.pk).update(
        possible_duplicate_of=keep
    )
    return merging.joined(
        merging.counted(consents, "consent record"),
        merging.counted(strengths, "strength"),
        merging.counted(households, "household"),
    )


def merge_people(keep: Person, duplicate: Person, *, by) -> Person:
    """Merge ``duplicate`` into ``keep``: one transaction, or nothing at all.

    The kept record's details stand, its blanks filled from the duplicate; the duplicate's
    consents, strengths, households, organisations and languages join it, and each room
    moves its own rows (``person_merge`` in its AppConfig). The duplicate is kept, marked
    merged and hidden from lists, never deleted: the audit log still points at it. Raises
    MergeRefused, with the reason, before anything changes.
    """
    with transaction.atomic(durable=True):
        locked = {
            p.pk: p
            for p in Person.objects.select_for_update().filter(pk__in=[keep.pk, duplicate.pk])
        }
        keep, duplicate = locked[keep.pk], locked[duplicate.pk]
        reason = merge_refusal(keep, duplicate)
        if reason:
            raise MergeRefused(reason)
        before = _snapshot(keep)
        for name in _FILLED_FROM_DUPLICATE:
            if not getattr(keep, name) and getattr(duplicate, name):
                setattr(keep, name, getattr(duplicate, name))
        if not keep.nhs_number:
            keep.nhs_number = duplicate.nhs_number
        keep.no_digital = keep.no_digital or duplicate.no_digital
        keep.needs_interpreter = keep.needs_interpreter or duplicate.needs_interpreter
        # The duplicate leaves the NHS number's "one record" rule before the kept record
        # takes it over.
        duplicate.merged_into, duplicate.merged_at = keep, timezone.now()
        # Whoever signs in as the duplicate signs in as the kept record from now on.
        user_id, duplicate.user_id = duplicate.user_id, None
        duplicate.save(update_fields=["merged_into", "merged_at", "user"])
        if keep.possible_duplicate_of_id == duplicate.pk:
            keep.possible_duplicate_of = None
        if keep.user_id is None:
            keep.user_id = user_id
        keep.save()
        moved = [_move_own_rows(keep, duplicate)]
        for handler in merging.handlers():
            moved.append(handler.moved(keep, duplicate, by=by))
        said = merging.joined(*moved) or "nothing else"
        audit.record(
            by,
            Action.UPDATE,
            keep,
            purpose=Purpose.ADMINISTRATION,
            summary=f"Merged record {duplicate.pk} ({duplicate.full_name}) into this one: {said}",
            changes=audit.diff(before, _snapshot(keep)),
        )
        audit.record(
            by,
            Action.UPDATE,
            duplicate,
            purpose=Purpose.ADMINISTRATION,
            summary=f"Merged into record {keep.pk} ({keep.full_name}): {said}",
            changes={"merged_into": [None, str(keep.pk)]},
        )
    return keep

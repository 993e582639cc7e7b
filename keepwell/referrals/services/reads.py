"""Reading referrals: how to reach the person the way they chose, and every read audited."""

from __future__ import annotations

from dataclasses import dataclass

from keepwell.audit import services as audit
from keepwell.audit.models import Action, Purpose
from keepwell.core.phone import format_phone
from keepwell.people.models import ContactChannel, Person
from keepwell.referrals.models import Referral


@dataclass(frozen=True)
class HowToContact:
    """What the receiving service needs to reach the person the way they chose."""

    channel: str
    details: tuple[tuple[str, str], ...] = ()  # (what, value): ("Phone", "+441632960001")
    missing: str = ""  # said plainly when the detail the channel needs is not on record


def _address(person: Person) -> str:
    lines = [person.address_line_1, person.address_line_2, person.town, person.postcode]
    return "\n".join(line.strip() for line in lines if line and line.strip())


def how_to_contact(referral: Referral) -> HowToContact:
    """The person's contact details for the channel chosen for this referral: a phone call
    needs a phone number, a text message a mobile, an email an address, a letter or a visit
    the postal address. Shown only to those who may see the referral (its page's rule)."""
    person = referral.person
    channel = referral.preferred_channel or person.preferred_channel
    label = ContactChannel(channel).label if channel in ContactChannel.values else channel
    if channel == ContactChannel.PHONE:
        numbers = tuple(
            (what, format_phone(number))
            for what, number in (("Phone", person.phone), ("Mobile", person.mobile))
            if number
        )
        return HowToContact(label, numbers, "" if numbers else "No phone number on their record")
    if channel == ContactChannel.SMS:
        if person.mobile:
            return HowToContact(label, (("Mobile", format_phone(person.mobile)),))
        return HowToContact(label, (), "No mobile number on their record to text")
    if channel == ContactChannel.EMAIL:
        if person.email:
            return HowToContact(label, (("Email", person.email),))
        return HowToContact(label, (), "No email address on their record")
    if channel in (ContactChannel.LETTER, ContactChannel.IN_PERSON):
        address = _address(person)
        if person.address_line_1 and person.postcode:
            return HowToContact(label, (("Address", address),))
        partial = (("Address", address),) if address else ()
        return HowToContact(label, partial, "No full postal address on their record")
    return HowToContact(label)


def view_referral(referral: Referral, *, by, purpose: str = Purpose.REFERRAL, via: str = "web"):
    audit.record(
        by,
        Action.READ,
        referral,
        person_id=referral.person_id,
        purpose=purpose,
        via=via,
        summary="Opened the referral",
    )


def listed(referrals, *, by, box: str) -> None:
    """The referrals a list page shows in its ``box`` (incoming or outgoing): each read
    audited, in one insert."""
    audit.record_many(
        by, "read", referrals, purpose=Purpose.REFERRAL, summary=f"Listed in the {box} referrals"
    )


def people_to_refer(words: str, *, by, limit: int = 10) -> list[Person]:
    """The people whose records ``by`` may open, found by name, phone number or postcode to
    choose whom to refer: each read audited."""
    people = list(
        Person.objects.visible_to(by)
        .search(words)
        .only("id", "given_name", "family_name", "postcode", "date_of_birth")[:limit]
    )
    audit.record_many(
        by, "read", people, purpose=Purpose.REFERRAL, summary="Listed when choosing who to refer"
    )
    return people

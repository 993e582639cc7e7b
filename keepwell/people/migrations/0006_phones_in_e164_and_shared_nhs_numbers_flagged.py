"""Phone numbers already stored become E.164 where they parse; what does not parse stays as
it was typed. A second record with an NHS number another record holds is flagged as a
possible duplicate of the first (the unique constraint in 0007 needs it), never changed."""

import phonenumbers
from django.db import migrations

# Ofcom's drama ranges, which libphonenumber calls unallocated (see keepwell/core/phone.py;
# copied, as a migration imports no app code).
_DRAMA = ("+441632960", "+447700900")


def _e164(raw: str) -> str:
    text = (raw or "").strip()
    if not text or len(text) > 30:
        return raw
    try:
        number = phonenumbers.parse(text, "GB")
    except phonenumbers.NumberParseException:
        return raw
    if number.extension:
        return raw
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    drama = len(e164) == 13 and e164.startswith(_DRAMA)
    return e164 if drama or phonenumbers.is_valid_number(number) else raw


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def forwards(apps, schema_editor):
    Person = apps.get_model("people", "Person")
    changed = []
    for person in Person.objects.only("pk", "phone", "mobile").iterator(chunk_size=2000):
        phone, mobile = _e164(person.phone), _e164(person.mobile)
        if (phone, mobile) != (person.phone, person.mobile):
            person.phone, person.mobile = phone, mobile
            person.phone_digits, person.mobile_digits = _digits(phone), _digits(mobile)
            changed.append(person)
    Person.objects.bulk_update(
        changed, ["phone", "mobile", "phone_digits", "mobile_digits"], batch_size=1000
    )

    holders: dict[str, int] = {}
    flagged = []
    shared = Person.objects.exclude(nhs_number="").only("pk", "nhs_number").order_by("pk")
    for person in shared.iterator(chunk_size=2000):
        if person.nhs_number in holders:
            person.possible_duplicate_of_id = holders[person.nhs_number]
            flagged.append(person)
        else:
            holders[person.nhs_number] = person.pk
    Person.objects.bulk_update(flagged, ["possible_duplicate_of"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0005_person_possible_duplicate_of_and_date_of_birth_rule"),
    ]

    # Backwards, numbers stay in E.164 (the same numbers, which the older code shows as
    # stored) and the flags go with the column.
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]

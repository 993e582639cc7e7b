"""Phone numbers already stored (organisations and services) become E.164
where they parse, as keepwell.core.phone now stores them; what does not parse stays as it
was typed, never lost."""

import phonenumbers
from django.db import migrations

# Ofcom's drama ranges, which libphonenumber calls unallocated (see keepwell/core/phone.py;
# copied, as a migration imports no app code).
_DRAMA = ("+441632960", "+447700900")
_FIELDS = {"Organisation": ["phone"], "Service": ["phone"]}


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


def forwards(apps, schema_editor):
    for model_name, fields in _FIELDS.items():
        model = apps.get_model("directory", model_name)
        changed = []
        for row in model.objects.only("pk", *fields).iterator(chunk_size=2000):
            new = {f: _e164(getattr(row, f)) for f in fields}
            if any(new[f] != getattr(row, f) for f in fields):
                for f, value in new.items():
                    setattr(row, f, value)
                changed.append(row)
        model.objects.bulk_update(changed, fields, batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0009_sqlite_covering_indexes_that_the_planner_uses"),
    ]

    # Backwards, numbers stay in E.164: the same numbers, which older code shows as stored.
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]

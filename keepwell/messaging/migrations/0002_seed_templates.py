"""The words keepwell sends, as data: filled in by keepwell/messaging/seed_templates.py.

Approved rows need a named reviewer (a database constraint). The seeded words were
reviewed before release, not by anyone with an account here, so they are signed by a
system user, ``keepwell-seed``: inactive, with no usable password, it can never sign in.
"""

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import migrations
from django.utils import timezone

from keepwell.messaging.seed_templates import SEED_DISPLAY_NAME, SEED_USERNAME, rows


def seed(apps, schema_editor):
    Template = apps.get_model("messaging", "Template")
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    reviewer, _ = User.objects.get_or_create(
        username=SEED_USERNAME,
        defaults={
            "display_name": SEED_DISPLAY_NAME,
            "is_active": False,
            "password": make_password(None),
        },
    )
    now = timezone.now()
    existing = set(Template.objects.values_list("key", "channel", "language"))
    Template.objects.bulk_create(
        [
            Template(
                key=row["key"],
                channel=row["channel"],
                language=row["language"],
                version=1,
                description=row["description"],
                subject=row["subject"],
                body=row["body"],
                state="approved" if row["approved"] else "draft",
                translated_by="keepwell" if row["approved"] else "",
                translated_at=now if row["approved"] else None,
                reviewed_by=reviewer if row["approved"] else None,
                reviewed_at=now if row["approved"] else None,
                created_at=now,
            )
            for row in rows()
            if (row["key"], row["channel"], row["language"]) not in existing
        ]
    )


def unseed(apps, schema_editor):
    """Remove the seeded versions that are still as seeded; later versions are people's work."""
    Template = apps.get_model("messaging", "Template")
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    for row in rows():
        seeded = Template.objects.filter(
            key=row["key"], channel=row["channel"], language=row["language"], version=1
        )
        if row["approved"]:
            seeded.filter(reviewed_by__username=SEED_USERNAME).delete()
        else:
            seeded.filter(state="draft").delete()
    if not Template.objects.filter(reviewed_by__username=SEED_USERNAME).exists():
        User.objects.filter(username=SEED_USERNAME, last_login__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("messaging", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]

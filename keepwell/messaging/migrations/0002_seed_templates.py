"""The words keepwell sends, as data: filled in by keepwell/messaging/seed_templates.py."""

from django.db import migrations


def noop(apps, schema_editor):
    pass


class Migration(migrations.Migration):
    dependencies = [("messaging", "0001_initial")]

    operations = [migrations.RunPython(noop, migrations.RunPython.noop)]

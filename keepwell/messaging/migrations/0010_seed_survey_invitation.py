"""Words for the "what matters to you" survey invitation. The seed adds only rows that are
missing, so a database made after the kind existed is left as it is."""

from importlib import import_module

from django.db import migrations

_seed = import_module("keepwell.messaging.migrations.0002_seed_templates")


class Migration(migrations.Migration):
    dependencies = [("messaging", "0009_seed_new_kinds")]

    operations = [migrations.RunPython(_seed.seed, migrations.RunPython.noop)]

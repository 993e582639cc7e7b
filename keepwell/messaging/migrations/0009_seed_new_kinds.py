"""Words for the kinds added since the first seed: grant reports, expenses, space bookings,
community voice and time bank membership. The seed adds only rows that are missing, so a
database made after these kinds existed is left as it is."""

from importlib import import_module

from django.db import migrations

_seed = import_module("keepwell.messaging.migrations.0002_seed_templates")


class Migration(migrations.Migration):
    dependencies = [("messaging", "0008_fhir_channel")]

    operations = [migrations.RunPython(_seed.seed, migrations.RunPython.noop)]

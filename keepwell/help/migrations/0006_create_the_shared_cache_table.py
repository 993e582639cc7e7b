"""Create the table of Django's database cache (``CACHES`` in settings), so every web process
shares the dashboard's volunteer figures and ``migrate`` is the only step a new install, the
demo or the tests need. The table is Django's own (``createcachetable`` builds it); it belongs
to no model, so this migration names it."""

from django.core.management.commands.createcachetable import Command as CreateCacheTable
from django.db import migrations

# The LOCATION of the default cache in keepwell/settings.py.
TABLE = "keepwell_cache"


def create_cache_table(apps, schema_editor):
    command = CreateCacheTable()
    command.verbosity = 0
    # Skips a table that is already there (createcachetable run by hand, or the test runner).
    command.create_table(schema_editor.connection.alias, TABLE, dry_run=False)


def drop_cache_table(apps, schema_editor):
    schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(TABLE)}")


class Migration(migrations.Migration):
    dependencies = [
        ("help", "0005_dashboard_counts_waiting_by_need"),
    ]

    operations = [
        migrations.RunPython(create_cache_table, drop_cache_table),
    ]

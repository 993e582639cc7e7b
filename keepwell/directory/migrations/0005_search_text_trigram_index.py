"""On PostgreSQL, a trigram index makes ``search_text LIKE '%word%'`` an index lookup.

SQLite has no such index; there the search narrows by place first (see services.search).
"""

from django.db import migrations


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS service_search_trgm "
        "ON directory_service USING gin (search_text gin_trgm_ops)"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS service_search_trgm")


class Migration(migrations.Migration):
    dependencies = [("directory", "0004_seed_table_two_taxonomy")]
    operations = [migrations.RunPython(create, drop)]

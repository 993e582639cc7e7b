"""On SQLite, two covering indexes a search near a postcode can actually use.

0008's index led with (category, published): Django writes the published condition as the
bare column (``WHERE "published"``), which SQLite cannot match to an index column, so the
position range after it went unused and the planner preferred the plain position index
and a visit to the table for every venue in the box. These lead with the equality it can
use (category, when the search has one) and then the position range; published,
confidential and the words are read from the index. On 200,000 services the search's
p95 went from 26 to 10 ms. PostgreSQL keeps its own indexes (see 0008).
"""

from django.db import migrations

INDEXES = {
    "sal_near_category": (
        "category, latitude, longitude, published, confidential, search_text, service_id, "
        "location_id"
    ),
    "sal_near": (
        "latitude, longitude, published, confidential, category, search_text, service_id, "
        "location_id"
    ),
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    schema_editor.execute("DROP INDEX IF EXISTS sal_search_covering")
    for name, columns in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON directory_serviceatlocation ({columns})"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS sal_search_covering ON directory_serviceatlocation "
        "(category, published, latitude, longitude, confidential, search_text, service_id, "
        "location_id)"
    )


class Migration(migrations.Migration):
    dependencies = [("directory", "0008_sqlite_covering_search_index")]
    operations = [migrations.RunPython(create, drop)]

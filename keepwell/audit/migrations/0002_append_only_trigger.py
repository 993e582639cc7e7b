from django.db import migrations

# On PostgreSQL the database itself refuses to change or delete audit rows, so even raw
# SQL or a mistaken QuerySet.update() cannot rewrite history. TRUNCATE stays possible for
# the database owner (retention jobs, and the test runner's flush). SQLite, the laptop
# database, refuses updates in a trigger; deletes are refused by the model and QuerySet
# only, because SQLite has no TRUNCATE and the test runner empties tables with DELETE.
PG_FORWARD = """
CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'audit rows are append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_auditevent_append_only
  BEFORE UPDATE OR DELETE ON audit_auditevent
  FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
"""
PG_REVERSE = """
DROP TRIGGER IF EXISTS audit_auditevent_append_only ON audit_auditevent;
DROP FUNCTION IF EXISTS audit_refuse_change();
"""
SQLITE_FORWARD = [
    "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit_auditevent "
    "BEGIN SELECT RAISE(ABORT, 'audit rows are append-only'); END;",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS audit_no_update;",
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_FORWARD)
    elif schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_FORWARD:
            schema_editor.execute(statement)


def reverse(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_REVERSE)
    elif schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_REVERSE:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [migrations.RunPython(forward, reverse)]

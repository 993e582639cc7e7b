from django.db import migrations, models

# person_id had an index of its own and a second, (person_id, at), that leads with it:
# every audit row wrote both. The first goes. Only the index is dropped (SQLite would
# otherwise rebuild the table, and lose the append-only trigger with it).
INDEX = "audit_auditevent_person_id_41e59516"


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only_trigger")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="auditevent",
                    name="person_id",
                    field=models.BigIntegerField(blank=True, null=True),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f"DROP INDEX IF EXISTS {INDEX}",
                    f'CREATE INDEX {INDEX} ON audit_auditevent ("person_id")',
                ),
            ],
        ),
    ]

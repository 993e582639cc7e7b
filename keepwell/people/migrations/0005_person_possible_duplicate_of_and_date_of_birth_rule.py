import django.db.models.deletion
from django.db import migrations, models

import keepwell.people.validators


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0004_person_nhs_number"),
    ]

    operations = [
        migrations.AddField(
            model_name="person",
            name="possible_duplicate_of",
            field=models.ForeignKey(
                blank=True,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="possible_duplicates",
                to="people.person",
            ),
        ),
        migrations.AlterField(
            model_name="person",
            name="date_of_birth",
            field=models.DateField(
                blank=True,
                null=True,
                validators=[keepwell.people.validators.validate_date_of_birth],
            ),
        ),
    ]

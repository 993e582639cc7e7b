from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0006_phones_in_e164_and_shared_nhs_numbers_flagged"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="person",
            constraint=models.UniqueConstraint(
                condition=models.Q(
                    models.Q(("nhs_number", ""), _negated=True),
                    ("possible_duplicate_of__isnull", True),
                ),
                fields=("nhs_number",),
                name="person_nhs_number_once",
                violation_error_message="Someone else already has this NHS number",
            ),
        ),
    ]

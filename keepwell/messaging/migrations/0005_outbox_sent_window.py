"""The outbox counts what went to a provider in the rolling window on every claim: an index
on (provider, sent_at) keeps that a short range scan, however long the outbox grows."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("messaging", "0004_inbox_import_referral_notes")]

    operations = [
        migrations.AddIndex(
            model_name="message",
            index=models.Index(fields=["provider", "sent_at"], name="message_sent_window"),
        )
    ]

"""The inbox now lives in messaging (its 0004 copied every note): InboxItem goes."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0002_referral_referral_inbox_in_recent_and_more"),
        ("messaging", "0004_inbox_import_referral_notes"),
    ]

    operations = [migrations.DeleteModel(name="InboxItem")]

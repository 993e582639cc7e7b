"""Fewer indexes for every exchange to write: the key's unique index without the pattern
index nobody used; no index on who recorded, confirmed or cancelled an exchange (never
searched by); none on a movement's exchange alone (the unique (exchange, account) index
leads with it); and source_ref indexed only where there is one. The minutes' second check
(>= 0, beside > 0) goes too."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('people', '0004_person_nhs_number'),
        ('timebank', '0001_ledger'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name='exchange',
            name='cancelled_by',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AlterField(
            model_name='exchange',
            name='confirmed_by',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AlterField(
            model_name='exchange',
            name='idempotency_key',
            field=models.CharField(max_length=100),
        ),
        migrations.AlterField(
            model_name='exchange',
            name='minutes',
            field=models.IntegerField(help_text='Time moved: the sum of the credits (above 0)'),
        ),
        migrations.AlterField(
            model_name='exchange',
            name='recorded_by',
            field=models.ForeignKey(db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AlterField(
            model_name='exchange',
            name='source_ref',
            field=models.CharField(blank=True, max_length=100),
        ),
        migrations.AlterField(
            model_name='movement',
            name='exchange',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='movements', to='timebank.exchange'),
        ),
        migrations.AddIndex(
            model_name='exchange',
            index=models.Index(condition=models.Q(('source_ref', ''), _negated=True), fields=['source_ref'], name='timebank_exchange_source_ref'),
        ),
        migrations.AddConstraint(
            model_name='exchange',
            constraint=models.UniqueConstraint(fields=('idempotency_key',), name='timebank_exchange_idempotency_key_unique'),
        ),
    ]

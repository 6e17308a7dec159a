"""The sequencer (audit.sequencer): entries wait in UnsealedEntry until sealed into the chain.

Links written before this migration keep sealed_at NULL (they were chained in their writer's
transaction); the column is added without a default so that no existing, append-only link row
is rewritten.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0006_retention_purge'),
        ('auditlog', '0017_add_actor_email'),
    ]

    operations = [
        migrations.CreateModel(
            name='UnsealedEntry',
            fields=[
                ('entry', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, primary_key=True, related_name='unsealed', serialize=False, to=settings.AUDITLOG_LOGENTRY_MODEL, verbose_name='log entry')),
                ('mac', models.CharField(max_length=64, verbose_name='write-time MAC')),
                ('written_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='written at')),
            ],
            options={
                'verbose_name': 'unsealed audit entry',
                'verbose_name_plural': 'unsealed audit entries',
                'ordering': ['entry'],
            },
        ),
        migrations.AddField(
            model_name='chainhead',
            name='anchored_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='chainlink',
            name='sealed_at',
            field=models.DateTimeField(null=True, verbose_name='sealed at'),
        ),
        migrations.AlterField(
            model_name='chainlink',
            name='sealed_at',
            field=models.DateTimeField(default=django.utils.timezone.now, null=True, verbose_name='sealed at'),
        ),
        migrations.AddField(
            model_name='verification',
            name='unsealed',
            field=models.PositiveBigIntegerField(default=0, verbose_name='entries awaiting their seal'),
        ),
    ]

# Per-item minutes; the meeting's one text stays, as its general notes (no data moves).

import casework.crypto
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('mdt', '0003_agenda_item_dropped_because'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name='minutes',
            name='text',
            field=casework.crypto.EncryptedTextField(blank=True, default='', verbose_name='general notes'),
        ),
        migrations.CreateModel(
            name='ItemMinutes',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('revision', models.PositiveIntegerField(db_default=0, default=0, editable=False)),
                ('text', casework.crypto.EncryptedTextField(blank=True, default='', verbose_name='item minutes')),
                ('updated_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('item', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='minutes', to='mdt.agendaitem')),
                ('updated_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'item minutes',
                'verbose_name_plural': 'item minutes',
            },
        ),
    ]

"""The MDT review leaves the casework app for its own (mdt), its tables staying as they are.

State only: mdt/migrations/0001 declared the same models over the same tables (Meta.db_table
keeps casework_meeting and the rest), so here they leave casework's state and no table, column,
index or constraint changes. A power request's panel now points at mdt.Panel (the same table, so
the same foreign key). mdt/migrations/0002 then moves the content types, keeping their ids.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("casework", "0023_consent_data_categories_consent_wording"),
        ("mdt", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.RemoveField(
                    model_name='action',
                    name='created_by',
                ),
                migrations.RemoveField(
                    model_name='action',
                    name='item',
                ),
                migrations.RemoveField(
                    model_name='action',
                    name='owner',
                ),
                migrations.RemoveField(
                    model_name='action',
                    name='task',
                ),
                migrations.RemoveField(
                    model_name='agendaitem',
                    name='added_by',
                ),
                migrations.RemoveField(
                    model_name='agendaitem',
                    name='case',
                ),
                migrations.RemoveField(
                    model_name='agendaitem',
                    name='meeting',
                ),
                migrations.RemoveField(
                    model_name='agendaitem',
                    name='removed_by',
                ),
                migrations.RemoveField(
                    model_name='decision',
                    name='item',
                ),
                migrations.RemoveField(
                    model_name='conflictdeclaration',
                    name='item',
                ),
                migrations.RemoveField(
                    model_name='annotation',
                    name='author',
                ),
                migrations.RemoveField(
                    model_name='annotation',
                    name='minutes',
                ),
                migrations.RemoveField(
                    model_name='attendance',
                    name='meeting',
                ),
                migrations.RemoveField(
                    model_name='attendance',
                    name='member',
                ),
                migrations.RemoveField(
                    model_name='attendance',
                    name='recorded_by',
                ),
                migrations.RemoveField(
                    model_name='conflictdeclaration',
                    name='user',
                ),
                migrations.RemoveField(
                    model_name='decision',
                    name='recorded_by',
                ),
                migrations.RemoveField(
                    model_name='meeting',
                    name='panel',
                ),
                migrations.RemoveField(
                    model_name='meeting',
                    name='published_by',
                ),
                migrations.RemoveField(
                    model_name='minutes',
                    name='meeting',
                ),
                migrations.RemoveField(
                    model_name='minutes',
                    name='finalised_by',
                ),
                migrations.RemoveField(
                    model_name='minutes',
                    name='updated_by',
                ),
                migrations.RemoveField(
                    model_name='panel',
                    name='teams',
                ),
                migrations.RemoveField(
                    model_name='panelmember',
                    name='panel',
                ),
                migrations.AlterField(
                    model_name='powerrequest',
                    name='panel',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, to='mdt.panel'),
                ),
                migrations.RemoveField(
                    model_name='panelmember',
                    name='user',
                ),
                migrations.DeleteModel(
                    name='Action',
                ),
                migrations.DeleteModel(
                    name='AgendaItem',
                ),
                migrations.DeleteModel(
                    name='Annotation',
                ),
                migrations.DeleteModel(
                    name='Attendance',
                ),
                migrations.DeleteModel(
                    name='ConflictDeclaration',
                ),
                migrations.DeleteModel(
                    name='Decision',
                ),
                migrations.DeleteModel(
                    name='Meeting',
                ),
                migrations.DeleteModel(
                    name='Minutes',
                ),
                migrations.DeleteModel(
                    name='Panel',
                ),
                migrations.DeleteModel(
                    name='PanelMember',
                ),
            ],
        ),
    ]

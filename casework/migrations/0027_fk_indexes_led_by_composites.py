"""Foreign keys whose column leads a composite index or constraint lose their own index.

Only the one index each is dropped, by name: AlterField would also drop any partial
unique constraint on the column alone (assessment_one_draft_per_case,
transfer_one_pending_per_case), which Django takes for the field's own index."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# (table, column, the index db_index=True made)
INDEXES = [
    ("casework_assessment", "case_id", "casework_assessment_case_id_977b71aa"),
    ("casework_case", "caseworker_id", "casework_case_caseworker_id_eeefa939"),
    ("casework_case", "person_id", "casework_case_person_id_e782c4ab"),
    ("casework_case", "team_id", "casework_case_team_id_526eebc5"),
    ("casework_casenote", "case_id", "casework_casenote_case_id_4cd88237"),
    ("casework_casetransition", "case_id", "casework_casetransition_case_id_9a243ba6"),
    ("casework_followup", "case_id", "casework_followup_case_id_4d9c9b81"),
    ("casework_notification", "user_id", "casework_notification_user_id_7e9abd83"),
    ("casework_personsearchtoken", "person_id", "casework_personsearchtoken_person_id_5b0d8401"),
    ("casework_serviceplan", "case_id", "casework_serviceplan_case_id_899e54eb"),
    ("casework_task", "case_id", "casework_task_case_id_aea974e4"),
    ("casework_task", "owner_id", "casework_task_owner_id_a9129e00"),
    ("casework_transfer", "case_id", "casework_transfer_case_id_91c72861"),
    ("casework_transfer", "from_team_id", "casework_transfer_from_team_id_2bd72920"),
    ("casework_transfer", "to_team_id", "casework_transfer_to_team_id_54e85d77"),
]


class Migration(migrations.Migration):

    dependencies = [
        ('casework', '0026_factor_service_category'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='assessment',
                    name='case',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='assessments', to='casework.case'),
                ),
                migrations.AlterField(
                    model_name='case',
                    name='caseworker',
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='assigned_cases', to=settings.AUTH_USER_MODEL),
                ),
                migrations.AlterField(
                    model_name='case',
                    name='person',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='cases', to='casework.person'),
                ),
                migrations.AlterField(
                    model_name='case',
                    name='team',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='cases', to='casework.team'),
                ),
                migrations.AlterField(
                    model_name='casenote',
                    name='case',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='notes', to='casework.case'),
                ),
                migrations.AlterField(
                    model_name='casetransition',
                    name='case',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='transitions', to='casework.case'),
                ),
                migrations.AlterField(
                    model_name='followup',
                    name='case',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='follow_ups', to='casework.case'),
                ),
                migrations.AlterField(
                    model_name='notification',
                    name='user',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='notifications', to=settings.AUTH_USER_MODEL),
                ),
                migrations.AlterField(
                    model_name='personsearchtoken',
                    name='person',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='casework.person'),
                ),
                migrations.AlterField(
                    model_name='serviceplan',
                    name='case',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='plans', to='casework.case'),
                ),
                migrations.AlterField(
                    model_name='task',
                    name='case',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='tasks', to='casework.case'),
                ),
                migrations.AlterField(
                    model_name='task',
                    name='owner',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='tasks', to=settings.AUTH_USER_MODEL),
                ),
                migrations.AlterField(
                    model_name='transfer',
                    name='case',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='transfers', to='casework.case'),
                ),
                migrations.AlterField(
                    model_name='transfer',
                    name='from_team',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='transfers_out', to='casework.team'),
                ),
                migrations.AlterField(
                    model_name='transfer',
                    name='to_team',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='transfers_in', to='casework.team'),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{name}"',
                    reverse_sql=f'CREATE INDEX "{name}" ON "{table}" ("{column}")',
                )
                for table, column, name in INDEXES
            ],
        ),
    ]

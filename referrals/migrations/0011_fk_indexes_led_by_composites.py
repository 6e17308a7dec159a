"""Foreign keys whose column leads a composite index or constraint lose their own index.

Only the one index each is dropped, by name: AlterField would also drop any partial
unique constraint on the column alone (assessment_one_draft_per_case,
transfer_one_pending_per_case), which Django takes for the field's own index."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# (table, column, the index db_index=True made)
INDEXES = [
    ("referrals_providerreferral", "case_id", "referrals_providerreferral_case_id_02276067"),
    ("referrals_providerreferral", "organization_id", "referrals_providerreferral_organization_id_83f42df4"),
    ("referrals_providerreferralevent", "case_id", "referrals_providerreferralevent_case_id_d3901e4c"),
    ("referrals_providerreferralevent", "referral_id", "referrals_providerreferralevent_referral_id_1406e0bd"),
    ("referrals_referral", "entered_by_id", "referrals_referral_entered_by_id_3bb31c47"),
    ("referrals_screeningdecision", "case_id", "referrals_screeningdecision_case_id_ff6f8e80"),
    ("referrals_screeningdecision", "referral_id", "referrals_screeningdecision_referral_id_6eda3d44"),
]


class Migration(migrations.Migration):

    dependencies = [
        ('casework', '0027_fk_indexes_led_by_composites'),
        ('providers', '0005_hsds_taxonomy_and_import_report'),
        ('referrals', '0010_referrer_language'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='providerreferral',
                    name='case',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='provider_referrals', to='casework.case'),
                ),
                migrations.AlterField(
                    model_name='providerreferral',
                    name='organization',
                    field=models.ForeignKey(db_index=False, editable=False, on_delete=django.db.models.deletion.PROTECT, related_name='provider_referrals', to='providers.organization'),
                ),
                migrations.AlterField(
                    model_name='providerreferralevent',
                    name='case',
                    field=models.ForeignKey(db_index=False, editable=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='casework.case'),
                ),
                migrations.AlterField(
                    model_name='providerreferralevent',
                    name='referral',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='events', to='referrals.providerreferral'),
                ),
                migrations.AlterField(
                    model_name='referral',
                    name='entered_by',
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
                ),
                migrations.AlterField(
                    model_name='screeningdecision',
                    name='case',
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='casework.case'),
                ),
                migrations.AlterField(
                    model_name='screeningdecision',
                    name='referral',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='decisions', to='referrals.referral'),
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

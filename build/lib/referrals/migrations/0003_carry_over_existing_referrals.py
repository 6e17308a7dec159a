"""Existing referrals get what new ones get on save; person_aware becomes awareness.

Separate from the schema changes around it: on PostgreSQL, altering a table in the same
transaction as row updates with deferred foreign-key checks fails ("pending trigger events").
"""

from django.db import migrations


def carry_over_existing_referrals(apps, schema_editor):
    """Referrals from before screening: awareness from the old yes/no, and the blind indexes
    and intake deadline that new referrals get on save (historical models have no save())."""
    from casework import crypto
    from referrals.models import intake_due_at

    Referral = apps.get_model("referrals", "Referral")
    for referral in Referral.objects.all():
        referral.awareness = "aware" if referral.person_aware else "not_aware"
        referral.name_dob_index = crypto.name_dob_index(
            referral.first_name, referral.last_name, referral.date_of_birth
        )
        referral.name_index = crypto.name_index(referral.first_name, referral.last_name)
        referral.phone_index = crypto.phone_index(referral.phone)
        referral.due_at = intake_due_at(referral.received_at)
        referral.save(update_fields=[
            "awareness", "name_dob_index", "name_index", "phone_index", "due_at"
        ])


class Migration(migrations.Migration):

    dependencies = [("referrals", "0002_screening_and_bias_reports")]

    operations = [
        migrations.RunPython(carry_over_existing_referrals, migrations.RunPython.noop),
    ]

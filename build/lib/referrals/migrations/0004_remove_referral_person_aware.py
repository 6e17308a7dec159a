from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [("referrals", "0003_carry_over_existing_referrals")]

    operations = [
        migrations.RemoveField(model_name="referral", name="person_aware"),
    ]

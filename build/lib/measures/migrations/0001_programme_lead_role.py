import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def create_lead_role(apps, schema_editor):
    apps.get_model("auth", "Group").objects.get_or_create(name="programme_lead")


def remove_lead_role(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="programme_lead").delete()


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("casework", "0002_roles"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [migrations.RunPython(create_lead_role, remove_lead_role)]

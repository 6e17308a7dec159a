from django.db import migrations


def create_role(apps, schema_editor):
    apps.get_model("auth", "Group").objects.get_or_create(name="privacy_officer")


def remove_role(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="privacy_officer").delete()


class Migration(migrations.Migration):
    dependencies = [("privacy", "0002_admin_publishes_wording"), ("auth", "0012_alter_user_first_name_max_length")]

    operations = [migrations.RunPython(create_role, remove_role)]

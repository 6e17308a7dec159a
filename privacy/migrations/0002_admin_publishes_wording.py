"""The system admin publishes consent wording versions in the admin site (add and view only)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ADMIN_PERMISSIONS = ["view_consentwording", "add_consentwording"]


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    admin, _ = Group.objects.get_or_create(name="admin")
    admin.permissions.add(*Permission.objects.filter(content_type__app_label="privacy",
                                                     codename__in=ADMIN_PERMISSIONS))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    admin = Group.objects.filter(name="admin").first()
    if admin is not None:
        admin.permissions.remove(*Permission.objects.filter(content_type__app_label="privacy",
                                                            codename__in=ADMIN_PERMISSIONS))


class Migration(migrations.Migration):
    dependencies = [("privacy", "0001_initial"), ("casework", "0002_roles")]

    operations = [migrations.RunPython(grant, revoke)]

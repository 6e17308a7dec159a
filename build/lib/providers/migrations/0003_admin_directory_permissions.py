"""Let the system admin role manage the new directory tables in the admin site."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

PERMISSIONS = [
    "view_location", "add_location", "change_location", "delete_location",
    "view_servicelanguage", "add_servicelanguage", "change_servicelanguage",
    "delete_servicelanguage",
    "view_serviceatlocation", "add_serviceatlocation", "change_serviceatlocation",
    "delete_serviceatlocation",
    "view_importrun",
]


def grant(apps, schema_editor):
    app_config = apps.get_app_config("providers")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    admin = Group.objects.filter(name="admin").first()
    if admin is not None:
        admin.permissions.add(
            *Permission.objects.filter(content_type__app_label="providers",
                                       codename__in=PERMISSIONS)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("providers", "0002_directory"),
        ("casework", "0002_roles"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]

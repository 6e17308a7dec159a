"""Create the role groups. Only the admin role holds model permissions, and never on case data."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES = [
    "intake_coordinator",
    "caseworker",
    "supervisor",
    "mdt_member",
    "provider_staff",
    "auditor",
    "admin",
]

# What a system admin manages through the admin site: accounts, teams and the directory.
ADMIN_PERMISSIONS = {
    "auth": ["view_user", "add_user", "change_user", "view_group"],
    "casework": [
        "view_team", "add_team", "change_team",
        "view_teammembership", "add_teammembership", "change_teammembership",
        "delete_teammembership",
    ],
    "providers": [
        "view_organization", "add_organization", "change_organization",
        "view_service", "add_service", "change_service",
        "view_membership", "add_membership", "change_membership", "delete_membership",
    ],
}


def create_roles(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name in ROLES:
        Group.objects.get_or_create(name=name)
    admin = Group.objects.get(name="admin")
    for app_label, codenames in ADMIN_PERMISSIONS.items():
        admin.permissions.add(
            *Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)
        )


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("providers", "0001_initial"),
        ("casework", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]

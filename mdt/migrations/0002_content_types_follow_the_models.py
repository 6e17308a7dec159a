"""The MDT's content types move from casework to mdt in place, keeping their ids.

Updating the rows (never making new ones) keeps every reference to them: django-auditlog's
entries (LogEntry.content_type), the audit chain (which hashes content_type_id), the admin
group's permissions on panels and seats. On a new database the rows are made by
casework/migrations/0008 (its create_permissions) and moved here, or, if absent, made for mdt
by post_migrate. Reversible: going back moves them to casework again.
"""

from django.db import migrations

MODELS = (
    "panel", "panelmember", "meeting", "agendaitem", "conflictdeclaration", "attendance",
    "decision", "action", "minutes", "annotation",
)


def _move(apps, schema_editor, source: str, target: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    LogEntry = apps.get_model("auditlog", "LogEntry")
    types = ContentType.objects.using(schema_editor.connection.alias)
    for model in MODELS:
        old = types.filter(app_label=source, model=model).first()
        if old is None:
            continue
        # A `migrate` that stopped between this app's 0001 and here ran post_migrate, which made
        # an empty type for the new label; it holds only its own default permissions.
        made = types.filter(app_label=target, model=model).first()
        if made is not None:
            if LogEntry.objects.filter(content_type=made).exists():
                raise RuntimeError(
                    f"Both {source}.{model} and {target}.{model} have audit entries; merge them "
                    "by hand before migrating."
                )
            made.delete()
        old.app_label = target
        old.save(update_fields=["app_label"])
    ContentType.objects.clear_cache()


def to_mdt(apps, schema_editor):
    _move(apps, schema_editor, "casework", "mdt")


def to_casework(apps, schema_editor):
    _move(apps, schema_editor, "mdt", "casework")


class Migration(migrations.Migration):
    dependencies = [
        ("mdt", "0001_initial"),
        ("casework", "0024_mdt_becomes_its_own_app"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auditlog", "0017_add_actor_email"),
    ]

    operations = [migrations.RunPython(to_mdt, to_casework)]

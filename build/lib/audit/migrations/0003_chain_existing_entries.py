"""Chain the entries written before the chain existed, oldest first (a no-op on a new database).

They are tamper-evident from this migration on, not from when they were written.
"""

from django.db import migrations


def adopt(apps, schema_editor):
    LogEntry = apps.get_model("auditlog", "LogEntry")
    if not LogEntry.objects.using(schema_editor.connection.alias).exists():
        return
    from audit import chain  # the chain code itself, so the hashes are computed exactly once

    chain.adopt_unchained(using=schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0002_append_only_triggers"),
    ]

    operations = [migrations.RunPython(adopt, migrations.RunPython.noop)]

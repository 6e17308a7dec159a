"""Indexes for the auditor's searches on auditlog's table (which ships single-column ones only).

Each serves one question at millions of rows, newest first:
- what did this user do:          actor_id = ?        ORDER BY timestamp DESC
- who accessed this record:       object_repr IN (..) ORDER BY timestamp DESC
- what came from this address:    remote_addr = ?     ORDER BY timestamp DESC
"""

from django.db import migrations

INDEXES = {
    "audit_log_actor_time": "(actor_id, timestamp)",
    "audit_log_object_time": "(object_repr, timestamp)",
    "audit_log_address_time": "(remote_addr, timestamp)",
}


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0004_emergency_access"),
        ("auditlog", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL(
            sql=f"CREATE INDEX IF NOT EXISTS {name} ON auditlog_logentry {columns}",
            reverse_sql=f"DROP INDEX IF EXISTS {name}",
        )
        for name, columns in INDEXES.items()
    ]

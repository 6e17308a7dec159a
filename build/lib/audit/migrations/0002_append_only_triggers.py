"""PostgreSQL: the audit tables refuse UPDATE, DELETE and TRUNCATE, even in replica mode.

Row-level triggers refuse UPDATE and DELETE; TRUNCATE skips row triggers, so a statement-level
trigger refuses it. All are ENABLE ALWAYS: `SET session_replication_role = replica` does not
skip them. An owner or superuser can still DISABLE TRIGGER: the hash chain and the anchors are
what make tampering evident; these triggers stop accidents and the app role (checklist 33 takes
UPDATE/DELETE/TRUNCATE privileges away from it).

One narrow exception, for Django's flush between transactional tests (it TRUNCATEs every table):
TRUNCATE passes when the session has set `audit.allow_truncate = 'on'` AND the current role is a
superuser or a member of the table's owner role. Those roles could disable the trigger anyway,
so the exception grants nothing new; only the test database turns it on (tests/conftest.py).
A retention purge (later issue) needs a designed path of its own; nothing here allows one.
"""

from django.db import migrations

TABLES = ("auditlog_logentry", "audit_chainlink")

FUNCTION = """
CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE'
       AND current_setting('audit.allow_truncate', true) = 'on'
       AND pg_has_role(current_user,
                       (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'MEMBER') THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'audit records are append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END
$$;
"""

TRIGGERS = """
CREATE TRIGGER {table}_refuse_update_delete
    BEFORE UPDATE OR DELETE ON {table} FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER {table}_refuse_truncate
    BEFORE TRUNCATE ON {table} FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
ALTER TABLE {table} ENABLE ALWAYS TRIGGER {table}_refuse_update_delete;
ALTER TABLE {table} ENABLE ALWAYS TRIGGER {table}_refuse_truncate;
"""

DROP = """
DROP TRIGGER IF EXISTS {table}_refuse_update_delete ON {table};
DROP TRIGGER IF EXISTS {table}_refuse_truncate ON {table};
"""


def install(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION, params=None)  # None: the % in RAISE is not a placeholder
    for table in TABLES:
        schema_editor.execute(TRIGGERS.format(table=table))


def remove(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(DROP.format(table=table))
    schema_editor.execute("DROP FUNCTION IF EXISTS audit_refuse_change();")


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_initial"),
        ("auditlog", "0017_add_actor_email"),
    ]

    operations = [migrations.RunPython(install, remove)]

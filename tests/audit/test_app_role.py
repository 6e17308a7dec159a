"""Checklist 33: the role the app connects as may read and append to the log, nothing more."""

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection

pytestmark = [
    pytest.mark.postgres,
    # Committed, so the app role's own connection sees the grants and the rows.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def app_role(make_entries):
    """A LOGIN role granted by the command, and a connection of its own to the test database."""
    make_entries(2)
    settings = connection.settings_dict
    role = f"app_{settings['NAME']}"[:63]
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
        if cursor.fetchone() is None:
            cursor.execute(f"CREATE ROLE {connection.ops.quote_name(role)} LOGIN")
    call_command("grant_app_role", role)
    own = psycopg.connect(
        host=settings["HOST"] or "127.0.0.1", port=settings["PORT"] or 5432,
        dbname=settings["NAME"], user=role, autocommit=True,
    )
    yield own
    own.close()
    with connection.cursor() as cursor:
        cursor.execute(f"DROP OWNED BY {connection.ops.quote_name(role)}")
        cursor.execute(f"DROP ROLE {connection.ops.quote_name(role)}")


def refused(own, sql):
    try:
        with own.transaction():
            own.execute(sql)
    except psycopg.Error as error:
        return str(error)
    return None


def test_the_app_role_reads_and_appends_but_cannot_change_the_log(app_role):
    assert app_role.execute("SELECT count(*) FROM auditlog_logentry").fetchone()[0] >= 2
    assert app_role.execute("SELECT count(*) FROM audit_chainlink").fetchone()[0] >= 2
    for sql in (
        "UPDATE auditlog_logentry SET object_repr = 'x'",
        "DELETE FROM auditlog_logentry",
        "TRUNCATE auditlog_logentry",
        "UPDATE audit_chainlink SET hash = 'x'",
        "DELETE FROM audit_chainlink",
        "ALTER TABLE auditlog_logentry DISABLE TRIGGER USER",
        "SET session_replication_role = replica",
    ):
        error = refused(app_role, sql)
        assert error and ("permission denied" in error or "must be owner" in error), (sql, error)


def test_the_app_role_keeps_its_ordinary_work(app_role):
    """Everything else the app does: the chain head moves, sessions are written and removed."""
    assert refused(app_role, "UPDATE audit_chainhead SET seq = seq") is None
    assert refused(app_role, "DELETE FROM django_session WHERE false") is None


def test_a_superuser_or_the_owner_is_not_accepted_as_the_app_role():
    with pytest.raises(CommandError, match="superuser or owns"):
        call_command("grant_app_role", connection.settings_dict["USER"] or "postgres")

"""Give the application's PostgreSQL role what it needs, and on the audit log no more.

    manage.py grant_app_role casework_app

Run it as the role that owns the tables (the one `migrate` runs as), after every migrate. The
app role (a plain LOGIN role, created by the operator, neither superuser nor owner) then gets
SELECT, INSERT, UPDATE and DELETE on the application's tables, but only SELECT and INSERT on
the log (auditlog_logentry, audit_chainlink), and EXECUTE on audit_purge(), the one path by
which old entries leave. Not owning the tables, it cannot DISABLE TRIGGER; not a superuser, it
cannot SET session_replication_role. Checklist item 33; tests/audit/test_app_role.py connects
as such a role and is refused each of those.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from audit.chain import PROTECTED_TABLES


class Command(BaseCommand):
    help = "Grant the app's database role its privileges: SELECT and INSERT only on the log."

    def add_arguments(self, parser):
        parser.add_argument("role", help="The LOGIN role the web app and workers connect as.")

    def handle(self, *args, role, **options):
        if connection.vendor != "postgresql":
            raise CommandError("Database roles are a PostgreSQL matter; nothing to do here.")
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT rolsuper, pg_has_role(%s, current_user, 'MEMBER') FROM pg_roles "
                "WHERE rolname = %s",
                [role, role],
            )
            found = cursor.fetchone()
            if found is None:
                raise CommandError(f"There is no role {role!r}: create it first (CREATE ROLE "
                                   f"{role} LOGIN PASSWORD '...').")
            superuser, owner = found
            if superuser or owner:
                raise CommandError(f"{role!r} is a superuser or owns the tables: the app needs "
                                   "a role of its own, or the log's protections do not bind it.")
            app = quote(role)
            log_tables = ", ".join(quote(table) for table in PROTECTED_TABLES)
            with transaction.atomic():
                for statement in (
                    f"GRANT USAGE ON SCHEMA public TO {app}",
                    f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {app}",
                    f"REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON {log_tables} "
                    f"FROM {app}",
                    f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {app}",
                    f"GRANT EXECUTE ON FUNCTION audit_purge(bigint, timestamptz) TO {app}",
                ):
                    cursor.execute(statement)
        self.stdout.write(f"{role}: granted; SELECT and INSERT only on {log_tables}.")

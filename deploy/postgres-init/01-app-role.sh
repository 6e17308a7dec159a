#!/bin/sh
# First start of the database container only: the role the app connects as. It owns nothing
# and is no superuser; `manage.py grant_app_role casework_app` (run by the migrate service after
# every migrate) gives it its privileges, and on the audit log only SELECT and INSERT.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
     -v app_password="$APP_DB_PASSWORD" <<'SQL'
CREATE ROLE casework_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'app_password';
SQL

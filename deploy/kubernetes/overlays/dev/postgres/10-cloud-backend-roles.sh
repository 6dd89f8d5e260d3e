#!/usr/bin/env bash
# Runs once, when a PostgreSQL container starts on an empty volume (the image runs every
# /docker-entrypoint-initdb.d/*.sh as the superuser POSTGRES_USER). Creates the service's
# database and its roles, as make dev does (shared/src/dev/provision.ts):
#
#   DB_NAME                 the database, owned by DB_OWNER
#   DB_OWNER, DB_OWNER_PASSWORD
#                           the service's role: owns the schema, runs the migrations
#   DB_READONLY_USER, DB_READONLY_PASSWORD          (optional)
#                           may connect and use the schema; its transactions are read-only.
#                           Which columns it may read is granted by the owning service at
#                           every start, after its migrations (DATABASE_READONLY_ROLE: the
#                           tables do not exist yet when this script runs), so a volume made
#                           by an earlier version is narrowed the same way
#   DB_APPEND_USER, DB_APPEND_PASSWORD              (optional)
#                           may SELECT and INSERT (and use sequences), never UPDATE, DELETE,
#                           TRUNCATE or change the schema: social-log-service runs as it, so
#                           not even that service can rewrite the audit trail
#
# Passwords go through psql variables (:'name'), never through the SQL text. Later changes of
# a password in .env do not reach an existing volume: use ALTER ROLE (docs/operations.md).
set -Eeuo pipefail

: "${DB_NAME:?DB_NAME is required}" "${DB_OWNER:?DB_OWNER is required}"
: "${DB_OWNER_PASSWORD:?DB_OWNER_PASSWORD is required}"

run_psql() {
  psql -v ON_ERROR_STOP=1 --no-psqlrc -q --username "${POSTGRES_USER:-postgres}" "$@"
}

echo "init: database ${DB_NAME} owned by ${DB_OWNER}"
run_psql --dbname postgres \
  -v db="$DB_NAME" -v owner="$DB_OWNER" -v owner_password="$DB_OWNER_PASSWORD" <<'SQL'
CREATE ROLE :"owner" LOGIN PASSWORD :'owner_password';
CREATE DATABASE :"db" OWNER :"owner" ENCODING 'UTF8' TEMPLATE template0;
REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
GRANT ALL ON DATABASE :"db" TO :"owner";
SQL

if [ -n "${DB_READONLY_USER:-}" ]; then
  : "${DB_READONLY_PASSWORD:?DB_READONLY_PASSWORD is required with DB_READONLY_USER}"
  echo "init: read-only role ${DB_READONLY_USER}"
  run_psql --dbname postgres -v db="$DB_NAME" -v role="$DB_READONLY_USER" \
    -v password="$DB_READONLY_PASSWORD" <<'SQL'
CREATE ROLE :"role" LOGIN PASSWORD :'password';
ALTER ROLE :"role" SET default_transaction_read_only = on;
GRANT CONNECT ON DATABASE :"db" TO :"role";
SQL
  run_psql --dbname "$DB_NAME" -v role="$DB_READONLY_USER" <<'SQL'
GRANT USAGE ON SCHEMA public TO :"role";
SQL
fi

if [ -n "${DB_APPEND_USER:-}" ]; then
  : "${DB_APPEND_PASSWORD:?DB_APPEND_PASSWORD is required with DB_APPEND_USER}"
  echo "init: append-only role ${DB_APPEND_USER}"
  run_psql --dbname postgres -v db="$DB_NAME" -v role="$DB_APPEND_USER" \
    -v password="$DB_APPEND_PASSWORD" <<'SQL'
CREATE ROLE :"role" LOGIN PASSWORD :'password';
GRANT CONNECT ON DATABASE :"db" TO :"role";
SQL
  run_psql --dbname "$DB_NAME" -v owner="$DB_OWNER" -v role="$DB_APPEND_USER" <<'SQL'
GRANT USAGE ON SCHEMA public TO :"role";
GRANT SELECT, INSERT ON ALL TABLES IN SCHEMA public TO :"role";
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO :"role";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public GRANT SELECT, INSERT ON TABLES TO :"role";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO :"role";
SQL
fi

#!/usr/bin/env bash
# pg-backup/restore.sh DATABASE FILE [TARGET]
#
# Restores a dump made by backup.sh. DATABASE names the server and credentials (a libpq
# service of PGSERVICEFILE, as for backup.sh); FILE is a <database>_<time>.sql.gz (a bare
# name is looked up in $BACKUP_DIR), or remote:<snapshot> (remote:latest) for a copy of
# DATABASE in the restic repository BACKUP_REMOTE (remote.sh fetches it; `remote.sh
# snapshots DATABASE` lists them); TARGET is the database to restore into, DATABASE itself
# by default.
#
#   - the file is verified first (gzip test, pg_dump's completion line): a damaged dump is
#     refused before anything is touched;
#   - a TARGET that does not exist is created, owned by DATABASE's owner (a scratch copy to
#     inspect, or to compare with the live one);
#   - a TARGET that already has tables is refused, unless RESTORE_REPLACE=1: then its schemas
#     (public and any other, such as legacy) are dropped and the dump loaded, in one
#     transaction (all or nothing). Stop the
#     services that write to it first (docs/operations.md).
#
# The whole load is one transaction (psql --single-transaction, ON_ERROR_STOP).
set -Eeuo pipefail

BACKUP_DIR="${BACKUP_DIR:-/backups}"
log() { printf '%s pg-restore: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*"; }
die() {
  printf '%s pg-restore: ERROR %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >&2
  exit 1
}

if [ "$#" -lt 2 ] || [ "$#" -gt 3 ]; then
  echo "usage: restore.sh DATABASE FILE [TARGET]" >&2
  exit 2
fi
database="$1"
file="$2"
target="${3:-$1}"
case "$target" in *[!A-Za-z0-9_]* | '') die "$target: a database name is letters, digits and _" ;; esac
case "$file" in
  remote:*)
    # The copy comes back from the remote repository into a private temporary folder, and is
    # then checked and loaded like any local dump.
    fetched="$(mktemp -d)"
    trap 'rm -rf "$fetched"' EXIT
    bash "$(dirname "${BASH_SOURCE[0]}")/remote.sh" fetch "$database" "${file#remote:}" \
      "$fetched/${database}_remote.sql.gz" || die "$file: cannot fetch it from BACKUP_REMOTE; nothing was changed"
    file="$fetched/${database}_remote.sql.gz"
    ;;
  *)
    [ -f "$file" ] || file="$BACKUP_DIR/$file"
    [ -f "$file" ] || die "$2: no such file (nor in $BACKUP_DIR)"
    ;;
esac

gzip -t "$file" 2>/dev/null || die "$file: not a valid gzip file; nothing was changed"
gzip -dc "$file" | tail -n 5 | grep -q '^-- PostgreSQL database dump complete' \
  || die "$file: pg_dump's completion line is missing (truncated dump); nothing was changed"

psql_on() { # database-to-connect-to, psql arguments...
  local db="$1"
  shift
  PGCONNECT_TIMEOUT="${PGCONNECT_TIMEOUT:-10}" psql --no-password --no-psqlrc -X -q \
    -v ON_ERROR_STOP=1 --dbname="service=$database dbname=$db" "$@"
}

exists=$(psql_on postgres -At -v target="$target" <<'SQL'
SELECT count(*) FROM pg_database WHERE datname = :'target';
SQL
)
replace_schema=""
if [ "$exists" = 0 ]; then
  owner=$(psql_on postgres -At -v db="$database" <<'SQL'
SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = :'db';
SQL
)
  [ -n "$owner" ] || die "$database: no such database on its server, so no owner to give $target"
  log "creating database $target (owner $owner)"
  psql_on postgres -v target="$target" -v owner="$owner" <<'SQL'
CREATE DATABASE :"target" OWNER :"owner";
SQL
else
  tables=$(psql_on "$target" -At <<'SQL'
SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S');
SQL
)
  if [ "$tables" != 0 ]; then
    [ "${RESTORE_REPLACE:-0}" = 1 ] \
      || die "$target already has $tables relation(s); set RESTORE_REPLACE=1 to replace them"
    log "$target: replacing its schemas (public: $tables relation(s))"
    replace_schema=1
  fi
fi

log "restoring $(basename "$file") into $target"
{
  if [ -n "$replace_schema" ]; then
    # Every schema of the database, not only public: the dump creates the others again
    # (user-service's database has legacy), and CREATE SCHEMA fails on one that exists.
    printf '%s\n' 'DROP SCHEMA public CASCADE;' \
      "DO \$\$ DECLARE s name; BEGIN FOR s IN SELECT nspname FROM pg_namespace WHERE nspname NOT IN ('pg_catalog', 'information_schema') AND nspname NOT LIKE 'pg\\_%' LOOP EXECUTE format('DROP SCHEMA %I CASCADE', s); END LOOP; END \$\$;" \
      'CREATE SCHEMA public AUTHORIZATION pg_database_owner;' \
      'GRANT USAGE ON SCHEMA public TO PUBLIC;'
  fi
  gzip -dc "$file"
} | psql_on "$target" --single-transaction >/dev/null
log "restored $(basename "$file") into $target"

#!/usr/bin/env bash
# pg-backup/backup.sh [DATABASE...]
#
# Dumps each database to $BACKUP_DIR/<database>_YYYY-MM-DD_HH-MM-SS.sql.gz (plain SQL, gzip),
# the original's names and format, without its defects (docs/compatibility.md#fix-backups):
#   - pipefail: a failing pg_dump fails the dump, it never becomes a valid-looking empty .gz;
#   - the dump goes to a hidden temporary file, is verified (gzip test, pg_dump's completion
#     line, at least BACKUP_MIN_BYTES), and only then renamed to its final name;
#   - old copies are deleted only after a verified new one exists: the newest BACKUP_KEEP (5)
#     of each database are kept, so failed nights never rotate good backups out;
#   - every step is logged to stdout, failures to stderr; the exit status is 1 when any
#     database failed;
#   - each database's outcome is recorded in $BACKUP_DIR/.state/<database>.prom-state for the
#     pg_backup_* metrics (pg-backup.js serves them to Prometheus).
#
# Connections: each DATABASE is a libpq service name (PGSERVICEFILE; pg-backup.js writes that
# file from BACKUP_DATABASE_URLS, so no password is on a command line or in the image). With
# no argument, every service of the file is dumped. One run at a time (flock on .lock).
set -Eeuo pipefail
umask 077

BACKUP_DIR="${BACKUP_DIR:-/backups}"
BACKUP_KEEP="${BACKUP_KEEP:-5}"
BACKUP_MIN_BYTES="${BACKUP_MIN_BYTES:-100}"
STATE_DIR="$BACKUP_DIR/.state"

log() { printf '%s pg-backup: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*"; }
fail() { printf '%s pg-backup: ERROR %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >&2; }

case "$BACKUP_KEEP" in '' | *[!0-9]* | 0) fail "BACKUP_KEEP must be a positive integer"; exit 2 ;; esac

databases=("$@")
if [ "${#databases[@]}" -eq 0 ]; then
  if [ -z "${PGSERVICEFILE:-}" ] || [ ! -r "$PGSERVICEFILE" ]; then
    fail "no database given and no readable PGSERVICEFILE"
    exit 2
  fi
  mapfile -t databases < <(sed -n 's/^\[\(.*\)\][[:space:]]*$/\1/p' "$PGSERVICEFILE")
fi
if [ "${#databases[@]}" -eq 0 ]; then
  fail "no database to back up"
  exit 2
fi

mkdir -p "$BACKUP_DIR" "$STATE_DIR"
exec 9>"$BACKUP_DIR/.lock"
if ! flock -w 3600 9; then
  fail "another backup has held $BACKUP_DIR/.lock for an hour"
  exit 1
fi

# One timestamp for the whole run, as the original; never the name of an existing file.
while :; do
  stamp="$(date +%Y-%m-%d_%H-%M-%S)"
  taken=0
  for db in "${databases[@]}"; do
    [ -e "$BACKUP_DIR/${db}_${stamp}.sql.gz" ] && taken=1
  done
  [ "$taken" -eq 0 ] && break
  sleep 1
done

# What a previous run left half-written (a crash, a killed container) is never a backup.
for db in "${databases[@]}"; do
  rm -f "$BACKUP_DIR/.${db}_"*.partial
done

write_state() { # database key=value...
  local db="$1"
  shift
  local file="$STATE_DIR/$db.prom-state"
  local tmp="$file.tmp"
  if [ -f "$file" ]; then grep -v -E "^($(printf '%s|' "${@%%=*}" | sed 's/|$//'))=" "$file" >"$tmp" || true; else : >"$tmp"; fi
  printf '%s\n' "$@" >>"$tmp"
  mv "$tmp" "$file"
}

verify() { # file -> 0 when it is a complete, non-trivial gzip'd pg_dump
  local file="$1" size
  size=$(stat -c %s "$file")
  if [ "$size" -lt "$BACKUP_MIN_BYTES" ]; then
    fail "$file: only $size bytes (BACKUP_MIN_BYTES=$BACKUP_MIN_BYTES)"
    return 1
  fi
  if ! gzip -t "$file" 2>/dev/null; then
    fail "$file: not a valid gzip file"
    return 1
  fi
  if ! gzip -dc "$file" | tail -n 5 | grep -q '^-- PostgreSQL database dump complete'; then
    fail "$file: pg_dump's completion line is missing (truncated dump)"
    return 1
  fi
}

rotate() { # database: keep the newest BACKUP_KEEP verified dumps (names sort by time)
  local db="$1" old
  mapfile -t old < <(
    find "$BACKUP_DIR" -maxdepth 1 -type f \
      -name "${db}_[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]_[0-9][0-9]-[0-9][0-9]-[0-9][0-9].sql.gz" \
      -printf '%f\n' | sort -r | tail -n +"$((BACKUP_KEEP + 1))"
  )
  for name in "${old[@]}"; do
    rm -f -- "$BACKUP_DIR/$name"
    log "$db: removed $name (keeping the newest $BACKUP_KEEP)"
  done
}

failures=0
for db in "${databases[@]}"; do
  final="$BACKUP_DIR/${db}_${stamp}.sql.gz"
  partial="$BACKUP_DIR/.${db}_${stamp}.sql.gz.partial"
  started=$(date +%s.%N)
  write_state "$db" "last_attempt=$(date +%s)"
  log "$db: dumping"
  if PGCONNECT_TIMEOUT="${PGCONNECT_TIMEOUT:-10}" pg_dump --no-password --dbname="service=$db" | gzip -6 >"$partial" \
    && verify "$partial"; then
    mv -f "$partial" "$final"
    size=$(stat -c %s "$final")
    duration=$(awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN { printf "%.3f", b - a }')
    write_state "$db" "last_attempt_ok=1" "last_success=$(date +%s)" "last_size=$size" "last_duration=$duration"
    log "$db: wrote $(basename "$final") ($size bytes, ${duration}s, verified)"
    rotate "$db"
  else
    rm -f "$partial"
    write_state "$db" "last_attempt_ok=0"
    fail "$db: backup failed; the existing backups are untouched"
    failures=$((failures + 1))
  fi
done

if [ "$failures" -gt 0 ]; then
  fail "$failures of ${#databases[@]} database(s) failed"
  exit 1
fi
log "all ${#databases[@]} database(s) backed up"

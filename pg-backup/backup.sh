#!/usr/bin/env bash
# pg-backup/backup.sh [DATABASE...]
#
# Dumps each database to $BACKUP_DIR/<database>_YYYY-MM-DD_HH-MM-SS.sql.gz (plain SQL, gzip),
# the original's names and format, without its defects (docs/compatibility.md#fix-backups), and
# proves every copy by restoring it (docs/operations.md#backups):
#   - pipefail: a failing pg_dump fails the dump, it never becomes a valid-looking empty .gz;
#   - every table's rows are counted in the transaction whose snapshot pg_dump dumps
#     (pg_export_snapshot + pg_dump --snapshot), so the counts describe exactly the dump;
#   - the dump goes to a hidden temporary file, is checked (gzip test, pg_dump's completion
#     line, at least BACKUP_MIN_BYTES), then restored into a scratch database on the same
#     server, whose tables must hold the same rows; only then is it "verified" and renamed to
#     its final name (the scratch database is dropped);
#   - shrink guard: when a table (or the whole database) that had at least
#     BACKUP_SHRINK_MIN_ROWS rows in the previous accepted copy lost more than
#     BACKUP_MAX_SHRINK percent of them, the dump is kept but marked suspicious: it rotates
#     nothing out, here or on the remote, and the older copies stay the reference until the
#     shrink is accepted (BACKUP_ACCEPT_SHRINK=<database,...|all> for one run);
#   - old copies are deleted only after a verified, unsuspicious new one exists: the newest
#     BACKUP_KEEP (5) of each database are kept, so failed nights never rotate good backups out;
#   - with BACKUP_REMOTE set, each verified dump is also copied to that restic repository
#     (remote.sh); a failed copy leaves the local one in place and fails the run;
#   - every step is logged to stdout, failures to stderr; the exit status is 1 when any
#     database failed;
#   - each database's outcome is recorded in $BACKUP_DIR/.state/<database>.prom-state for the
#     pg_backup_* metrics (pg-backup.js serves them to Prometheus); the counts of the last
#     accepted copy are in $BACKUP_DIR/.state/<database>.counts.
#
# Connections: each DATABASE is a libpq service name (PGSERVICEFILE; pg-backup.js writes that
# file from BACKUP_DATABASE_URLS, so no password is on a command line or in the image). The
# service's user must be able to create databases (the scratch copy). With no argument, every
# service of the file is dumped. One run at a time (flock on .lock).
set -Eeuo pipefail
umask 077

BACKUP_DIR="${BACKUP_DIR:-/backups}"
BACKUP_KEEP="${BACKUP_KEEP:-5}"
BACKUP_MIN_BYTES="${BACKUP_MIN_BYTES:-100}"
BACKUP_MAX_SHRINK="${BACKUP_MAX_SHRINK:-50}"
BACKUP_MAX_SHRINK="${BACKUP_MAX_SHRINK%\%}"
BACKUP_SHRINK_MIN_ROWS="${BACKUP_SHRINK_MIN_ROWS:-100}"
# Tables that empty themselves in normal operation (revocations are purged once expired).
BACKUP_SHRINK_IGNORE="${BACKUP_SHRINK_IGNORE-revocations,audit_outbox}"
BACKUP_ACCEPT_SHRINK="${BACKUP_ACCEPT_SHRINK:-}"
STATE_DIR="$BACKUP_DIR/.state"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

log() { printf '%s pg-backup: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*"; }
fail() { printf '%s pg-backup: ERROR %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >&2; }
warn() { printf '%s pg-backup: WARNING %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >&2; }

case "$BACKUP_KEEP" in '' | *[!0-9]* | 0) fail "BACKUP_KEEP must be a positive integer"; exit 2 ;; esac
case "$BACKUP_MAX_SHRINK" in '' | *[!0-9]*) fail "BACKUP_MAX_SHRINK must be a percentage from 0 to 100"; exit 2 ;; esac
if [ "$BACKUP_MAX_SHRINK" -gt 100 ]; then fail "BACKUP_MAX_SHRINK must be a percentage from 0 to 100"; exit 2; fi
case "$BACKUP_SHRINK_MIN_ROWS" in '' | *[!0-9]*) fail "BACKUP_SHRINK_MIN_ROWS must be a whole number"; exit 2 ;; esac

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

# Every table pg_dump dumps the rows of, with its row count, one "schema.table<TAB>rows" line
# each: plain tables and partitions (a partitioned parent holds no rows of its own) outside the
# system schemas, but not an extension's own tables.
COUNT_ROWS_SQL="SELECT format('%I.%I', n.nspname, c.relname) || E'\t' ||
  (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM %I.%I', n.nspname, c.relname), false, true, '')))[1]::text
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\_toast%' AND n.nspname NOT LIKE 'pg\_temp\_%'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                  AND d.objid = c.oid AND d.deptype = 'e')
ORDER BY 1;"

psql_on() { # service, database-to-connect-to, psql arguments...
  local service="$1" db="$2"
  shift 2
  PGCONNECT_TIMEOUT="${PGCONNECT_TIMEOUT:-10}" psql --no-password --no-psqlrc -X -q \
    -v ON_ERROR_STOP=1 --dbname="service=$service dbname=$db" "$@"
}

# dump_with_counts database partial counts: pg_dump | gzip into partial, and the row counts of
# the very snapshot it dumps into counts. A psql session opens a repeatable-read transaction,
# exports its snapshot and counts the rows; pg_dump then dumps that snapshot (--snapshot) while
# the session keeps the transaction open.
dump_with_counts() {
  local db="$1" partial="$2" counts="$3" snapshot line status=0
  local errors="$work/psql.err"
  coproc SNAPSHOT { PGCONNECT_TIMEOUT="${PGCONNECT_TIMEOUT:-10}" psql --no-password --no-psqlrc -X -q -A -t \
    -v ON_ERROR_STOP=1 --dbname="service=$db" 2>"$errors"; }
  local to="${SNAPSHOT[1]}" from="${SNAPSHOT[0]}" pid="$SNAPSHOT_PID"
  # SIGPIPE ignored while writing (not from a subshell: bash closes a coprocess' pipes in
  # subshells): if psql has already died (no server), the write fails instead of ending this
  # script, and the missing reply below says why.
  trap '' PIPE
  printf '%s\n' 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;' 'SELECT pg_export_snapshot();' \
    "$COUNT_ROWS_SQL" '\echo -- end of counts' 1>&"$to" 2>/dev/null || true
  trap - PIPE
  snapshot=""
  : >"$counts"
  if read -r -t 600 snapshot <&"$from"; then
    while read -r -t 600 line <&"$from"; do
      [ "$line" = '-- end of counts' ] && break
      printf '%s\n' "$line" >>"$counts"
    done
  fi
  if [ -z "$snapshot" ] || [ "$line" != '-- end of counts' ]; then
    fail "$db: cannot open a snapshot to dump: $(tr '\n' ' ' <"$errors")"
    exec {to}>&-
    wait "$pid" 2>/dev/null || true
    return 1
  fi
  PGCONNECT_TIMEOUT="${PGCONNECT_TIMEOUT:-10}" pg_dump --no-password --dbname="service=$db" \
    --snapshot="$snapshot" | gzip -6 >"$partial" || status=$?
  trap '' PIPE
  printf '%s\n' 'COMMIT;' 1>&"$to" 2>/dev/null || true
  trap - PIPE
  exec {to}>&-
  wait "$pid" 2>/dev/null || true
  return "$status"
}

# restore_check database partial counts: restores the dump into a scratch database on the same
# server and compares every table's rows with the counts of the dumped snapshot. The scratch
# database is made from template0 (nothing in it but the dump) and dropped afterwards.
restore_check() {
  local db="$1" partial="$2" counts="$3" restored="$work/restored.counts"
  scratch="pgbackup_verify_$db"
  scratch="${scratch:0:63}"
  if ! psql_on "$db" postgres -v scratch="$scratch" >/dev/null 2>"$work/restore.err" <<'SQL'
DROP DATABASE IF EXISTS :"scratch" WITH (FORCE);
CREATE DATABASE :"scratch" TEMPLATE template0;
SQL
  then
    fail "$db: cannot create the scratch database $scratch to verify the dump: $(tr '\n' ' ' <"$work/restore.err")"
    scratch=""
    return 1
  fi
  if ! gzip -dc "$partial" | psql_on "$db" "$scratch" --single-transaction >/dev/null 2>"$work/restore.err"; then
    fail "$db: the dump does not restore: $(grep -m 3 'ERROR' "$work/restore.err" | tr '\n' ' ')"
    drop_scratch "$db"
    return 1
  fi
  if ! psql_on "$db" "$scratch" -A -t -c "$COUNT_ROWS_SQL" >"$restored" 2>"$work/restore.err"; then
    fail "$db: cannot count the restored rows: $(tr '\n' ' ' <"$work/restore.err")"
    drop_scratch "$db"
    return 1
  fi
  drop_scratch "$db"
  if ! diff <(LC_ALL=C sort "$counts") <(LC_ALL=C sort "$restored") >"$work/counts.diff"; then
    fail "$db: the restored copy differs from the dumped snapshot (table, rows; < dumped, > restored): $(grep '^[<>]' "$work/counts.diff" | head -n 10 | tr '\t\n' '= ')"
    return 1
  fi
}

drop_scratch() { # database
  [ -n "${scratch:-}" ] || return 0
  psql_on "$1" postgres -v scratch="$scratch" >/dev/null 2>&1 <<'SQL' || fail "$1: could not drop the scratch database $scratch"
DROP DATABASE IF EXISTS :"scratch" WITH (FORCE);
SQL
  scratch=""
}

# shrunk baseline counts: prints "name: before -> after" for each table, and "all tables" for the
# whole database, that had at least BACKUP_SHRINK_MIN_ROWS rows in the baseline and lost more
# than BACKUP_MAX_SHRINK percent of them (a table that is gone has lost all of them).
shrunk() {
  awk -F '\t' -v max="$BACKUP_MAX_SHRINK" -v min="$BACKUP_SHRINK_MIN_ROWS" \
    -v ignore="$BACKUP_SHRINK_IGNORE" '
    BEGIN { n = split(ignore, list, ","); for (i = 1; i <= n; i++) if (list[i] != "") skip[list[i]] = 1 }
    function ignored(name, bare) { bare = name; sub(/^[^.]*\./, "", bare); return (name in skip) || (bare in skip) }
    function check(name, before, after) {
      if (before >= min && before > 0 && (before - after) * 100 > max * before)
        printf "%s: %d -> %d rows\n", name, before, after
    }
    FILENAME == ARGV[1] { before[$1] = $2; if (!ignored($1)) total_before += $2; next }
    { after[$1] = $2; if (!ignored($1)) total_after += $2 }
    END {
      for (name in before) if (!ignored(name)) check(name, before[name], (name in after) ? after[name] : 0)
      check("all tables", total_before, total_after)
    }' "$1" "$2" | LC_ALL=C sort
}

accepted() { # database -> 0 when BACKUP_ACCEPT_SHRINK names it (or says all)
  local item items
  IFS=',' read -r -a items <<<"$BACKUP_ACCEPT_SHRINK"
  for item in "${items[@]}"; do
    item="${item// /}"
    [ "$item" = all ] || [ "$item" = "$1" ] && return 0
  done
  return 1
}

work="$(mktemp -d)"
scratch=""
cleanup() {
  rm -rf "$work"
}
trap cleanup EXIT

failures=0
for db in "${databases[@]}"; do
  final="$BACKUP_DIR/${db}_${stamp}.sql.gz"
  partial="$BACKUP_DIR/.${db}_${stamp}.sql.gz.partial"
  counts="$work/$db.counts"
  started=$(date +%s.%N)
  write_state "$db" "last_attempt=$(date +%s)"
  log "$db: dumping"
  if dump_with_counts "$db" "$partial" "$counts" && verify "$partial" \
    && restore_check "$db" "$partial" "$counts"; then
    mv -f "$partial" "$final"
    size=$(stat -c %s "$final")
    rows=$(awk -F '\t' '{ n += $2 } END { print n + 0 }' "$counts")
    tables=$(wc -l <"$counts")
    duration=$(awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN { printf "%.3f", b - a }')
    baseline="$STATE_DIR/$db.counts"
    suspicious=0
    if [ -f "$baseline" ]; then
      shrink="$(shrunk "$baseline" "$counts")"
      if [ -n "$shrink" ]; then
        if accepted "$db"; then
          log "$db: shrink accepted (BACKUP_ACCEPT_SHRINK): $(printf '%s' "$shrink" | tr '\n' ';')"
        else
          suspicious=1
        fi
      fi
    fi
    write_state "$db" "last_attempt_ok=1" "last_success=$(date +%s)" "last_size=$size" \
      "last_duration=$duration" "last_rows=$rows" "suspicious=$suspicious"
    log "$db: wrote $(basename "$final") ($size bytes, ${duration}s, verified: restored with the same $rows rows in $tables tables)"
    if [ "$suspicious" = 1 ]; then
      warn "$db: SUSPICIOUS dump kept, nothing rotated out: more than $BACKUP_MAX_SHRINK % of the rows are gone since the last accepted copy: $(printf '%s' "$shrink" | tr '\n' ';') (if intended: BACKUP_ACCEPT_SHRINK=$db, make backup ACCEPT_SHRINK=$db)"
    else
      cp "$counts" "$baseline.tmp" && mv -f "$baseline.tmp" "$baseline"
      rotate "$db"
    fi
    if [ -n "${BACKUP_REMOTE:-}" ]; then
      write_state "$db" "remote_last_attempt=$(date +%s)"
      forget=(--forget)
      [ "$suspicious" = 1 ] && forget=()
      if bash "$HERE/remote.sh" push "$db" "$final" "${forget[@]}"; then
        write_state "$db" "remote_last_attempt_ok=1" "remote_last_success=$(date +%s)"
      else
        write_state "$db" "remote_last_attempt_ok=0"
        fail "$db: the copy to BACKUP_REMOTE failed; the local dump is kept"
        failures=$((failures + 1))
      fi
    fi
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

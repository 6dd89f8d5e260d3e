#!/usr/bin/env bash
# pg-backup/remote.sh: the copies off the host, in a restic repository (docs/operations.md#backups).
#
#   remote.sh push DATABASE FILE [--forget]   copy a verified dump; --forget then keeps only the
#                                             newest BACKUP_KEEP copies of DATABASE there
#   remote.sh fetch DATABASE SNAPSHOT OUT     write a copy (a snapshot id, or "latest") to OUT
#                                             as a .sql.gz, as backup.sh writes them
#   remote.sh snapshots [DATABASE]            list the copies
#
# Settings (environment):
#   BACKUP_REMOTE               the restic repository: sftp:user@host:/path, s3:…, gs:…, rest:…
#                               (the backend's own credentials, e.g. AWS_ACCESS_KEY_ID, come from
#                               the environment as restic reads them)
#   BACKUP_REMOTE_PASSWORD      the repository's encryption password (or RESTIC_PASSWORD_FILE);
#                               without it nothing can be read back: keep it outside the host too
#   BACKUP_REMOTE_SFTP_COMMAND  for sftp:, the ssh command restic runs instead of its default
#                               (e.g. "ssh -F /run/secrets/backup-ssh-config backup-host -s sftp")
#   BACKUP_KEEP                 copies kept per database (5), as on the local disk
#
# restic encrypts and deduplicates: each dump is stored decompressed (restic compresses it
# itself), as /<database>.sql, so one night's copy shares every unchanged chunk with the
# previous one. The repository is created on the first push.
set -Eeuo pipefail
umask 077

BACKUP_KEEP="${BACKUP_KEEP:-5}"
BACKUP_DIR="${BACKUP_DIR:-/backups}"
HOST_TAG=pg-backup

log() { printf '%s pg-backup: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*"; }
die() {
  printf '%s pg-backup: ERROR %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >&2
  exit 1
}
usage() {
  echo "usage: remote.sh push DATABASE FILE [--forget] | fetch DATABASE SNAPSHOT OUT | snapshots [DATABASE]" >&2
  exit 2
}

[ -n "${BACKUP_REMOTE:-}" ] || die "BACKUP_REMOTE is not set: there is no remote repository"
command -v restic >/dev/null 2>&1 || die "restic is missing (apt-get install -y restic)"
if [ -n "${BACKUP_REMOTE_PASSWORD:-}" ]; then
  export RESTIC_PASSWORD="$BACKUP_REMOTE_PASSWORD"
elif [ -z "${RESTIC_PASSWORD:-}" ] && [ -z "${RESTIC_PASSWORD_FILE:-}" ]; then
  die "BACKUP_REMOTE_PASSWORD is not set: the remote copies are encrypted with it"
fi
export RESTIC_REPOSITORY="$BACKUP_REMOTE"
case "$BACKUP_KEEP" in '' | *[!0-9]* | 0) die "BACKUP_KEEP must be a positive integer" ;; esac

options=(--cache-dir "${RESTIC_CACHE_DIR:-$BACKUP_DIR/.state/restic-cache}")
if [ -n "${BACKUP_REMOTE_SFTP_COMMAND:-}" ]; then
  options+=(-o "sftp.command=$BACKUP_REMOTE_SFTP_COMMAND")
fi
r() { restic "${options[@]}" "$@"; }

valid_database() {
  case "$1" in *[!A-Za-z0-9_]* | '') die "$1: a database name is letters, digits and _" ;; esac
}

# The repository, created when it does not exist yet (and only then: a wrong password or an
# unreachable server is an error, never a reason to start a new repository).
ensure_repository() {
  local out
  if out=$(r cat config 2>&1 >/dev/null); then return 0; fi
  if grep -q -i -e 'Is there a repository at the following location' -e 'does not exist' <<<"$out"; then
    log "creating the restic repository at $BACKUP_REMOTE"
    r init >/dev/null || die "cannot create the restic repository at $BACKUP_REMOTE"
    return 0
  fi
  die "cannot open the restic repository at $BACKUP_REMOTE: $(tr '\n' ' ' <<<"$out")"
}

push() {
  [ "$#" -ge 2 ] || usage
  local db="$1" file="$2" forget="${3:-}" name out snapshot status=0
  valid_database "$db"
  [ -f "$file" ] || die "$file: no such file"
  name="$(basename "$file" .sql.gz)"
  ensure_repository
  out=$(gzip -dc "$file" | r backup --stdin --stdin-filename "$db.sql" --host "$HOST_TAG" \
    --tag pg-backup --tag "database=$db" --tag "dump=$name" 2>&1) || status=$?
  snapshot=$(sed -n 's/^snapshot \([0-9a-f]*\) saved$/\1/p' <<<"$out")
  if [ "$status" -ne 0 ]; then
    # A copy cut short is never left to count as one of the BACKUP_KEEP.
    [ -n "$snapshot" ] && r forget "$snapshot" >/dev/null 2>&1
    die "$db: restic backup failed: $(tr '\n' ' ' <<<"$out")"
  fi
  log "$db: copied $name to $BACKUP_REMOTE (snapshot $snapshot)"
  if [ "$forget" = --forget ]; then
    out=$(r forget --host "$HOST_TAG" --tag "database=$db" --keep-last "$BACKUP_KEEP" --prune 2>&1) \
      || die "$db: restic forget failed: $(tr '\n' ' ' <<<"$out")"
    log "$db: the remote keeps the newest $BACKUP_KEEP copies"
  fi
}

fetch() {
  [ "$#" -eq 3 ] || usage
  local db="$1" snapshot="$2" out="$3"
  valid_database "$db"
  case "$snapshot" in latest | [0-9a-f]*) ;; *) die "$snapshot: a snapshot is an id (remote.sh snapshots) or latest" ;; esac
  case "$snapshot" in *[!0-9a-z]*) die "$snapshot: a snapshot is an id (remote.sh snapshots) or latest" ;; esac
  if ! r dump --host "$HOST_TAG" --tag "database=$db" "$snapshot" "/$db.sql" | gzip -6 >"$out"; then
    rm -f "$out"
    die "$db: cannot read snapshot $snapshot of $db from $BACKUP_REMOTE"
  fi
  log "$db: fetched snapshot $snapshot from $BACKUP_REMOTE"
}

snapshots() {
  local filter=(--tag pg-backup)
  if [ "$#" -ge 1 ]; then
    valid_database "$1"
    filter=(--tag "database=$1")
  fi
  r snapshots --host "$HOST_TAG" "${filter[@]}"
}

command="${1:-}"
[ "$#" -gt 0 ] && shift
case "$command" in
  push) push "$@" ;;
  fetch) fetch "$@" ;;
  snapshots) snapshots "$@" ;;
  *) usage ;;
esac

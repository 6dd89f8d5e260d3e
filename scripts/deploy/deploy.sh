#!/usr/bin/env bash
# scripts/deploy/deploy.sh TAG [CHECKOUT]
#
# Deploys the release TAG (a commit SHA whose images are in IMAGE_REGISTRY) on the server whose
# checkout of this repository is CHECKOUT (default: the current folder, with its .env), so
# that no release can lose data (docs/operations.md#releases):
#
#   1. records the tag that runs now (the gateway's image, else .deployed-tag);
#   2. takes a verified backup of every database through pg-backup (backup.sh: each dump proven
#      by a restore) BEFORE the new release can migrate anything, and refuses to go on when it
#      fails;
#   3. reads TAG's compose files from git into .deploy/next/ (the checkout does not move yet),
#      pulls TAG's images and starts them, then waits up to DEPLOY_WAIT_TIMEOUT seconds for
#      every container to be running and healthy (the compose healthchecks; a container that
#      keeps exiting fails the release before that);
#   4. on success moves the checkout to TAG, records it in .deployed-tag (the one before in
#      .deployed-tag.previous), reloads Prometheus and restarts Grafana;
#   5. on failure starts the previous tag again with the checkout's own compose files: an
#      automatic rollback of the images, never of the schema. The services only ever migrate
#      forward (no down migration is run: it would drop data such as the check-ins), so the
#      previous release runs on whatever the new one migrated, which is why migrations are
#      additive (docs/operations.md#migrations-and-rollback). The script lists the
#      migrations the failed release applied and prints the commands that restore the
#      pre-release backup, for an operator who chooses to lose the writes made since.
#
# Exit status: 0 deployed; 1 not deployed (refused before anything changed, or rolled back to
# the previous release, which is healthy); 2 not deployed and the rollback failed too.
#
# Settings (environment, else a DEPLOY_…= line of CHECKOUT/.env):
#   DEPLOY_WAIT_TIMEOUT   seconds to wait for every container to be healthy (300)
#   DEPLOY_COMPOSE_FILES  the compose files, space-separated ("docker-compose.yml docker-compose.prod.yml")
#   DEPLOY_SERVICES       the services to run, space-separated (empty: every one of the files)
#   DEPLOY_PULL           1: pull TAG's images first; 0: they are on this host already (1)
#   DEPLOY_PRUNE          1: remove unused images older than a week after a success (1)
#   DEPLOY_MAX_RESTARTS   a new container restarted more often than this fails the release
#                         before the timeout (2)
#
# The workflow pipes this file to `bash -s` over SSH: everything runs inside main() with stdin
# from /dev/null, so no command can swallow the rest of the script from stdin.
set -Eeuo pipefail

main() {
  local tag="${1:-}" checkout="${2:-.}"
  if [ "$#" -lt 1 ] || [ "$#" -gt 2 ]; then
    echo "usage: deploy.sh TAG [CHECKOUT]" >&2
    return 1
  fi
  case "$tag" in
    *[!0-9a-f]* | '') die "the tag must be a commit SHA (lower-case hex): '$tag'" ;;
  esac
  [ "${#tag}" -ge 7 ] || die "the tag must be a commit SHA of at least 7 characters: '$tag'"
  cd "$checkout" || die "cannot enter the checkout $checkout"
  git rev-parse --git-dir >/dev/null 2>&1 || die "$PWD is not a git checkout of the repository"

  setting DEPLOY_WAIT_TIMEOUT 300
  setting DEPLOY_COMPOSE_FILES 'docker-compose.yml docker-compose.prod.yml'
  setting DEPLOY_SERVICES ''
  setting DEPLOY_PULL 1
  setting DEPLOY_PRUNE 1
  setting DEPLOY_MAX_RESTARTS 2
  case "$DEPLOY_WAIT_TIMEOUT" in '' | *[!0-9]* | 0) die "DEPLOY_WAIT_TIMEOUT must be a positive number of seconds" ;; esac
  case "$DEPLOY_MAX_RESTARTS" in '' | *[!0-9]*) die "DEPLOY_MAX_RESTARTS must be a whole number" ;; esac
  read -r -a files <<<"$DEPLOY_COMPOSE_FILES"
  read -r -a services <<<"$DEPLOY_SERVICES"
  [ "${#files[@]}" -gt 0 ] || die "DEPLOY_COMPOSE_FILES names no compose file"

  mkdir -p .deploy
  exec 8>.deploy/lock
  flock -n 8 || die "another deployment is running in $PWD (.deploy/lock)"

  # The checkout's files describe the running release; TAG's are read into .deploy/next/ and
  # used with this folder as the project directory, so relative paths (.env, ./backups,
  # ./monitoring) stay the checkout's.
  current=(docker compose)
  next=(docker compose --project-directory "$PWD")
  local file
  for file in "${files[@]}"; do
    current+=(-f "$file")
    next+=(-f ".deploy/next/$file")
  done

  # --- 1. what runs now ------------------------------------------------------------------
  previous="$(running_tag)"
  [ -n "$previous" ] || previous="$(cat .deployed-tag 2>/dev/null || true)"
  if [ "$previous" = "$tag" ]; then
    log "$tag already runs: starting it again with its own files"
  fi
  log "deploying $tag (running now: ${previous:-nothing})"

  if ! git cat-file -e "$tag^{commit}" 2>/dev/null; then
    git fetch --quiet origin || die "git fetch origin failed; nothing was changed"
  fi
  git cat-file -e "$tag^{commit}" 2>/dev/null || die "no commit $tag in the repository; nothing was changed"

  # --- 2. the pre-release backup ---------------------------------------------------------
  backups=()
  migrations_before=""
  if [ -z "$previous" ]; then
    log "no release runs here yet: no database to back up (first deployment)"
  else
    backup_now
    migrations_before="$(applied_migrations "$previous")"
  fi

  # --- 3. the new release ------------------------------------------------------------------
  rm -rf .deploy/next
  for file in "${files[@]}"; do
    mkdir -p ".deploy/next/$(dirname "$file")"
    git show "$tag:$file" >".deploy/next/$file" 2>/dev/null \
      || die "$file is not in commit $tag; nothing was changed"
  done
  IMAGE_TAG="$tag" "${next[@]}" config --quiet \
    || die "$tag's compose files do not accept this .env (above); nothing was changed"
  if [ "$DEPLOY_PULL" = 1 ]; then
    log "pulling the images of $tag"
    IMAGE_TAG="$tag" "${next[@]}" pull --quiet "${services[@]}" \
      || die "cannot pull the images of $tag; nothing was changed"
  fi
  record "$previous -> $tag: starting"
  log "starting $tag: up to ${DEPLOY_WAIT_TIMEOUT}s for every container to be healthy"
  if start_release "$tag" "${next[@]}"; then
    succeed
    return 0
  fi

  # --- 5. automatic rollback ---------------------------------------------------------------
  log "FAILED: $tag did not become healthy"
  show_failure "$tag" "${next[@]}"
  if [ -z "$previous" ]; then
    record "nothing -> $tag: failed, no previous release to roll back to"
    die "no previous release to roll back to: fix the release and deploy again"
  fi
  log "rolling back to $previous (its images and compose files; the databases are left as they are)"
  if ! start_release "$previous" "${current[@]}"; then
    show_failure "$previous" "${current[@]}"
    record "$previous -> $tag: failed; rollback to $previous FAILED"
    log "ERROR the rollback to $previous failed too; the pre-release backup is:"
    restore_instructions "$previous"
    return 2
  fi
  record "$previous -> $tag: failed; rolled back to $previous"
  log "rolled back: $previous runs again and every container is healthy"
  local migrations_after added
  migrations_after="$(applied_migrations "$previous")"
  added="$(comm -13 <(printf '%s\n' "$migrations_before" | sort) <(printf '%s\n' "$migrations_after" | sort) | sed '/^$/d')"
  if [ -n "$added" ]; then
    log "$tag applied these migrations, which stay applied; $previous runs on them (docs/operations.md#migrations-and-rollback):"
    printf '  %s\n' "$added"
  else
    log "$tag applied no migration: the databases are as $previous left them"
  fi
  restore_instructions "$previous"
  log "deployment of $tag FAILED; $previous is running"
  return 1
}

log() { printf '%s deploy: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*"; }
die() {
  printf '%s deploy: ERROR %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >&2
  exit 1
}
record() { printf '%s %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >>.deploy/history; }

# setting NAME DEFAULT: NAME from the environment, else from a NAME= line of .env, else DEFAULT.
setting() {
  local name="$1" value
  if [ -z "${!name+set}" ]; then
    value="$(sed -n "s/^$name=//p" .env 2>/dev/null | tail -n 1)"
    value="${value%\"}"
    value="${value#\"}"
    printf -v "$name" '%s' "${value:-$2}"
  fi
}

# The tag of the running gateway's image (<registry>/gateway:<tag>), if one runs.
running_tag() {
  local id image
  id="$(IMAGE_TAG=unknown "${current[@]}" ps -q gateway 2>/dev/null | head -n 1)" || true
  [ -n "$id" ] || return 0
  image="$(docker inspect -f '{{.Config.Image}}' "$id" 2>/dev/null)" || return 0
  case "$image" in
    *:*) printf '%s' "${image##*:}" | grep -E '^[0-9a-f]{7,40}$' || true ;;
  esac
}

# backup_now: a verified dump of every database (pg-backup's backup.sh), or the deployment
# stops here. Sets backups=("database file"...).
backup_now() {
  local out="$PWD/.deploy/backup.log" status=0
  if [ -z "$(IMAGE_TAG="$previous" "${current[@]}" ps -q --status running pg-backup 2>/dev/null)" ]; then
    log "pg-backup is not running: starting $previous's"
    IMAGE_TAG="$previous" "${current[@]}" up -d --no-build --pull missing --wait \
      --wait-timeout "$DEPLOY_WAIT_TIMEOUT" pg-backup \
      || die "cannot start pg-backup for the pre-release backup; nothing was deployed"
  fi
  log "pre-release backup of every database (pg-backup: each dump verified by a restore)"
  IMAGE_TAG="$previous" "${current[@]}" exec -T -u node pg-backup backup.sh 2>&1 | tee "$out" \
    || status=$?
  if [ "$status" -ne 0 ]; then
    record "$previous -> $tag: refused, the pre-release backup failed"
    die "the pre-release backup failed (above, and .deploy/backup.log): nothing was deployed, $previous still runs"
  fi
  mapfile -t backups < <(sed -n 's/.* pg-backup: \([A-Za-z0-9_]*\): wrote \([^ ]*\.sql\.gz\) .*/\1 \2/p' "$out")
  [ "${#backups[@]}" -gt 0 ] || die "the pre-release backup wrote no dump; nothing was deployed"
  printf '%s\n' "${backups[@]}" >.deploy/pre-release-backup
  log "pre-release backup: ${backups[*]} (in the backup folder, BACKUP_HOST_DIR; listed in .deploy/pre-release-backup)"
}

# applied_migrations TAG: "database: migration" lines of every database pg-backup reaches.
applied_migrations() {
  local db
  for entry in "${backups[@]}"; do
    db="${entry%% *}"
    IMAGE_TAG="$1" "${current[@]}" exec -T -u node pg-backup psql --no-psqlrc -X -Atq \
      --dbname="service=$db" \
      -c "SELECT name FROM pgmigrations WHERE to_regclass('public.pgmigrations') IS NOT NULL ORDER BY id" \
      2>/dev/null </dev/null | sed "s/^/$db: /" || true
  done
}

# start_release TAG COMPOSE...: starts TAG with those compose files and waits, up to
# DEPLOY_WAIT_TIMEOUT, until every container is running and healthy. A container of the
# release that stopped (exited with no restart policy) or was restarted more than
# DEPLOY_MAX_RESTARTS times fails it before the deadline; one that is unhealthy, still
# starting, or restarted once or twice (a service gives up on a database that is slow to
# answer on a busy host, and its restart policy starts it again) has until the deadline.
# Compose's own --wait, and its depends_on conditions, give up on the first "unhealthy", so
# `up` is run again until the deadline.
start_release() {
  local release="$1" deadline=$((SECONDS + DEPLOY_WAIT_TIMEOUT)) remaining before pid status
  shift
  before="$(IMAGE_TAG="$release" "$@" ps -a -q 2>/dev/null || true)"
  while :; do
    remaining=$((deadline - SECONDS))
    if [ "$remaining" -le 0 ]; then
      log "not every container is healthy after ${DEPLOY_WAIT_TIMEOUT}s (DEPLOY_WAIT_TIMEOUT)"
      all_healthy "$release" "$@" || true
      return 1
    fi
    # In the background, so that a container that exits is seen while compose still waits
    # for a dependency to become healthy (it would wait for the deadline).
    IMAGE_TAG="$release" timeout --kill-after=30 "$((remaining + 30))" "$@" up -d --no-build \
      --pull missing --remove-orphans --wait --wait-timeout "$remaining" "${services[@]}" &
    pid=$!
    while kill -0 "$pid" 2>/dev/null; do
      sleep 5
      if crashed "$release" "$before" "$@"; then
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
        return 1
      fi
    done
    status=0
    wait "$pid" || status=$?
    if [ "$status" -eq 0 ] && all_healthy "$release" "$@"; then
      return 0
    fi
    if crashed "$release" "$before" "$@"; then
      return 1
    fi
    sleep 5
    if [ "$deadline" -gt "$SECONDS" ]; then
      log "not every container is healthy yet: waiting up to $((deadline - SECONDS))s more"
    fi
  done
}

# crashed TAG BEFORE COMPOSE...: 0 when a container made since BEFORE (the container ids that
# existed) has stopped, or been restarted more than DEPLOY_MAX_RESTARTS times.
crashed() {
  local release="$1" before="$2" id name state restarts code found=1
  shift 2
  for id in $(IMAGE_TAG="$release" "$@" ps -a -q 2>/dev/null); do
    if grep -qx -- "$id" <<<"$before"; then continue; fi
    read -r name state restarts code < <(docker inspect \
      -f '{{.Name}} {{.State.Status}} {{.RestartCount}} {{.State.ExitCode}}' "$id" 2>/dev/null) \
      || continue
    if [ "$state" = exited ] || [ "$state" = dead ] || [ "${restarts:-0}" -gt "$DEPLOY_MAX_RESTARTS" ]; then
      log "${name#/} exited (exit status $code, restarted $restarts time(s))"
      found=0
    fi
  done
  return "$found"
}

# all_healthy TAG COMPOSE...: every service expected has a container, running, and healthy
# when it has a healthcheck.
all_healthy() {
  local release="$1" expected service line state health ok=0
  shift
  if [ "${#services[@]}" -gt 0 ]; then
    expected="$(printf '%s\n' "${services[@]}")"
  else
    expected="$(IMAGE_TAG="$release" "$@" config --services)"
  fi
  for service in $expected; do
    line="$(IMAGE_TAG="$release" "$@" ps -a --format '{{.State}} {{.Health}}' "$service" 2>/dev/null | head -n 1)"
    line="${line% }"
    state="${line%% *}"
    health="${line#"$state"}"
    health="${health# }"
    if [ "$state" != running ] || { [ -n "$health" ] && [ "$health" != healthy ]; }; then
      log "$service: ${line:-no container}"
      ok=1
    fi
  done
  return "$ok"
}

show_failure() {
  local release="$1"
  shift
  IMAGE_TAG="$release" "$@" ps -a >&2 || true
  local service
  for service in $(IMAGE_TAG="$release" "$@" ps -a --format '{{.Service}} {{.State}} {{.Health}}' \
    | awk '$2 != "running" || ($3 != "" && $3 != "healthy") { print $1 }'); do
    log "the last lines of $service:"
    IMAGE_TAG="$release" "$@" logs --no-color --tail=30 "$service" >&2 || true
  done
}

succeed() {
  log "$tag is healthy"
  local moved=0
  git -c advice.detachedHead=false checkout --quiet --detach "$tag" || moved=1
  [ -n "$previous" ] && [ "$previous" != "$tag" ] && printf '%s\n' "$previous" >.deployed-tag.previous
  printf '%s\n' "$tag" >.deployed-tag
  record "$previous -> $tag: deployed"
  if [ "$moved" -ne 0 ]; then
    die "$tag runs, but the checkout could not move to it (local changes?): run git checkout --detach $tag here"
  fi
  # The monitoring configuration is the checkout's (mounted): Prometheus re-reads it on
  # SIGHUP, Grafana its provisioning on a restart.
  if [ -n "$(IMAGE_TAG="$tag" "${current[@]}" ps -q --status running prometheus-service 2>/dev/null)" ]; then
    IMAGE_TAG="$tag" "${current[@]}" kill -s SIGHUP prometheus-service >/dev/null 2>&1 || true
  fi
  if [ -n "$(IMAGE_TAG="$tag" "${current[@]}" ps -q --status running grafana 2>/dev/null)" ]; then
    IMAGE_TAG="$tag" "${current[@]}" restart grafana >/dev/null 2>&1 || true
  fi
  IMAGE_TAG="$tag" "${current[@]}" ps
  if [ "$DEPLOY_PRUNE" = 1 ]; then
    # Only images no container uses any more; never a volume.
    docker image prune --force --filter "until=168h" >/dev/null || true
  fi
  log "deployed $tag"
}

# The commands that put the pre-release backup back: an operator's choice, since every write
# made after the backup is lost.
restore_instructions() {
  local release="$1" entry compose_command
  [ "${#backups[@]}" -gt 0 ] || return 0
  compose_command="IMAGE_TAG=$release docker compose$(printf ' -f %s' "${files[@]}")"
  log "to return the databases to the pre-release backup instead (every write since it is lost), run:"
  printf '  cd %q\n' "$PWD"
  printf '  %s stop nginx gateway dashboard-api user-service auth-service social-log-service\n' \
    "$compose_command"
  for entry in "${backups[@]}"; do
    printf '  %s exec -T -u node -e RESTORE_REPLACE=1 pg-backup restore.sh %s %s\n' \
      "$compose_command" "${entry%% *}" "${entry#* }"
  done
  local only=""
  [ "${#services[@]}" -eq 0 ] || only="$(printf ' %s' "${services[@]}")"
  printf '  %s up -d --no-build --pull missing --wait%s\n' "$compose_command" "$only"
}

main "$@" </dev/null

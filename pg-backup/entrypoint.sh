#!/bin/sh
# Starts as root only to make the bind-mounted backup folder (./backups on the host, created
# by Docker as root) writable by the unprivileged user, then runs everything as `node`.
set -eu
dir="${BACKUP_DIR:-/backups}"
if [ "$(id -u)" = 0 ]; then
  mkdir -p "$dir"
  chown node:node "$dir"
  chmod 0700 "$dir"
  exec setpriv --reuid=node --regid=node --init-groups "$0" "$@"
fi
exec "$@"

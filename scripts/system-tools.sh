#!/usr/bin/env bash
# The real programs the tests drive, from Debian's packages: redis-server (shared rate limits),
# prometheus, promtool and node-exporter (dashboard-api, alert rules), nginx (its config and
# routing), pg_dump and psql (backups), Chromium's headless shell (the frontend in a real
# browser, at half the CPU of the full browser's headless mode), restic, sshd and ssh-keygen
# (backups copied off the host to an SFTP server). Installed when missing and
# running as root; otherwise the missing packages are named and it fails.
set -euo pipefail

declare -A wanted=(
  [redis-server]=redis-server
  [prometheus]=prometheus
  [promtool]=prometheus
  [prometheus-node-exporter]=prometheus-node-exporter
  [nginx]=nginx-light
  [pg_dump]=postgresql-client
  [psql]=postgresql-client
  [chromium-headless-shell]=chromium-headless-shell
  [restic]=restic
  [/usr/sbin/sshd]=openssh-server # by path: not on a non-root PATH
  [ssh-keygen]=openssh-client
)
# A browser given by path (e.g. Google Chrome on a CI runner without Debian's chromium) will do.
if [[ -n ${CHROMIUM_PATH:-} && -x ${CHROMIUM_PATH} ]]; then unset 'wanted[chromium-headless-shell]'; fi
missing=()
for command in "${!wanted[@]}"; do
  command -v "$command" >/dev/null 2>&1 || missing+=("${wanted[$command]}")
done
((${#missing[@]} == 0)) && exit 0

packages=$(printf '%s\n' "${missing[@]}" | sort -u | tr '\n' ' ')
if [[ $(id -u) -ne 0 ]]; then
  echo "The tests need Debian packages that are missing: ${packages}" >&2
  echo "Install them (sudo apt-get install -y ${packages}) and run again." >&2
  exit 1
fi
echo "installing the programs the tests drive: ${packages}"
# Installing must not start the packages' own daemons (nginx on :80, a system prometheus).
if [[ ! -e /usr/sbin/policy-rc.d ]]; then
  printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
  chmod +x /usr/sbin/policy-rc.d
fi
apt-get update -qq
# shellcheck disable=SC2086 # one word per package
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $packages >/dev/null

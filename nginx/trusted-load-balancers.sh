#!/bin/sh
# Run by the nginx image's entrypoint (as /docker-entrypoint.d/25-trusted-load-balancers.sh)
# before nginx starts. Writes conf.d/trusted-load-balancers.conf from TRUSTED_LOAD_BALANCERS:
# the addresses or CIDRs (comma or space separated) of load balancers in front of nginx whose
# X-Forwarded-For is believed. Empty (the default): nobody's is, and the connection's address
# is the client. Behind a load balancer, naming it gives every client its own address, so its
# own rate-limit bucket and its own entries in auth_logs (docs/operations.md).
#
# nginx's set_real_ip_from takes no variables and templates cannot repeat a line, hence a
# script. real_ip_recursive: the client is the right-most address that is not a trusted load
# balancer, so a client cannot choose its address by sending its own X-Forwarded-For.
set -eu
set -f

out="${NGINX_ENVSUBST_OUTPUT_DIR:-/etc/nginx/conf.d}/trusted-load-balancers.conf"
entries=$(printf '%s' "${TRUSTED_LOAD_BALANCERS:-}" | tr ',' ' ')

body=""
for entry in $entries; do
  if ! printf '%s\n' "$entry" | grep -Eq '^([0-9]{1,3}(\.[0-9]{1,3}){3}(/[0-9]{1,2})?|[0-9A-Fa-f]*:[0-9A-Fa-f:.]*(/[0-9]{1,3})?)$'; then
    echo "nginx: TRUSTED_LOAD_BALANCERS: \"$entry\" is not an IP address or CIDR (for example 10.0.0.0/8 or 192.0.2.10)" >&2
    exit 1
  fi
  body="${body}set_real_ip_from ${entry};
"
done

{
  echo "# Written when the container starts, from TRUSTED_LOAD_BALANCERS (nginx/trusted-load-balancers.sh)."
  if [ -z "$body" ]; then
    echo "# Empty: no load balancer is trusted; a client's own X-Forwarded-For is ignored."
  else
    printf '%s' "$body"
    echo "real_ip_header X-Forwarded-For;"
    echo "real_ip_recursive on;"
  fi
} >"$out.tmp"
mv "$out.tmp" "$out"
# shellcheck disable=SC2086 # one word per entry, separators squeezed
set -- $entries
echo "nginx: trusted load balancers: ${*:-none}"

#!/bin/sh
# Makes sure nginx has a certificate, then hands over to the image's own entrypoint (which
# renders /etc/nginx/templates into conf.d and starts nginx).
#
# TLS_CERT_DIR holds fullchain.pem and privkey.pem. In development it is a named volume and,
# on the first start, gets a self-signed certificate for localhost (kept across restarts, so
# a browser exception stays valid). In production (TLS_SELF_SIGNED=0) the real certificates
# are mounted there and a missing one stops the container instead of serving a wrong one.
set -eu

dir="${TLS_CERT_DIR:-/etc/nginx/certs}"
cert="$dir/fullchain.pem"
key="$dir/privkey.pem"

if [ ! -s "$cert" ] || [ ! -s "$key" ]; then
  if [ "${TLS_SELF_SIGNED:-1}" != "1" ]; then
    echo "nginx: no certificate: $cert and $key must exist (mount the real ones; TLS_SELF_SIGNED=0)" >&2
    exit 1
  fi
  echo "nginx: no certificate in $dir: generating a self-signed one for localhost (development only)"
  mkdir -p "$dir"
  umask 077
  openssl req -x509 -newkey rsa:2048 -sha256 -nodes -days 825 \
    -subj "/CN=localhost" \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
    -addext "extendedKeyUsage=serverAuth" \
    -keyout "$key.tmp" -out "$cert.tmp" 2>/dev/null
  mv "$key.tmp" "$key"
  mv "$cert.tmp" "$cert"
  chmod 644 "$cert"
fi

# The image's entrypoint (NGINX_ENTRYPOINT only exists for the tests, which run this on the host).
exec "${NGINX_ENTRYPOINT:-/docker-entrypoint.sh}" "$@"

#!/bin/sh
# Development only: makes the Ingress's certificate, a self-signed one for TLS_HOST, and
# stores it as the kubernetes.io/tls Secret TLS_SECRET, through the Kubernetes API with this
# pod's service account (allowed to read that one Secret and to create Secrets, nothing else).
# A Secret that exists is kept, so a browser's exception stays valid across re-applies.
# No cert-manager needed: openssl and curl are in the project's nginx image.
set -eu

api=https://kubernetes.default.svc
account=/var/run/secrets/kubernetes.io/serviceaccount
namespace=$(cat "$account/namespace")
token=$(cat "$account/token")
secret="${TLS_SECRET:?TLS_SECRET is required}"
host="${TLS_HOST:?TLS_HOST is required}"
work=$(mktemp -d)

call() { # method path [body file] -> prints the HTTP status, the answer in $work/answer
  curl -sS --cacert "$account/ca.crt" -H "Authorization: Bearer $token" \
    -H 'Content-Type: application/json' -X "$1" ${3:+--data-binary "@$3"} \
    -o "$work/answer" -w '%{http_code}' "$api/api/v1/namespaces/$namespace/secrets$2"
}

status=$(call GET "/$secret")
case "$status" in
  200) echo "tls: Secret $secret exists; kept"; exit 0 ;;
  404) ;;
  *) echo "tls: reading Secret $secret answered HTTP $status: $(cat "$work/answer")" >&2; exit 1 ;;
esac

echo "tls: making a self-signed certificate for $host (development only)"
umask 077
openssl req -x509 -newkey rsa:2048 -sha256 -nodes -days 825 \
  -subj "/CN=$host" \
  -addext "subjectAltName=DNS:$host" \
  -addext "extendedKeyUsage=serverAuth" \
  -keyout "$work/tls.key" -out "$work/tls.crt" 2>/dev/null
printf '{"apiVersion":"v1","kind":"Secret","type":"kubernetes.io/tls","metadata":{"name":"%s","labels":{"app.kubernetes.io/part-of":"cloud-backend"}},"data":{"tls.crt":"%s","tls.key":"%s"}}' \
  "$secret" "$(base64 -w0 <"$work/tls.crt")" "$(base64 -w0 <"$work/tls.key")" >"$work/secret.json"

status=$(call POST "" "$work/secret.json")
case "$status" in
  201) echo "tls: Secret $secret created" ;;
  409) echo "tls: Secret $secret was created meanwhile; kept" ;;
  *) echo "tls: creating Secret $secret answered HTTP $status: $(cat "$work/answer")" >&2; exit 1 ;;
esac
rm -rf "$work"

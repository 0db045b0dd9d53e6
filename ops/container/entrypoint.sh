#!/bin/sh
# The image's entrypoint (Dockerfile): `serve` (the default) waits for the database, applies the
# migrations (PostgreSQL: under an advisory lock, so instances starting together do not race),
# creates the first admin when REGISTRY_FIRST_ADMIN_ID is set (idempotent), then execs Granian, which
# takes SIGTERM: requests in flight finish, the query log is flushed, exit 0.
# Any other arguments run that `registry` command: `sweep`, `audit verify`, `accounts create ...`.
set -eu
if [ "${1:-serve}" != serve ]; then
    exec registry "$@"
fi
[ "$#" -gt 0 ] && shift

wait_seconds=${REGISTRY_DB_WAIT_SECONDS:-60}
started=$(date +%s)
until registry db upgrade; do
    if [ $(( $(date +%s) - started )) -ge "$wait_seconds" ]; then
        echo "registry-entrypoint: database not reachable in ${wait_seconds} s; giving up" >&2
        exit 1
    fi
    echo "registry-entrypoint: database not ready; retrying in 2 s" >&2
    sleep 2
done

if [ -n "${REGISTRY_FIRST_ADMIN_ID:-}" ]; then
    registry accounts first-admin
fi

exec registry serve --host "${REGISTRY_HOST:-0.0.0.0}" --port "${REGISTRY_PORT:-8000}" \
    --workers "${REGISTRY_WORKERS:-2}" "$@"

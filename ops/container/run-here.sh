#!/bin/bash
# Run the built image on this machine without a container runtime, against its own PostgreSQL and
# Redis, end to end:
#
#   ops/container/build.sh && ops/container/run-here.sh [IMAGE]
#
# This sandbox refuses the rlimits an OCI runtime sets, so `podman run` fails here. Instead the
# image's root file system (`podman image mount`) is entered with chroot, with the image's own
# environment, user and entrypoint: it waits for the database, migrates a fresh database
# (registry_container, dropped first), makes the first admin from REGISTRY_FIRST_ADMIN_ID /
# REGISTRY_FIRST_ADMIN_SECRET_FILE, serves on PORT (default 18000) with 2 workers; the script waits
# for /health/ready to be green, gets the admin a token, then sends SIGTERM and expects exit 0.
# Needs root, podman, psql and curl. PG (default postgresql://postgres@127.0.0.1:5432) and REDIS
# (default redis://127.0.0.1:6379/0) name the services; the image reaches them on the host network.
set -euo pipefail
IMAGE=${1:-localhost/registry:latest}
PG=${PG:-postgresql://postgres@127.0.0.1:5432}
REDIS=${REDIS:-redis://127.0.0.1:6379/0}
DB=${DB:-registry_container}
PORT=${PORT:-18000}
start=$(date +%s)

work=$(mktemp -d /var/tmp/registry-run.XXXXXX)
root=$(podman image mount "$IMAGE")
server=
mounts=()
cleanup() {
    if [ -n "$server" ] && kill -0 "$server" 2>/dev/null; then kill -KILL "$server" || true; fi
    for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do umount "${mounts[$i]}" || true; done
    podman image unmount "$IMAGE" >/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

# what a container runtime would give: /proc, /dev, a writable /tmp and the keys volume
mount -t proc proc "$root/proc" && mounts+=("$root/proc")
mount --bind /dev "$root/dev" && mounts+=("$root/dev")
mount -t tmpfs tmpfs "$root/tmp" && mounts+=("$root/tmp")
uid=$(awk -F: '$1 == "registry" {print $3}' "$root/etc/passwd")
gid=$(awk -F: '$1 == "registry" {print $3}' "$root/etc/group")
# the image is mounted read-only: the admin's secret file goes into the data volume here (compose
# mounts it as a secret, /run/secrets/admin_secret)
mkdir -p "$work/data/keys"
openssl rand -base64 32 > "$work/data/admin.secret"
chown -R "$uid:$gid" "$work/data"
chmod 600 "$work/data/admin.secret"
mount --bind "$work/data" "$root/var/lib/registry" && mounts+=("$root/var/lib/registry")

echo "== fresh database $DB" >&2
psql -q "$PG/postgres" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB"

# the image's environment (Dockerfile ENV), then the deployment's
mapfile -t image_env < <(podman image inspect --format '{{range .Config.Env}}{{println .}}{{end}}' "$IMAGE" | sed '/^$/d')
deploy_env=(
    "REGISTRY_DATABASE_URL=${PG/postgresql:/postgresql+asyncpg:}/$DB"
    "REGISTRY_REDIS_URL=$REDIS"
    "REGISTRY_REDIS_PREFIX=registry-container:"
    "REGISTRY_KEY_PASSPHRASE=$(openssl rand -hex 24)"
    "REGISTRY_PERSON_ID_KEY=$(openssl rand -hex 32)"
    "REGISTRY_FIRST_ADMIN_ID=ops-admin"
    "REGISTRY_FIRST_ADMIN_SECRET_FILE=/var/lib/registry/admin.secret"
    "REGISTRY_PORT=$PORT"
    "REGISTRY_WORKERS=2"
    "REGISTRY_ACCESS_LOG=1"
)
log="$work/serve.log"
echo "== entrypoint in chroot $root (log: $log)" >&2
env -i "${image_env[@]}" "${deploy_env[@]}" \
    chroot --userspec="$uid:$gid" "$root" /bin/sh -c 'cd /var/lib/registry && exec registry-entrypoint serve' \
    >"$log" 2>&1 &
server=$!

ready=
for _ in $(seq 1 120); do
    if ! kill -0 "$server" 2>/dev/null; then break; fi
    if body=$(curl -fsS "http://127.0.0.1:$PORT/health/ready" 2>/dev/null); then ready=$body; break; fi
    sleep 0.5
done
cat "$log" >&2
if [ -z "$ready" ]; then
    echo "== NOT READY" >&2
    exit 1
fi
echo "== /health/ready: $ready" >&2
echo "$ready" | grep -q '"status":"ok"'

secret=$(cat "$work/data/admin.secret")
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$PORT/api/v1/auth/token" \
    --data-urlencode grant_type=client_credentials --data-urlencode client_id=ops-admin \
    --data-urlencode "client_secret=$secret")
echo "== first admin signs in: HTTP $code" >&2
[ "$code" = 200 ]

kill -TERM "$server"
status=0
wait "$server" || status=$?
server=
echo "== SIGTERM: exit $status" >&2
tail -n 4 "$log" >&2
[ "$status" = 0 ]
echo "== OK: image $IMAGE ($(podman image inspect --format '{{.Size}}' "$IMAGE") bytes) served and stopped in $(( $(date +%s) - start )) s" >&2

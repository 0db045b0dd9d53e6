#!/bin/bash
# End to end on this machine: build the image from Debian's packages, run it in a chroot against the
# local PostgreSQL and Redis until /health/ready is green and the first admin signs in, stop it with
# SIGTERM, and check compose.yaml with `podman-compose config`.
#
#   ops/container/e2e.sh            (as root; debootstrap, podman, psql, curl: Debian packages)
#
# Debian bookworm's podman-compose (1.0.3) has no `config`; a newer one (PyPI) is put in
# var/tools/podman-compose when that is so.
set -euo pipefail
cd "$(dirname "$0")/../.."
ops/container/build.sh "${IMAGE:-localhost/registry:latest}"
ops/container/run-here.sh "${IMAGE:-localhost/registry:latest}"

compose=podman-compose
if ! podman-compose config --help >/dev/null 2>&1; then
    [ -x var/tools/podman-compose/bin/podman-compose ] || {
        python3 -m venv var/tools/podman-compose
        var/tools/podman-compose/bin/pip install --quiet podman-compose
    }
    compose=var/tools/podman-compose/bin/podman-compose
fi
secret_made=
if [ ! -f secrets/admin.secret ]; then
    mkdir -p secrets && openssl rand -base64 32 > secrets/admin.secret && secret_made=1
fi
POSTGRES_PASSWORD=check REGISTRY_KEY_PASSPHRASE=check REGISTRY_PERSON_ID_KEY=$(printf '%064d' 0) \
    "$compose" config >/dev/null
[ -z "$secret_made" ] || rm -f secrets/admin.secret
echo "== compose.yaml: $compose config OK" >&2

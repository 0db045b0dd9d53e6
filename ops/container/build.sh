#!/bin/sh
# Build the registry image with podman from Debian's packages alone (no container registry needed).
#
#   ops/container/build.sh [IMAGE]            default IMAGE: localhost/registry:latest
#
# 1. The base image: `debootstrap --variant=minbase bookworm` with Python 3.11 (Debian's python3),
#    imported with `podman import` as $BASE (default localhost/registry-base:bookworm); skipped when
#    that image exists (REBUILD_BASE=1 makes it again).
# 2. A wheelhouse of the project and its dependencies, made on this machine with its own pip
#    settings (var/wheels), so the image build needs no package index.
# 3. `podman build --isolation chroot --format docker --build-arg BASE=$BASE --build-arg WHEELS=var/wheels`.
# Elsewhere, with a registry reachable: `docker build .` (BASE defaults to debian:bookworm-slim and
# the build installs from PyPI). Needs root (debootstrap), debootstrap and podman (Debian packages).
set -eu
cd "$(dirname "$0")/../.."
IMAGE=${1:-localhost/registry:latest}
BASE=${BASE:-localhost/registry-base:bookworm}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
PYTHON=${PYTHON:-python3}
start=$(date +%s)

if [ "${REBUILD_BASE:-0}" = 1 ] || ! podman image exists "$BASE"; then
    root=$(mktemp -d /var/tmp/registry-base.XXXXXX)
    trap 'rm -rf "$root"' EXIT
    echo "== debootstrap bookworm into $root" >&2
    debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates,tzdata \
        bookworm "$root" "$MIRROR" >&2
    # what an image does not need: package caches and lists, documentation
    rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* \
        "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/info/*
    echo "== podman import $BASE" >&2
    tar -C "$root" -c . | podman import --change 'CMD ["/bin/bash"]' - "$BASE" >&2
    rm -rf "$root"
    trap - EXIT
fi
echo "== base: $BASE ($(podman image inspect --format '{{.Size}}' "$BASE") bytes)" >&2

echo "== wheelhouse var/wheels" >&2
rm -rf var/wheels
mkdir -p var/wheels
# the base's Python is Debian's 3.11.2: redis-py needs async-timeout below 3.11.3, which a newer
# Python here would not fetch by itself
"$PYTHON" -m pip wheel --quiet --wheel-dir var/wheels . 'async-timeout>=4.0.3' >&2

echo "== podman build $IMAGE" >&2
podman build --isolation chroot --format docker --build-arg BASE="$BASE" --build-arg WHEELS=var/wheels -t "$IMAGE" -f Dockerfile . >&2
# the build stage and the image this one replaced, now untagged (only this project's, by label)
podman image prune -f --filter label=registry.stage >/dev/null
echo "== built $IMAGE: $(podman image inspect --format '{{.Size}}' "$IMAGE") bytes in $(( $(date +%s) - start )) s" >&2

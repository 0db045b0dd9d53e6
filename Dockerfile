# The registry image. Built for real on the development machine by ops/container/build.sh, which
# makes the base from Debian's packages (debootstrap bookworm + podman import) and a wheelhouse, then
# `podman build --isolation chroot --build-arg BASE=localhost/registry-base:bookworm --build-arg WHEELS=var/wheels`.
# Elsewhere `docker build .` (or `podman build .`) takes debian:bookworm-slim and PyPI.
ARG BASE=docker.io/library/debian:bookworm-slim

FROM ${BASE} AS build
LABEL registry.stage=build
# Debian's Python 3.11: already in the debootstrap base, installed here on a stock Debian image
RUN python3 -c "import ensurepip" 2>/dev/null || (apt-get update \
      && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3 python3-venv ca-certificates \
      && rm -rf /var/lib/apt/lists/*)
# a wheelhouse (no package index needed) or, by default, an empty folder: then pip uses PyPI
ARG WHEELS=ops/container/no-wheels
COPY ${WHEELS} /wheels
COPY pyproject.toml README.md /src/
COPY registry /src/registry
RUN python3 -m venv /opt/registry \
    && if ls /wheels/*.whl >/dev/null 2>&1; then \
         /opt/registry/bin/pip install --no-cache-dir --no-index --find-links /wheels registry; \
       else /opt/registry/bin/pip install --no-cache-dir /src; fi \
    && find /opt/registry -name __pycache__ -prune -exec rm -rf {} + \
    && /opt/registry/bin/python -m compileall -q /opt/registry/lib

FROM ${BASE}
LABEL registry.stage=final org.opencontainers.image.title=registry
RUN command -v python3 >/dev/null || (apt-get update \
      && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3 ca-certificates tzdata \
      && rm -rf /var/lib/apt/lists/*)
ENV PATH=/opt/registry/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 LANG=C.UTF-8 \
    REGISTRY_ENV=production REGISTRY_DATA_DIR=/var/lib/registry REGISTRY_KEYS_DIR=/var/lib/registry/keys \
    REGISTRY_LOG_JSON=1
RUN groupadd --system registry && useradd --system --gid registry --home-dir /var/lib/registry registry \
    && mkdir -p /var/lib/registry/keys && chown -R registry:registry /var/lib/registry
COPY --from=build /opt/registry /opt/registry
COPY ops/container/entrypoint.sh /usr/local/bin/registry-entrypoint
USER registry
WORKDIR /var/lib/registry
VOLUME /var/lib/registry/keys
EXPOSE 8000
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
  CMD python3 -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/health/live', timeout=2).status == 200 else 1)"
# waits for the database, migrates (under a PostgreSQL advisory lock), makes the first admin from
# REGISTRY_FIRST_ADMIN_ID / REGISTRY_FIRST_ADMIN_SECRET_FILE when set, then serves; other commands:
# `docker run IMAGE sweep`, `... audit verify` (any `registry` command)
ENTRYPOINT ["registry-entrypoint"]
CMD ["serve"]

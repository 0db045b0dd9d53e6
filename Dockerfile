# Not built on the development machine (no Docker engine there); kept correct by reading.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY registry ./registry
RUN pip install --no-cache-dir --prefix=/install .

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    REGISTRY_ENV=production REGISTRY_DATA_DIR=/var/lib/registry REGISTRY_KEYS_DIR=/var/lib/registry/keys \
    REGISTRY_LOG_JSON=1
RUN groupadd --system registry && useradd --system --gid registry --home /var/lib/registry registry \
    && mkdir -p /var/lib/registry/keys && chown -R registry:registry /var/lib/registry
COPY --from=build /install /usr/local
USER registry
WORKDIR /var/lib/registry
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/health/live', timeout=2).status == 200 else 1)"
# migrations run before the workers start; the app refuses to serve an unmigrated database
CMD ["sh", "-c", "registry db upgrade && exec registry serve --host 0.0.0.0 --port 8000 --workers ${REGISTRY_WORKERS:-2}"]

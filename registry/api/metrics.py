"""``GET /metrics``: Prometheus text format for operators (DESIGN section 6).

- ``registry_http_requests_total{route,method,status}`` and
  ``registry_http_request_duration_seconds{route}`` (a histogram): every HTTP request, counted by a
  raw ASGI wrapper around the whole app, labelled by the route's template
  (``/api/v1/enterprises/{uscc:str}``, never the path itself: a label per USCC would be millions of
  series); ``unmatched`` for a path no route serves.
- ``registry_partner_answers_signed_total{kind}``: signatures made (status, nonce, batch, changes,
  change); ``registry_partner_cache_total{result}``: status GETs answered from the pre-produced
  answers (``hit``) or built (``miss``).
- ``registry_query_log_unwritten``, ``registry_query_log_max_pending``,
  ``registry_query_log_refused_total``: the partner query records waiting to be written (DESIGN 5).
- ``registry_change_listener_up{channel}``: whether the worker hears of changes (``notify``: the
  PostgreSQL LISTEN connection; ``data_version``: SQLite, always 1, answers look at the file).

Counts are per process: with several Granian workers each answers the scrape it receives. The
service's counts are plain integers read at scrape time (a custom collector), and the request
wrapper keeps each label set's counter and histogram, so the hot path pays a dictionary look-up,
an increment and an observation (measured in bench/RESULTS.md).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from litestar import Response, get
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from registry.domain.container import Services

#: seconds; the partner answers are sub-millisecond in process, batches and imports take seconds
BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
#: label sets kept at most (routes x methods x statuses is some hundreds); beyond, "other"
MAX_SERIES = 2000


class _ServiceCollector(Collector):
    """What the services count, read when scraped."""

    def __init__(self, services: Services) -> None:
        self.services = services

    def collect(self) -> Iterator[Metric]:
        partners = self.services.partners
        counts = partners.counts
        signed = CounterMetricFamily(
            "registry_partner_answers_signed", "Signed partner answers made, by kind", labels=["kind"]
        )
        for name, value in counts.items():
            if name.startswith("signed_"):
                signed.add_metric([name.removeprefix("signed_")], value)
        yield signed
        cache = CounterMetricFamily(
            "registry_partner_cache",
            "Partner status GETs answered from the pre-produced answers (hit) or built (miss)",
            labels=["result"],
        )
        cache.add_metric(["hit"], counts["cache_hit"])
        cache.add_metric(["miss"], counts["cache_miss"])
        yield cache
        state = partners.queries.state()
        yield GaugeMetricFamily(
            "registry_query_log_unwritten", "Partner query records waiting to be written", value=state["unwritten"]
        )
        yield GaugeMetricFamily(
            "registry_query_log_max_pending",
            "Query records kept unwritten before answers are refused",
            value=state["max_pending"],
        )
        yield CounterMetricFamily(
            "registry_query_log_refused",
            "Partner answers refused because the query log was full",
            value=state["refused"],
        )
        freshness = partners.freshness
        listener = GaugeMetricFamily(
            "registry_change_listener_up",
            "Whether this worker hears of changes (notify: PostgreSQL LISTEN; data_version: SQLite file)",
            labels=["channel"],
        )
        listener.add_metric([freshness.channel], 1 if freshness.hears_changes else 0)
        yield listener


class Metrics:
    def __init__(self, services: Services) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self._requests = Counter(
            "registry_http_requests",
            "HTTP requests answered, by route template, method and status",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self._latency = Histogram(
            "registry_http_request_duration_seconds",
            "Time to answer an HTTP request, by route template",
            ["route"],
            buckets=BUCKETS,
            registry=self.registry,
        )
        self.registry.register(_ServiceCollector(services))
        self._series: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    def observe(self, route: str, method: str, status: int, seconds: float) -> None:
        key = (route, method, status)
        series = self._series.get(key)
        if series is None:
            if method not in METHODS:
                method = "other"
            if len(self._series) >= MAX_SERIES:
                route = "other"
            series = (self._requests.labels(route, method, str(status)), self._latency.labels(route))
            if len(self._series) < MAX_SERIES:
                self._series[key] = series
        series[0].inc()
        series[1].observe(seconds)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


def metrics_middleware(app: ASGIApp, metrics: Metrics) -> ASGIApp:
    """Counts and times every HTTP request, labelled by the route template the router found."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500  # an exception that escaped every handler

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await app(scope, receive, send_status)
        finally:
            route = scope.get("path_template") or "unmatched"
            metrics.observe(route, scope["method"], status, time.perf_counter() - start)

    return middleware


#: the exposition format without its charset: Litestar adds "; charset=utf-8" to every text/* type
EXPOSITION = CONTENT_TYPE_LATEST.split("; charset")[0]


def metrics_handlers(metrics: Metrics) -> list[Any]:
    @get(
        "/metrics",
        tags=["ops"],
        summary="Prometheus 指标 / metrics",
        sync_to_thread=False,
        media_type=EXPOSITION,  # so the OpenAPI document states the text exposition format
    )
    def exposition() -> Response[bytes]:
        return Response(metrics.exposition(), media_type=EXPOSITION)

    return [exposition]

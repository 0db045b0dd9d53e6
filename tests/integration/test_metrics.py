"""``GET /metrics`` (DESIGN section 6, ops): Prometheus text that counts what was answered, by route
template, and what the partner service did (signatures, cache hits), the query log's backlog and
whether the worker hears of changes."""

from __future__ import annotations

from typing import Any

import httpx
from prometheus_client import CONTENT_TYPE_LATEST
from prometheus_client.parser import text_string_to_metric_families

from tests.integration import support as t
from tests.integration.test_partner_api import STATUS, partner, status

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


async def scrape(client: httpx.AsyncClient) -> Samples:
    r = await client.get("/metrics")
    assert r.status_code == 200
    assert r.headers["content-type"] == CONTENT_TYPE_LATEST  # the exposition format, its charset once
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(r.text)
        for s in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


async def test_metrics_count_answers_by_route_signatures_cache_and_queue(
    client: httpx.AsyncClient, services: Any
) -> None:
    bureau = await t.bureau(client, services)
    uscc = (await t.create(client, bureau))["uscc"]
    _, h = await partner(client, services, "mof")
    before = await scrape(client)
    await status(client, h, uscc)  # built and signed
    await status(client, h, uscc)  # the same answer again, from the cache
    await status(client, h, uscc, nonce="metrics-nonce-1")  # signed for the request
    refused = await client.get(f"{STATUS}/{uscc}")  # no token: the app's own 401
    assert refused.status_code == 401
    after = await scrape(client)

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    route = {"route": "/api/v1/partner/status/{uscc}", "method": "GET"}
    assert grew("registry_http_requests_total", **route, status="200") == 3
    assert grew("registry_http_requests_total", **route, status="401") == 1
    assert grew("registry_http_request_duration_seconds_count", route=route["route"]) == 4
    assert grew("registry_http_request_duration_seconds_bucket", route=route["route"], le="+Inf") == 4
    # the USCC is no label: one series per route, not per subject
    assert not any(uscc in str(key) for key in after)
    assert grew("registry_partner_answers_signed_total", kind="status") == 1
    assert grew("registry_partner_answers_signed_total", kind="nonce") == 1
    assert grew("registry_partner_cache_total", result="hit") == 2  # the second GET and the nonce one
    assert grew("registry_partner_cache_total", result="miss") == 1
    assert ("registry_query_log_unwritten", ()) in after
    assert value(after, "registry_query_log_max_pending") == services.settings.database.query_log_max_pending
    channel = "notify" if services.db.dialect == "postgresql" else "data_version"
    assert value(after, "registry_change_listener_up", channel=channel) == 1
    # a path no route serves is counted as such, not by its path
    assert (await client.get("/no/such/path")).status_code == 404
    last = await scrape(client)
    assert value(last, "registry_http_requests_total", route="unmatched", method="GET", status="404") >= 1
    assert value(last, "registry_http_requests_total", route="/metrics", method="GET", status="200") >= 2

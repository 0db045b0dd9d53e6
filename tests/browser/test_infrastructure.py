"""The harness itself: the service answers and Debian's Chromium renders a page of it."""

from __future__ import annotations

from typing import Any

import httpx

from tests.browser.conftest import ARTIFACTS, Demo, Server


def test_service_is_ready(http: httpx.Client) -> None:
    answer = http.get("/health/ready")
    assert answer.status_code == 200
    assert answer.json()["status"] == "ok"


def test_browser_renders_the_api_docs(page: Any, server: Server) -> None:
    # the API docs page fetches its viewer from a CDN this machine may not reach: the document is enough
    response = page.goto("/schema", wait_until="domcontentloaded")
    assert response is not None
    assert response.status == 200
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "schema.png"))
    assert page.title()


def test_demo_data_has_every_case(demo: Demo) -> None:
    assert demo.listed.decision_no
    assert demo.person_masks, "the listed unit's persons are listed with it"
    assert {"removed-early", "removed-court", "removed-correction", "removed-expiry", "proposed", "notified"} <= set(
        demo.hidden
    )

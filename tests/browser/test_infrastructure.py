"""The harness itself: the service answers and Debian's Chromium renders a page of it."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS, SCREENSHOTS, Demo, Server


def test_service_is_ready(http: httpx.Client) -> None:
    answer = http.get("/health/ready")
    assert answer.status_code == 200
    assert answer.json()["status"] == "ok"


@pytest.mark.parametrize("path", ["/schema", "/schema/swagger"])
def test_api_docs_render_with_no_other_host_reachable(browser: Any, server: Server, path: str) -> None:
    """The network is off for every host but the app: Swagger UI still draws the operation list,
    because its files are served by the app (no CDN), and the page asks no other host for anything."""
    context = browser.new_context(base_url=server.base_url, viewport={"width": 1280, "height": 900})
    outside: list[str] = []

    def only_the_app(route: Any) -> None:
        if route.request.url.startswith(server.base_url + "/"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort("internetdisconnected")

    try:
        context.route("**/*", only_the_app)
        page = context.new_page()
        response = page.goto(path)
        assert response is not None
        assert response.status == 200
        operations = page.locator(".swagger-ui .opblock")
        expect(operations.first).to_be_visible(timeout=20_000)
        assert operations.count() > 20, "the operation list is not drawn"
        expect(page.locator(".swagger-ui .opblock-summary-path", has_text="/api/v1/auth/token").first).to_be_visible()
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"schema{path.replace('/', '-')}.png"))
        if path == "/schema":
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / "api-docs-offline.png"))
        assert not outside, f"the docs asked other hosts: {outside}"
    finally:
        context.close()


def test_footer_link_to_the_api_docs_works_offline(page: Any) -> None:
    page.goto("/")
    link = page.locator("footer a", has_text="接口文档")
    expect(link).to_have_attribute("href", "/schema")
    with page.expect_navigation() as navigation:
        link.click()
    assert navigation.value.status == 200
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible(timeout=20_000)


def test_demo_data_has_every_case(demo: Demo) -> None:
    assert demo.listed.decision_no
    assert demo.person_masks, "the listed unit's persons are listed with it"
    assert {"removed-early", "removed-court", "removed-correction", "removed-expiry", "proposed", "notified"} <= set(
        demo.hidden
    )

"""Security headers (defence in depth) on every page and answer; HSTS only over TLS."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import httpx
import pytest

from registry.api.pages import TEMPLATES
from registry.app import create_app
from tests import factories as f
from tests.conftest import running
from tests.integration import support as t

STRICT_CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)


def assert_protected(r: httpx.Response, *, tls: bool = False, csp: str = STRICT_CSP) -> None:
    h = r.headers
    assert h["content-security-policy"] == csp, (r.url, h.get("content-security-policy"))
    assert h["x-content-type-options"] == "nosniff"
    assert h["x-frame-options"] == "DENY"
    assert h["referrer-policy"] == "no-referrer"
    if tls:
        assert h["strict-transport-security"] == "max-age=31536000"
    else:
        assert "strict-transport-security" not in h, r.url
    # each once: the middleware adds, nobody else sets them
    for name in ("content-security-policy", "x-frame-options"):
        assert len(h.get_list(name)) == 1


async def test_pages_and_answers_carry_the_headers(client, services):
    h = await t.bureau(client, services)
    uscc = (await t.create(client, h))["uscc"]
    partner = await f.headers(client, services, "partner", department="mem")
    answers = [
        await client.get("/"),
        await client.get("/", params={"q": uscc}),
        await client.get(f"/enterprises/{uscc}"),
        await client.get("/enterprises/not-a-code"),  # an error page
        await client.get("/verify"),
        await client.post("/verify", files={"answer": (None, "{}")}),
        await client.get("/static/site.css"),
        await client.get("/api/v1/public/enterprises", params={"q": uscc}),
        await client.get(f"/api/v1/public/enterprises/{uscc}"),
        await client.get(f"/api/v1/partner/status/{uscc}", headers=partner),  # the raw hot-path route
        await client.get(f"/api/v1/partner/status/{uscc}"),  # its 401
        await client.get("/api/v1/enterprises", headers=h),
        await client.get("/.well-known/jwks.json"),
        await client.get("/api/v1/log/checkpoint"),
        await client.get("/no/such/path"),  # the router's own 404
        await client.delete("/.well-known/jwks.json"),  # and 405
        await client.post("/api/v1/auth/token", data={"grant_type": "client_credentials"}),
    ]
    assert [r.status_code for r in answers][:3] == [200, 200, 200]
    for r in answers:
        assert_protected(r)


async def test_the_docs_may_run_their_scripts_but_not_be_framed(client):
    docs_csp = (
        "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; base-uri 'none'; frame-ancestors 'none'"
    )
    for path in ("/schema", "/schema/swagger", "/schema/openapi.json"):
        r = await client.get(path)
        assert r.status_code == 200, path
        assert_protected(r, csp=docs_csp)


async def test_the_docs_load_swagger_ui_from_the_app_itself(client):
    """No CDN: every script, style and icon the docs page names is served here, pinned."""
    for path in ("/schema", "/schema/swagger"):
        page = (await client.get(path)).text
        assets = re.findall(r"""(?:src|href)=["']([^"']+)["']""", page)
        assert len(assets) == 4, assets  # the bundle, the preset, the stylesheet, the icon
        for asset in assets:
            assert re.fullmatch(r"/static/swagger-ui-\d+\.\d+\.\d+/[\w.-]+", asset), asset
            served = await client.get(asset)
            assert served.status_code == 200, asset
            assert len(served.content) > 500, asset


async def test_hsts_only_over_tls(app, settings, clock):
    transport = httpx.ASGITransport(app=app, client=(t.address(), 443))
    async with httpx.AsyncClient(transport=transport, base_url="https://registry.example") as tls:
        assert_protected(await tls.get("/"), tls=True)
        assert_protected(await tls.get("/api/v1/log/checkpoint"), tls=True)
    # a claim of TLS from an untrusted peer changes nothing
    async with t.client_at(app, t.address()) as plain:
        assert_protected(await plain.get("/", headers={"X-Forwarded-Proto": "https"}))
    # behind a trusted proxy that terminated TLS
    proxied = create_app(dataclasses.replace(settings, trusted_proxies=("127.0.0.1",)), clock=clock)
    async with running(proxied), t.client_at(proxied, "127.0.0.1") as nginx:
        assert_protected(await nginx.get("/", headers={"X-Forwarded-Proto": "https"}), tls=True)
        assert_protected(await nginx.get("/", headers={"X-Forwarded-Proto": "http"}))
        assert_protected(await nginx.get("/"))


@pytest.mark.parametrize("template", sorted(p.name for p in Path(TEMPLATES).glob("*.html")))
def test_templates_need_nothing_the_policy_forbids(template: str) -> None:
    """No script, no inline style, no event handler attributes, nothing from elsewhere: what the
    strict Content-Security-Policy would block must not be in a page."""
    text = (Path(TEMPLATES) / template).read_text(encoding="utf-8")
    assert not re.search(r"<script|<style|<iframe|<object|<embed", text, re.IGNORECASE)
    assert not re.search(r"\sstyle\s*=|\son[a-z]+\s*=", text, re.IGNORECASE)
    assert not re.search(r"(src|href)\s*=\s*[\"']?(https?:)?//", text, re.IGNORECASE)
    assert "javascript:" not in text.lower()

"""Input that answered 500 (issue 18 item 6): JSON nested 1,000 deep and NUL or control characters in
the token request's credentials are 4xx problem+json naming the rule; NUL in JSON string fields
(already refused by their validators, kept here with the rest) and, behind all of them, a NUL the
database refuses is a 400, never a 500. NUL in query strings: tests/integration/test_fuzz_facts.py."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from litestar import Request

from registry.api.problems import HANDLERS
from tests import factories as f
from tests.integration import support as t

TOKEN = "/api/v1/auth/token"
LIMIT = 64


def nested(levels: int) -> bytes:
    """``{"a": [[[ ... ]]]}``: ``levels`` arrays and objects, innermost empty."""
    return b'{"a":' + b"[" * (levels - 1) + b"]" * (levels - 1) + b"}"


@pytest.fixture
async def h(client, services):
    return await t.bureau(client, services)


@pytest.mark.parametrize("path", ["/api/v1/events", "/api/v1/rules/evaluate", "/api/v1/enterprises"])
async def test_json_nested_a_thousand_deep_is_400_stating_the_limit(client, services, h, path):
    before = await t.counts(services)
    r = await client.post(path, content=nested(1000), headers={**h, "Content-Type": "application/json"})
    body = t.assert_problem(r, 400, "malformed_body")
    assert body["limit"] == "max_json_depth"
    assert body["limit_value"] == LIMIT
    assert str(LIMIT) in body["detail"]
    assert await t.counts(services) == before


async def test_json_at_the_depth_limit_is_decoded_and_one_more_is_not(client, h):
    at = await client.post(
        "/api/v1/enterprises", content=nested(LIMIT), headers={**h, "Content-Type": "application/json"}
    )
    t.assert_problem(at, 422, "validation_failed")  # decoded, then refused for its shape
    over = await client.post(
        "/api/v1/enterprises", content=nested(LIMIT + 1), headers={**h, "Content-Type": "application/json"}
    )
    t.assert_problem(over, 400, "malformed_body")


async def test_brackets_inside_strings_do_not_count(client, h):
    body = {**f.enterprise(), "address": "[" * 100 + "{" * 100}
    r = await client.post("/api/v1/enterprises", json=body, headers=h)
    assert r.status_code == 201, r.text


def _form(cid: str, secret: str) -> dict[str, Any]:
    return {"data": {"grant_type": "client_credentials", "client_id": cid, "client_secret": secret}}


def _json(cid: str, secret: str) -> dict[str, Any]:
    return {"json": {"grant_type": "client_credentials", "client_id": cid, "client_secret": secret}}


def _basic(cid: str, secret: str) -> dict[str, Any]:
    raw = base64.b64encode(f"{cid}:{secret}".encode()).decode()
    return {"data": {"grant_type": "client_credentials"}, "headers": {"Authorization": f"Basic {raw}"}}


def _basic_escaped(cid: str, secret: str) -> dict[str, Any]:
    """RFC 6749 2.3.1 form-encodes the id and secret inside Basic: ``%00`` is a NUL too."""
    raw = base64.b64encode(f"{cid.replace(chr(0), '%00')}:{secret}".encode()).decode()
    return {"data": {"grant_type": "client_credentials"}, "headers": {"Authorization": f"Basic {raw}"}}


@pytest.mark.parametrize("how", [_form, _json, _basic], ids=["form", "json", "basic"])
@pytest.mark.parametrize(
    ("cid", "secret", "fld", "rule"),
    [
        ("bureau-\x00abc", "secret", "client_id", "vschar"),
        ("bureau-abc", "se\x00cret", "client_secret", "vschar"),
        ("bureau-\x01\x1fabc", "secret", "client_id", "vschar"),
        ("x" * 65, "secret", "client_id", "max_length"),
        ("bureau-abc", "s" * 257, "client_secret", "max_length"),
    ],
    ids=["nul-id", "nul-secret", "control-id", "long-id", "long-secret"],
)
async def test_malformed_credentials_are_invalid_request_before_any_query(app, how, cid, secret, fld, rule):
    kwargs = how(cid, secret)
    async with t.client_at(app, t.address()) as c:
        r = await c.post(TOKEN, **kwargs)
    body = t.assert_field(r, fld, rule, status=400)
    assert body["error"] == "invalid_request"
    assert body["code"] == "invalid_request"
    assert "Traceback" not in r.text


async def test_nul_written_as_percent_00_inside_basic_is_invalid_request(app):
    async with t.client_at(app, t.address()) as c:
        r = await c.post(TOKEN, **_basic_escaped("bureau-\x00abc", "secret"))
    assert t.assert_field(r, "client_id", "vschar", status=400)["error"] == "invalid_request"


async def test_token_json_nested_deep_is_invalid_request(client):
    r = await client.post(TOKEN, content=nested(1000), headers={"Content-Type": "application/json"})
    body = t.assert_problem(r, 400, "invalid_request")
    assert body["error"] == "invalid_request"


async def test_good_credentials_still_work(client, services):
    cid, secret = await f.account(services, "bureau", level="county", division="410103")
    r = await client.post(TOKEN, **_form(cid, secret))
    assert r.status_code == 200, r.text


def _enterprise() -> dict[str, Any]:
    return {"path": "/api/v1/enterprises", "body": f.enterprise(address="路\x00号")}


def _hazard() -> dict[str, Any]:
    from tests.integration.test_events import event, hazard

    return {
        "path": "/api/v1/events",
        "body": event("major_hazard", {"type": "enterprise", "uscc": "@"}, hazard(description="液\x00氨")),
    }


def _source_document() -> dict[str, Any]:
    from tests.integration.test_events import event, hazard

    return {
        "path": "/api/v1/events",
        "body": event("major_hazard", {"type": "enterprise", "uscc": "@"}, hazard(), source_document="文\x00书"),
    }


def _person() -> dict[str, Any]:
    return {"path": "/api/v1/persons", "body": {"id_number": t.person_id(), "name": "张\x00三"}}


@pytest.mark.parametrize(
    "case",
    [_enterprise, _hazard, _source_document, _person],
    ids=["address", "description", "source_document", "person-name"],
)
async def test_nul_in_a_json_string_is_4xx_and_nothing_is_stored(client, services, h, case):
    made = case()
    body = made["body"]
    if body.get("subject", {}).get("uscc") == "@":
        body["subject"]["uscc"] = (await t.create(client, h))["uscc"]
    before = await t.counts(services)
    r = await client.post(made["path"], json=body, headers=h)
    assert 400 <= r.status_code < 500, r.text
    t.assert_problem(r, r.status_code)
    assert await t.counts(services) == before


async def test_a_nul_the_edge_missed_is_a_400_not_a_500(services, settings):
    """The safety net: the database's refusal of a NUL (PostgreSQL; SQLite stores it) maps to 400."""
    try:
        await services.accounts.authenticate("edge-\x00missed", "secret")
    except Exception as exc:
        error = exc
    else:  # pragma: no cover - SQLite answers "unknown client" (InvalidClient) instead
        pytest.fail("no error")
    if settings.database.is_sqlite:
        assert type(error).__name__ == "InvalidClient"
        return
    scope = {"type": "http", "scheme": "http", "server": ("testserver", 80), "root_path": "", "path": "/x"}
    request: Request[Any, Any, Any] = Request({**scope, "query_string": b"", "headers": [], "state": {}})  # type: ignore[arg-type]
    handler = next(fn for cls, fn in HANDLERS.items() if cls is Exception)
    response = handler(request, error)
    assert response.status_code == 400
    assert response.content["code"] == "bad_text"

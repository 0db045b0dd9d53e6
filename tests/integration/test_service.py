"""The service as a whole: start-up refusal, health, reference data, OpenAPI."""

from __future__ import annotations

import dataclasses

import httpx
import pytest

from registry.app import create_app
from registry.errors import DatabaseNotMigrated
from registry.settings import DatabaseSettings, KeySettings, RedisSettings, Settings
from tests import factories as f
from tests.conftest import running, settings_for


async def test_refuses_to_start_on_unmigrated_database(tmp_path) -> None:
    settings = Settings(
        database=DatabaseSettings(url=f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"),
        keys=KeySettings(directory=tmp_path / "keys", passphrase="x", person_id_key="33" * 32),
    )
    refused: list[DatabaseNotMigrated] = []
    try:
        async with running(create_app(settings)):
            pytest.fail("the service started on an empty database")
    except* DatabaseNotMigrated as group:  # Litestar's lifespan wraps it in an ExceptionGroup
        refused.extend(e for e in group.exceptions if isinstance(e, DatabaseNotMigrated))
    assert refused
    assert "registry db upgrade" in str(refused[0])


async def test_health(client: httpx.AsyncClient, settings: Settings) -> None:
    assert (await client.get("/health/live")).json() == {"status": "ok"}
    ready = (await client.get("/health/ready")).json()
    assert ready["checks"]["database"] == "ok"
    assert ("redis" in ready["checks"]) == bool(settings.redis.url)
    assert ready["status"] == "ok"


async def test_ready_reports_redis_down(tmp_path) -> None:
    """Redis configured but gone: readiness says so, and stays ready (rate limits count in process:
    Redis is an accelerator, and a 503 would take every instance out of the balancer)."""
    base = await settings_for("sqlite", "redis-down", tmp_path)
    broken = dataclasses.replace(base, redis=RedisSettings(url="redis://127.0.0.1:1/0"))
    app = create_app(broken)
    async with running(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            ready = await c.get("/health/ready")
            live = await c.get("/health/live")
    assert ready.status_code == 200
    assert ready.json()["status"] == "degraded"
    assert ready.json()["checks"]["redis"].startswith("degraded")
    assert ready.json()["checks"]["database"] == "ok"
    assert live.status_code == 200


async def test_departments_are_the_1001_signatories(client: httpx.AsyncClient) -> None:
    deps = {d["code"]: d for d in (await client.get("/api/v1/departments")).json()}
    assert len(deps) == 16
    assert sum(len(d["signatory_2016"]) for d in deps.values()) == 18
    assert deps["mem"]["predecessors"][0]["name"] == "国家安全生产监督管理总局"
    assert set(deps["nfra"]["signatory_2016"]) == {"银监会", "保监会"}


async def test_authorities_listed_with_names(client: httpx.AsyncClient, services) -> None:
    h = await f.headers(client, services, division="440305", level="county")
    authorities = {a["division_code"]: a for a in (await client.get("/api/v1/authorities", headers=h)).json()}
    assert authorities["440305"]["name"] == "广东省深圳市南山区应急管理局"
    assert authorities["440305"]["names"][0]["name"] == authorities["440305"]["name"]
    assert (await client.get("/api/v1/authorities")).status_code == 401


async def test_openapi_lists_the_contract_paths(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/schema/openapi.json")).json()["paths"]
    for path in (
        "/api/v1/auth/token",
        "/.well-known/jwks.json",
        "/api/v1/enterprises",
        "/api/v1/enterprises/{uscc}",
        "/api/v1/enterprises/import",
        "/api/v1/persons",
        "/api/v1/agencies",
        "/health/live",
        "/health/ready",
    ):
        assert path in paths
    assert "bearer" in (await client.get("/schema/openapi.json")).json()["components"]["securitySchemes"]


async def test_agency_search_filters_by_kind_and_division(client: httpx.AsyncClient, services) -> None:
    h = await f.headers(client, services, division="320412", level="county")
    made = {}
    for kind in ("safety_testing", "safety_inspection"):
        body = {"uscc": f.uscc("320412"), "name": f"武进{kind}机构", "division_code": "320412", "kinds": [kind]}
        assert (await client.post("/api/v1/agencies", json=body, headers=h)).status_code == 201
        made[kind] = body["uscc"]
    found: list[str] = []
    cursor = None
    while True:
        params = {"kind": "safety_testing", "division": "320412", "limit": 1} | ({"cursor": cursor} if cursor else {})
        page = (await client.get("/api/v1/agencies", params=params, headers=h)).json()
        found += [a["uscc"] for a in page["items"]]
        assert all("safety_testing" in a["kinds"] for a in page["items"])
        if not (cursor := page["next_cursor"]):
            break
    assert made["safety_testing"] in found
    assert made["safety_inspection"] not in found
    assert len(found) == len(set(found))


async def test_authority_rename_keeps_history(client: httpx.AsyncClient, services) -> None:
    import datetime as dt

    from registry.domain.accounts.authorities import rename_authority
    from registry.domain.actors import system_actor

    h = await f.headers(client, services, division="320412", level="county")
    now = services.clock.now()
    async with services.db.write() as session:
        # a back-filled older name goes into history; the current name stays
        await rename_authority(
            session, system_actor("t"), now, "320412", "武进区安全生产监督管理局", dt.date(2001, 1, 1)
        )
    async with services.db.write() as session:
        await rename_authority(session, system_actor("t"), now, "320412", "常州市武进区应急管理局", None)
    listed = {a["division_code"]: a for a in (await client.get("/api/v1/authorities", headers=h)).json()}
    entry = listed["320412"]
    assert entry["name"] == "常州市武进区应急管理局"
    names = [n["name"] for n in entry["names"]]
    assert "武进区安全生产监督管理局" in names
    assert names[-1] == "常州市武进区应急管理局"


async def test_authority_rename_without_a_date_starts_on_the_day_in_beijing(client, services, clock) -> None:
    import datetime as dt

    from registry.domain.accounts.authorities import rename_authority
    from registry.domain.actors import system_actor

    evening = dt.datetime.now(dt.UTC).replace(hour=20, minute=0, second=0, microsecond=0)  # 04:00 in Beijing
    clock.at = evening
    async with services.db.write() as session:
        await rename_authority(session, system_actor("t"), evening, "320412", "常州市武进区应急管理局（改）", None)
    h = await f.headers(client, services, division="320412", level="county")
    listed = {a["division_code"]: a for a in (await client.get("/api/v1/authorities", headers=h)).json()}
    last = listed["320412"]["names"][-1]
    assert last == {
        **last,
        "name": "常州市武进区应急管理局（改）",
        "valid_from": (evening.date() + dt.timedelta(days=1)).isoformat(),
    }


async def test_division_pages_follow_division_then_uscc_and_cursors_keep_their_shape(
    client: httpx.AsyncClient, services
) -> None:
    h = await f.headers(client, services, division="410000", level="provincial")
    made = set()
    for division in ("410122", "410108", "410103", "410122"):
        body = f.enterprise(division)
        assert (await client.post("/api/v1/enterprises", json=body, headers=h)).status_code == 201
        made.add((division, body["uscc"]))
    keys, cursor = [], None
    while True:
        params = {"division": "4101", "limit": 7} | ({"cursor": cursor} if cursor else {})
        page = (await client.get("/api/v1/enterprises", params=params, headers=h)).json()
        keys += [(e["division_code"], e["uscc"]) for e in page["items"]]
        if not (cursor := page["next_cursor"]):
            break
    assert keys == sorted(keys)
    assert len(keys) == len(set(keys))
    assert made <= set(keys)
    # a cursor of a division search used without the division filter is refused, not misread (a
    # national reader: a provincial bureau's search is always one of its division, DESIGN section 6)
    national = await f.headers(client, services, division=None, level="national")
    first = (await client.get("/api/v1/enterprises", params={"division": "4101", "limit": 1}, headers=national)).json()
    r = await client.get("/api/v1/enterprises", params={"cursor": first["next_cursor"]}, headers=national)
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "cursor"

"""A PostgreSQL streaming replica (issue 22): public search, public pages and partner answers read
from it, writes go to the primary, and a lagging replica never answers older than the change seq a
client names in ``X-Registry-Min-Seq``; an unreachable replica leaves the primary to answer.

The test makes its own primary and replica (tests/integration/pg_cluster.py): the shared server
is never reconfigured. Replay is paused on the replica (``pg_wal_replay_pause()``) so that it lags
for sure: what it serves is then visibly older than the primary, which proves where a read went."""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from registry.app import create_app
from registry.db.migrate import upgrade
from registry.lib.clock import FixedClock
from registry.settings import DatabaseSettings, KeySettings, ListingSettings, PublicSettings, Settings
from tests import factories as f
from tests.conftest import running
from tests.integration.pg_cluster import primary_and_replica

pytestmark = [pytest.mark.postgres, pytest.mark.slow]  # ~15-40 s: two clusters made and started

STATUS = "/api/v1/partner/status"
SEARCH = "/api/v1/public/enterprises"
MIN_SEQ = "X-Registry-Min-Seq"


async def soon(check: Callable[[], Awaitable[bool]], seconds: float = 20.0) -> float:
    started = time.monotonic()
    while not await check():
        assert time.monotonic() - started < seconds, f"not so within {seconds} s"
        await asyncio.sleep(0.05)
    return time.monotonic() - started


async def test_reads_go_to_the_replica_unless_it_is_behind_the_clients_seq_or_down(
    tmp_path: Path, clock: FixedClock
) -> None:
    with primary_and_replica() as (primary, replica):
        admin = await asyncpg.connect(primary.url("postgres", "postgresql"), timeout=10)
        try:
            await admin.execute('CREATE DATABASE "registry"')
        finally:
            await admin.close()
        engine = create_async_engine(primary.url("registry"))
        try:
            await upgrade(engine)
        finally:
            await engine.dispose()
        settings = Settings(
            database=DatabaseSettings(
                url=primary.url("registry"), read_url=replica.url("registry"), pool_size=3, connect_timeout_seconds=2
            ),
            keys=KeySettings(directory=tmp_path / "keys", passphrase="test-passphrase", person_id_key="11" * 32),
            listings=ListingSettings(sweep_interval_seconds=0),
            public=PublicSettings(rate_limit_per_minute=1_000_000),
            log_level="WARNING",
        )
        app = create_app(settings, clock=clock)
        async with running(app):
            transport = httpx.ASGITransport(app=app, client=("198.51.100.7", 50000))
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
                await through_a_lagging_replica(client, app.state.services, replica.url("registry", "postgresql"))
                replica.stop()
                await with_the_replica_down(client, app.state.services)


async def through_a_lagging_replica(client: httpx.AsyncClient, services: Any, replica_dsn: str) -> None:
    db = services.db
    assert db.replica is not None
    officer = await f.headers(client, services, "bureau")
    cid, secret = await f.account(services, "partner", department="mem")
    partner = {"Authorization": f"Bearer {await f.token(client, cid, secret)}"}
    mark = f"副本{secrets.token_hex(3)}"
    first = f.enterprise(name=f"{mark}甲有限公司")
    r = await client.post("/api/v1/enterprises", json=first, headers=officer)
    assert r.status_code == 201, r.text

    async def search(headers: dict[str, str] | None = None) -> set[str]:
        r = await client.get(SEARCH, params={"q": mark}, headers=headers or {})
        assert r.status_code == 200, r.text
        return {item["uscc"] for item in r.json()["items"]}

    # the replica catches up with the first write (streaming replication, sub-second here)
    await soon(lambda: _has(search, first["uscc"]))
    standby = await asyncpg.connect(replica_dsn, timeout=10)
    try:
        assert await standby.fetchval("SELECT pg_is_in_recovery()")
        await standby.execute("SELECT pg_wal_replay_pause()")
        await soon(lambda: _paused(standby))

        second = f.enterprise(name=f"{mark}乙有限公司")
        r = await client.post("/api/v1/enterprises", json=second, headers=officer)  # a write: on the primary
        assert r.status_code == 201, r.text
        async with db.read() as session:  # the primary's view
            seq = await _version(session, second["uscc"])
        assert seq > 0

        # without a seq: the replica answers, and it has not replayed the second write
        before = db.replica.served["replica"]
        assert await search() == {first["uscc"]}
        assert db.replica.served["replica"] == before + 1
        page = await client.get("/", params={"q": mark})
        assert first["uscc"] in page.text
        assert second["uscc"] not in page.text
        assert (await client.get(f"/enterprises/{second['uscc']}")).status_code == 404
        partners = services.partners
        await soon(lambda: _at_least(partners.freshness.last_seq, seq))  # this worker heard of the write
        misses = partners.counts["cache_miss"]
        for _ in range(2):  # the lagging replica's answer is given, never kept as current
            stale = (await client.get(f"{STATUS}/{second['uscc']}", headers=partner)).json()["payload"]
            assert stale["subject"]["known"] is False
            assert stale["data_version"] == 0
        assert partners.counts["cache_miss"] == misses + 2

        # with the seq the client has seen: the primary answers, never the older replica
        seen = {MIN_SEQ: str(seq)}
        before = db.replica.served["primary"]
        assert await search(seen) == {first["uscc"], second["uscc"]}
        assert db.replica.served["primary"] == before + 1
        page = await client.get("/", params={"q": mark}, headers=seen)
        assert second["uscc"] in page.text
        assert (await client.get(f"/enterprises/{second['uscc']}", headers=seen)).status_code == 200
        fresh = (await client.get(f"{STATUS}/{second['uscc']}", headers={**partner, **seen})).json()["payload"]
        assert fresh["subject"].get("known", True) is True
        assert fresh["data_version"] == seq
        batch = await client.post(f"{STATUS}/batch", json={"subjects": [second["uscc"]]}, headers={**partner, **seen})
        assert batch.status_code == 200, batch.text
        assert batch.json()["payload"]["results"][0]["status"] == "ok"
        # a seq that is no number is refused, naming the header
        bad = await client.get(SEARCH, params={"q": mark}, headers={MIN_SEQ: "latest"})
        assert bad.status_code == 422, bad.text  # the house's validation problem
        assert MIN_SEQ in bad.text
        page = await client.get(f"/enterprises/{second['uscc']}", headers={MIN_SEQ: "-1"})
        assert page.status_code == 400
        assert "请求有误" in page.text
        assert MIN_SEQ in page.text

        # replay resumed: the replica catches up and serves the second write itself
        await standby.execute("SELECT pg_wal_replay_resume()")
        await soon(lambda: _has(search, second["uscc"]))
        before = db.replica.served["replica"]
        assert await search(seen) == {first["uscc"], second["uscc"]}
        assert db.replica.served["replica"] == before + 1  # the replica has replayed seq: it answers
        caught_up = (await client.get(f"{STATUS}/{second['uscc']}", headers=partner)).json()["payload"]
        assert caught_up["data_version"] == seq
    finally:
        await standby.close()


async def with_the_replica_down(client: httpx.AsyncClient, services: Any) -> None:
    r = await client.get("/health/ready")
    assert r.status_code == 200, r.text  # still ready: the primary serves every read
    body = r.json()
    assert body["status"] == "degraded"
    assert body["checks"]["replica"].startswith("down")
    assert "replica" in body["down"]
    before = services.db.replica.served["primary"]
    r = await client.get(SEARCH, params={"q": "副本企业"})
    assert r.status_code == 200, r.text
    assert services.db.replica.served["primary"] == before + 1


async def _at_least(value: int, bound: int) -> bool:
    return value >= bound


async def _has(search: Callable[[], Awaitable[set[str]]], uscc: str) -> bool:
    return uscc in await search()


async def _paused(standby: asyncpg.Connection) -> bool:
    return await standby.fetchval("SELECT pg_get_wal_replay_pause_state()") == "paused"  # type: ignore[no-any-return]


async def _version(session: Any, uscc: str) -> int:
    from sqlalchemy import select

    from registry.db.models import Enterprise

    return int(await session.scalar(select(Enterprise.data_version).where(Enterprise.uscc == uscc)))

"""Outages answer cleanly (issue 18, item 9): with the database gone the API answers 503
problem+json with ``Retry-After`` (pages: a 503 page), pre-produced partner answers are still
served until their ``valid_until``, and the records of the answers given wait in memory (bounded)
until the database is back.

PostgreSQL: the test runs a cluster of its own (initdb, pg_ctl on a free port; the shared server is
never touched) and kills it with ``pg_ctl stop -m immediate`` under a running app, then starts it
again. SQLite: the outage is the file locked by another writer beyond the busy timeout.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import secrets
import shutil
import socket
import sqlite3
import subprocess
import tempfile
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from litestar import Litestar
from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine

from registry.app import create_app
from registry.db.data_version import sqlite_file
from registry.db.migrate import upgrade
from registry.db.models import PartnerQuery
from registry.domain.partners.recorder import SqliteQueryLog, ThreadedQueryLog
from registry.errors import DatabaseUnavailable
from registry.lib.clock import CST, FixedClock, beijing_date
from registry.settings import DatabaseSettings, KeySettings, ListingSettings, PublicSettings, RedisSettings, Settings
from tests import factories as f
from tests.conftest import REDIS, _redis_ok, running, settings_for, unavailable
from tests.integration import support as t
from tests.integration.test_partner_api import measure_feedback, verified

STATUS = "/api/v1/partner/status"
RETRY_AFTER = 5
#: query records kept in memory while they cannot be written, in the apps of this module: small, so
#: the test reaches the bound (the default is 100,000)
KEPT = 6


def pg_bin() -> Path | None:
    """The PostgreSQL server binaries: ``REGISTRY_TEST_PG_BIN``, else Debian's newest, else PATH."""
    given = os.environ.get("REGISTRY_TEST_PG_BIN")
    if given:
        return Path(given) if (Path(given) / "pg_ctl").exists() else None
    debian = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parts[-3]), reverse=True)
    if debian:
        return debian[0].parent
    found = shutil.which("pg_ctl")
    return Path(found).parent if found else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Cluster:
    """A PostgreSQL cluster of this test's own, in a temporary directory, on a free port."""

    def __init__(self, binaries: Path) -> None:
        self.bin = binaries
        self.root = Path(tempfile.mkdtemp(prefix="registry-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        # initdb refuses to run as root: the cluster then belongs to the postgres user
        self.as_owner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_owner:
            shutil.chown(self.root, "postgres")

    def _run(self, tool: str, *args: str) -> None:
        done = subprocess.run(  # noqa: PLW1510 - the output is kept for the failure message
            [*self.as_owner, str(self.bin / tool), *args], capture_output=True, text=True, timeout=120
        )
        if done.returncode != 0:
            raise RuntimeError(f"{tool} {' '.join(args)} failed: {done.stdout}{done.stderr}")

    def init(self) -> None:
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.root / "log"), "-w", "start")

    def kill(self) -> None:
        """Stop without a shut-down checkpoint or goodbye to the clients: as a crash looks to them."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def remove(self) -> None:
        subprocess.run(  # noqa: PLW1510 - best effort: it may be stopped already
            [*self.as_owner, str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"],
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(self.root, ignore_errors=True)

    @property
    def admin(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/registry"


@dataclass
class Outage:
    cluster: Cluster
    app: Litestar
    client: httpx.AsyncClient
    clock: FixedClock

    @property
    def services(self) -> Any:
        return self.app.state.services


def settings_on(url: str, tmp: Path, **database: Any) -> Settings:
    """As tests/conftest.py builds them, with the outage settings of this module."""
    return Settings(
        database=DatabaseSettings(url=url, pool_size=3, query_log_max_pending=KEPT, **database),
        redis=RedisSettings(url=REDIS, prefix=f"registry-test-outage-{secrets.token_hex(4)}:"),
        keys=KeySettings(directory=tmp / "keys", passphrase="test-passphrase", person_id_key="11" * 32),
        listings=ListingSettings(sweep_interval_seconds=0),
        public=PublicSettings(rate_limit_per_minute=1_000_000),
        log_level="WARNING",
    )


@pytest.fixture(scope="module")
async def outage(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Outage]:
    binaries = pg_bin()
    if binaries is None:
        unavailable("PostgreSQL server binaries (initdb, pg_ctl)", "set REGISTRY_TEST_PG_BIN")
    assert binaries is not None
    await _redis_ok()
    cluster = Cluster(binaries)
    try:
        await asyncio.to_thread(cluster.init)
        await asyncio.to_thread(cluster.start)
        conn = await asyncpg.connect(cluster.admin, timeout=10)
        try:
            await conn.execute("CREATE DATABASE registry")
        finally:
            await conn.close()
        engine = create_async_engine(cluster.url)
        try:
            await upgrade(engine)
        finally:
            await engine.dispose()
        clock = FixedClock(dt.datetime.now(dt.UTC))
        app = create_app(settings_on(cluster.url, tmp_path_factory.mktemp("outage")), clock=clock)
        async with running(app):
            transport = httpx.ASGITransport(app=app, client=("198.51.100.9", 50000))
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
                yield Outage(cluster, app, client, clock)
    finally:
        await asyncio.to_thread(cluster.remove)


def assert_unavailable(r: httpx.Response, code: str = "database_unavailable") -> dict[str, Any]:
    body = t.assert_problem(r, 503, code)
    assert r.headers["retry-after"] == str(RETRY_AFTER), r.headers
    return body


async def recorded(services: Any, request_ids: list[str]) -> set[str]:
    async with services.db.read() as session:
        rows = await session.scalars(select(PartnerQuery.request_id).where(PartnerQuery.request_id.in_(request_ids)))
        return set(rows)


@pytest.mark.postgres
@pytest.mark.redis
async def test_postgres_down_answers_503_serves_pre_produced_answers_and_records_them_later(outage: Outage):
    client, services, clock = outage.client, outage.services, outage.clock
    bureau = await t.bureau(client, services)
    unit = await t.create(client, bureau)
    cached = unit["uscc"]
    never_asked = (await t.create(client, bureau))["uscc"]
    cid, secret = await f.account(services, "partner", department="mof")
    partner = {"Authorization": f"Bearer {await f.token(client, cid, secret)}"}
    # a token issued before the outage and never used: this worker has not verified it yet
    unused = {
        "Authorization": f"Bearer {await f.token(client, *(await f.account(services, 'partner', department='mof')))}"
    }
    keys = (await client.get("/.well-known/jwks.json")).json()
    before = await client.get(f"{STATUS}/{cached}", headers=partner)
    assert before.status_code == 200, before.text
    verified(before.json(), keys, "registry-status+jws")
    await services.partners.queries.flush()
    assert (await client.get("/health/ready")).status_code == 200

    await asyncio.to_thread(outage.cluster.kill)

    # the JSON API: a 503 problem with Retry-After, reads and writes alike
    assert_unavailable(await client.get(f"/api/v1/enterprises/{cached}", headers=bureau))
    assert_unavailable(await client.post("/api/v1/enterprises", json=f.enterprise(), headers=bureau))
    # a page: a 503 page, not a traceback and not JSON
    page = await client.get(f"/enterprises/{cached}")
    assert page.status_code == 503, page.text
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["retry-after"] == str(RETRY_AFTER)
    assert "服务暂不可用" in page.text
    # health: not ready, still alive
    ready = await client.get("/health/ready")
    assert ready.status_code == 503
    assert ready.headers["retry-after"] == str(RETRY_AFTER)
    assert ready.json()["checks"]["database"].startswith("error")
    assert (await client.get("/health/live")).status_code == 200
    # signing in needs the accounts table: 503, never a 401 that would send the client to reset secrets
    sign_in = await client.post(
        "/api/v1/auth/token", data={"grant_type": "client_credentials", "client_id": cid, "client_secret": secret}
    )
    assert_unavailable(sign_in)
    assert_unavailable(await client.get(f"{STATUS}/{cached}", headers=unused))

    # the pre-produced answer is served as it was, and verifies; a subject not answered before is not
    given = []
    for _ in range(KEPT - 1):
        r = await client.get(f"{STATUS}/{cached}", headers=partner)
        assert r.status_code == 200, r.text
        assert verified(r.json(), keys, "registry-status+jws") == before.json()["payload"]
        given.append(r.json()["request_id"])
    assert_unavailable(await client.get(f"{STATUS}/{never_asked}", headers=partner))
    # a nonce asks for an answer vouched for now: the database cannot be asked
    assert_unavailable(await client.get(f"{STATUS}/{cached}", params={"nonce": "outage-nonce-1"}, headers=partner))
    assert_unavailable(await client.post(f"{STATUS}/batch", json={"subjects": [cached]}, headers=partner))
    cited = measure_feedback(given[0], cached)
    assert_unavailable(await client.post("/api/v1/partner/feedback", json=cited, headers=partner))

    # served up to its valid_until (past the point where it would be re-signed), not after it, and
    # never on another Beijing day (terms end on calendar days): the bound is whichever comes first,
    # so the test holds whatever the time of day it runs at
    principal = await services.tokens.verify(partner["Authorization"].removeprefix("Bearer "))
    issued = dt.datetime.fromisoformat(before.json()["payload"]["issued_at"].replace("Z", "+00:00"))
    day_ends = dt.datetime.combine(beijing_date(issued) + dt.timedelta(days=1), dt.time(), CST)
    until = min(dt.datetime.fromisoformat(before.json()["payload"]["valid_until"].replace("Z", "+00:00")), day_ends)
    now = clock.now()
    try:
        clock.at = until - dt.timedelta(seconds=1)
        late = await services.partners.status(principal.actor(), cached, None)
        assert b'"jws":"' + before.json()["jws"].encode() in late
        given.append(late.split(b'"request_id":"', 1)[1][:36].decode())
        clock.at = until + dt.timedelta(seconds=1)
        with pytest.raises(DatabaseUnavailable):
            await services.partners.status(principal.actor(), cached, None)
    finally:
        clock.at = now

    # the records wait in memory up to the bound; beyond it no answer is given unrecorded
    assert services.partners.queries.state()["unwritten"] == KEPT
    assert_unavailable(await client.get(f"{STATUS}/{cached}", headers=partner), "query_log_full")
    assert services.partners.queries.state()["refused"] == 1
    with pytest.raises(Exception):  # noqa: B017, PT011 - whatever the driver raises; the rows are kept
        await services.partners.queries.flush()

    await asyncio.to_thread(outage.cluster.start)

    # the first request after the database is back is served (no dead pooled connection)
    assert (await client.get(f"/api/v1/enterprises/{cached}", headers=bureau)).status_code == 200
    # the records kept in memory are written by the writer's next attempt (it retries every second);
    # until then the bound is still full and partner answers are refused, so wait for it
    await asyncio.wait_for(services.partners.queries.flush(), timeout=30)
    again = await client.get(f"{STATUS}/{never_asked}", headers=partner)
    assert again.status_code == 200, again.text
    assert (await client.get("/health/ready")).status_code == 200
    await asyncio.wait_for(services.partners.queries.flush(), timeout=30)
    assert await recorded(services, given) == set(given)
    assert services.partners.queries.state()["unwritten"] == 0
    # and answers made after a change while the listener is back are new ones
    for _ in range(100):
        if services.partners.freshness.listening:
            break
        await asyncio.sleep(0.1)
    assert services.partners.freshness.listening
    rename = {"version": unit["version"], "name": f"改名企业{secrets.token_hex(3)}有限公司"}
    r = await client.patch(f"/api/v1/enterprises/{cached}", json=rename, headers=bureau)
    assert r.status_code == 200, r.text
    after = await client.get(f"{STATUS}/{cached}", headers=partner)
    assert after.json()["payload"]["data_version"] > before.json()["payload"]["data_version"]


@pytest.fixture
async def sqlite_app(worker: str, tmp_path: Path) -> AsyncIterator[tuple[Litestar, httpx.AsyncClient, Path]]:
    base = await settings_for("sqlite", worker, tmp_path)
    database = replace(base.database, busy_timeout_seconds=0.5, query_log_max_pending=KEPT)
    app = create_app(replace(base, database=database))
    async with running(app):
        transport = httpx.ASGITransport(app=app, client=("198.51.100.10", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield app, client, tmp_path / "registry.db"


async def test_sqlite_locked_beyond_the_busy_timeout_answers_503_and_keeps_the_query_records(sqlite_app):
    app, client, path = sqlite_app
    services = app.state.services
    bureau = await t.bureau(client, services)
    uscc = (await t.create(client, bureau))["uscc"]
    cid, secret = await f.account(services, "partner", department="mof")
    partner = {"Authorization": f"Bearer {await f.token(client, cid, secret)}"}
    assert (await client.get(f"{STATUS}/{uscc}", headers=partner)).status_code == 200
    await services.partners.queries.flush()

    # another writer (an import, a backup) holds the write lock longer than the busy timeout
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        assert_unavailable(await client.post("/api/v1/enterprises", json=f.enterprise(), headers=bureau))
        given = []
        for _ in range(KEPT):
            r = await client.get(f"{STATUS}/{uscc}", headers=partner)
            assert r.status_code == 200, r.text
            given.append(r.json()["request_id"])
        with pytest.raises(DatabaseUnavailable):
            await services.partners.queries.flush()
        assert_unavailable(await client.get(f"{STATUS}/{uscc}", headers=partner), "query_log_full")
        state = (await client.get("/health/ready")).json()["query_log"]
        assert state == {"unwritten": KEPT, "max_pending": KEPT, "refused": 1}
    finally:
        holder.execute("ROLLBACK")
        holder.close()

    await services.partners.queries.flush()
    assert await recorded(services, given) == set(given)
    assert (await client.post("/api/v1/enterprises", json=f.enterprise(), headers=bureau)).status_code == 201


async def test_a_batch_written_before_the_connection_dropped_is_not_written_twice(services):
    """The server went down between committing a COPY of query records and answering it: the writer
    retries the batch, and the rows already there must not stop the others (request_id is unique)."""
    # a writer of its own: the app's writer keeps its connection in its thread's loop
    url = services.settings.database.url
    path = sqlite_file(url)
    queries = ThreadedQueryLog(url) if path is None else SqliteQueryLog(path, busy_timeout=5)
    now = dt.datetime.now(dt.UTC)
    rows = [
        {
            "request_id": str(uuid.uuid4()),
            "client": "outage-test",
            "department": "mof",
            "subjects": [[f.uscc(), 1]],
            "jws_sha256": "0" * 64,
            "recorded_at": now,
        }
        for _ in range(3)
    ]
    try:
        await queries.write_batch(rows[:2])
        await queries.write_batch(rows)  # the retry of a batch whose first two rows committed
    finally:
        await queries._drop_connection()
    ids = [r["request_id"] for r in rows]
    assert await recorded(services, ids) == set(ids)

"""Revocation reaches every worker of every process: a token used once (so cached as verified) is
refused within two seconds after ``registry accounts reset-secret`` or ``registry accounts
disable``, run as the operator runs them (another process, the same database), by two app
instances at once, for reads and writes. On PostgreSQL the news comes by NOTIFY, on SQLite from
the table, which every worker reads at least once a second."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from litestar import Litestar
from sqlalchemy import event

from registry.app import create_app
from registry.settings import Settings
from tests import factories as f
from tests.conftest import running
from tests.integration import support as t

READ = "/api/v1/enterprises?limit=1"
WRITE = "/api/v1/enterprises"
DEADLINE = 2.0


async def cli(settings: Settings, *args: str, code: int = 0) -> str:
    """``registry ARGS`` in a process of its own, configured like the running app; its stdout, or
    its stderr when ``code`` (the exit status expected) is not 0."""
    env = {
        **os.environ,
        "REGISTRY_DATABASE_URL": settings.database.url,
        "REGISTRY_KEYS_DIR": str(settings.keys.directory),
        "REGISTRY_KEY_PASSPHRASE": settings.keys.passphrase or "",
        "REGISTRY_PERSON_ID_KEY": settings.keys.person_id_key or "",
        "REGISTRY_LOG_LEVEL": "WARNING",
    }
    env.pop("REGISTRY_REDIS_URL", None)  # the CLI has no Redis: revocation must not need it
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "registry",
        *args,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout=120)
    assert proc.returncode == code, err.decode()[-3000:]
    return out.decode() if code == 0 else err.decode()


@pytest.fixture
async def second(settings: Settings, clock: Any) -> AsyncIterator[httpx.AsyncClient]:
    """Another instance of the service on the same database (and Redis): another process's workers."""
    other: Litestar = create_app(settings, clock=clock)
    async with running(other):
        transport = httpx.ASGITransport(app=other, client=("198.51.100.8", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            yield c


async def used(clients: list[httpx.AsyncClient], headers: dict[str, str]) -> None:
    """Read and write once on each instance: the token is now cached as verified everywhere."""
    for c in clients:
        assert (await c.get(READ, headers=headers)).status_code == 200
        r = await c.post(WRITE, json=f.enterprise(), headers=headers)
        assert r.status_code == 201, r.text


async def refused_within(clients: list[httpx.AsyncClient], headers: dict[str, str], since: float) -> float:
    """Poll every instance, a read and a write, until all refuse; the seconds that took."""
    pending = {(i, kind) for i in range(len(clients)) for kind in ("read", "write")}
    while pending:
        for i, kind in sorted(pending):
            c = clients[i]
            r = await (
                c.get(READ, headers=headers) if kind == "read" else c.post(WRITE, json=f.enterprise(), headers=headers)
            )
            if r.status_code == 401:
                t.assert_problem(r, 401, "not_authenticated")
                pending.discard((i, kind))
            else:
                assert r.status_code in (200, 201), r.text
        elapsed = time.monotonic() - since
        assert elapsed < DEADLINE, f"still accepted {elapsed:.2f} s after the revocation: {sorted(pending)}"
        if pending:
            await asyncio.sleep(0.05)
    return time.monotonic() - since


async def test_reset_secret_by_the_cli_reaches_every_instance_within_two_seconds(
    client: httpx.AsyncClient, second: httpx.AsyncClient, services: Any, settings: Settings
) -> None:
    cid, secret = await f.account(services, "bureau", level="county", division="410103", kind="officer")
    h = {"Authorization": f"Bearer {await f.token(client, cid, secret)}"}
    await used([client, second], h)

    out = await cli(settings, "accounts", "reset-secret", cid)
    took = await refused_within([client, second], h, time.monotonic())
    assert took < DEADLINE

    fresh = out.split("client_secret:", 1)[1].split()[0]
    renewed = {"Authorization": f"Bearer {await f.token(second, cid, fresh)}"}
    await used([client, second], renewed)
    [entry] = await t.audit_for(services, cid, "account.reset_secret")
    assert entry.actor.startswith("cli:")


async def test_disable_by_the_cli_reaches_every_instance_and_shuts_the_account(
    app: Litestar, client: httpx.AsyncClient, second: httpx.AsyncClient, services: Any, settings: Settings
) -> None:
    cid, secret = await f.account(services, "bureau", level="county", division="410103", kind="officer")
    h = {"Authorization": f"Bearer {await f.token(client, cid, secret)}"}
    await used([client, second], h)

    out = await cli(settings, "accounts", "disable", cid)
    assert cid in out
    took = await refused_within([client, second], h, time.monotonic())
    assert took < DEADLINE

    async with t.client_at(app, t.address()) as c:
        r = await c.post(
            "/api/v1/auth/token", data={"grant_type": "client_credentials", "client_id": cid, "client_secret": secret}
        )
    t.assert_problem(r, 401, "invalid_client")
    [entry] = await t.audit_for(services, cid, "account.disable")
    assert entry.before == {"active": True}
    assert entry.after == {"active": False}
    again = await cli(settings, "accounts", "disable", cid)  # nothing more to do, nothing more audited
    assert "already" in again
    assert len(await t.audit_for(services, cid, "account.disable")) == 1


async def test_a_revocation_in_the_process_itself_is_refused_at_once(client: httpx.AsyncClient, services: Any) -> None:
    cid, secret = await f.account(services, "bureau", level="county", division="410103", kind="officer")
    h = {"Authorization": f"Bearer {await f.token(client, cid, secret)}"}
    assert (await client.get(READ, headers=h)).status_code == 200
    from registry.domain.actors import system_actor

    await services.accounts.disable(system_actor("test"), cid)
    t.assert_problem(await client.get(READ, headers=h), 401, "not_authenticated")


async def test_a_cached_token_costs_no_query(client: httpx.AsyncClient, services: Any) -> None:
    """The hot path: while the worker knows it has heard of every revocation, a cached token is a
    dict lookup and two time comparisons, with no statement sent to the database."""
    cid, secret = await f.account(services, "bureau", level="county", division="410103", kind="officer")
    token = await f.token(client, cid, secret)
    # caught up first: a revocation heard while the account is read (an earlier test's) would
    # rightly keep this verification out of the cache
    await services.tokens.watch.refresh()
    await services.tokens.verify(token)  # verified and cached
    if services.db.dialect == "postgresql":
        assert services.tokens.watch.listening  # the news comes by NOTIFY
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_a: Any) -> None:
        statements.append(statement)

    engines = {services.db.writer.sync_engine, services.db.reader.sync_engine}
    for engine in engines:
        event.listen(engine, "before_cursor_execute", count)
    try:
        await asyncio.sleep(0)  # let the background poller finish a read it may be in
        statements.clear()
        for _ in range(1000):
            await services.tokens.verify(token)
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", count)
    assert statements == []


async def test_while_the_channel_is_down_the_table_brings_the_news(
    settings: Settings, clock: Any, services: Any
) -> None:
    """An instance whose LISTEN connection is gone (PostgreSQL; SQLite never has one) reads the
    table instead: the news still arrives within two seconds."""
    other: Litestar = create_app(settings, clock=clock)
    async with running(other):
        watch = other.state.services.tokens.watch
        for task in watch._tasks[1:]:  # the listener: cancelled, it closes its connection for good
            task.cancel()
        await asyncio.sleep(0.1)
        assert not watch.listening
        assert watch.trusted_until != float("inf")
        transport = httpx.ASGITransport(app=other, client=("198.51.100.9", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            cid, secret = await f.account(services, "bureau", level="county", division="410103", kind="officer")
            h = {"Authorization": f"Bearer {await f.token(c, cid, secret)}"}
            await used([c], h)
            await cli(settings, "accounts", "disable", cid)
            assert await refused_within([c], h, time.monotonic()) < DEADLINE

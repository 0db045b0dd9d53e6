"""Graceful shut-down of ``registry serve`` (Granian): on SIGTERM the request in flight is answered,
the partner query records still in memory are written, and the process exits 0.

SQLite only: a second connection holding the write lock is how a test makes a request slow
without a route made for it (the write waits on the lock within REGISTRY_DATABASE_BUSY_TIMEOUT).
The run also shows the JSON lines with the request id and the access log on the process's stderr.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from registry.domain.container import build_services
from tests import factories as f
from tests.conftest import settings_for
from tests.integration.served import serve, server_env


def token(c: httpx.Client, cid: str, secret: str) -> dict[str, str]:
    form = {"grant_type": "client_credentials", "client_id": cid, "client_secret": secret}
    r = c.post("/api/v1/auth/token", data=form)
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


async def test_sigterm_lets_the_request_in_flight_finish_and_flushes_the_query_log(tmp_path: Path) -> None:
    settings = await settings_for("sqlite", "shutdown", tmp_path)
    services = build_services(settings)
    try:
        officer = await f.account(services, "bureau", level="county", division="410103")
        partner = await f.account(services, "partner", department="mem")
    finally:
        await services.close()
    env = server_env(settings, REGISTRY_DATABASE_BUSY_TIMEOUT="20", REGISTRY_ACCESS_LOG="1")
    await asyncio.to_thread(stop_while_writing, env, tmp_path, officer, partner)


def stop_while_writing(env: dict[str, str], tmp_path: Path, officer: tuple[str, str], partner: tuple[str, str]) -> None:
    server = serve(env, tmp_path)
    database = str(tmp_path / "registry.db")
    with httpx.Client(base_url=server.url, timeout=40) as c:
        bureau, mem = token(c, *officer), token(c, *partner)
        unit = f.enterprise()
        assert c.post("/api/v1/enterprises", json=unit, headers=bureau).status_code == 201

        lock = sqlite3.connect(database, isolation_level=None)
        lock.execute("BEGIN IMMEDIATE")  # every write now waits
        # a partner answer is given at once; its record waits in memory for the write lock
        answered = c.get(f"/api/v1/partner/status/{unit['uscc']}", headers=mem)
        assert answered.status_code == 200, answered.text
        recorded_id = answered.headers["x-request-id"]
        # a write, in flight while the server is told to stop
        result: dict[str, Any] = {}

        def write() -> None:
            r = c.post("/api/v1/enterprises", json=f.enterprise(), headers=bureau)
            result["status"], result["id"], result["at"] = r.status_code, r.headers["x-request-id"], time.monotonic()

        writer = threading.Thread(target=write)
        writer.start()
        time.sleep(1.0)
        assert "status" not in result  # waiting on the lock
        server.process.send_signal(15)
        time.sleep(1.5)
        assert server.process.poll() is None, "exited with a request in flight"
        released = time.monotonic()
        lock.execute("ROLLBACK")
        lock.close()
        writer.join(30)
    code = server.process.wait(30)
    assert result["status"] == 201, result
    assert result["at"] >= released
    assert code == 0, server.log()[-3000:]

    with sqlite3.connect(database) as db:
        rows = db.execute("SELECT count(*) FROM partner_queries WHERE request_id = ?", (recorded_id,)).fetchone()
    assert rows == (1,), "the answer given before the shut-down is on record"

    lines = [json.loads(line) for line in server.log().splitlines() if line.startswith("{")]
    access = {e["request_id"]: e for e in lines if e.get("event") == "request"}
    assert access[result["id"]]["status"] == 201
    assert access[result["id"]]["method"] == "POST"
    assert access[recorded_id]["path"] == f"/api/v1/partner/status/{unit['uscc']}"

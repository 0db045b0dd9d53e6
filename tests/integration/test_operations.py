"""What operators rely on: every log line of a request names it (request_id), the optional access
log, and a readiness answer that names the dependency that is down."""

from __future__ import annotations

import contextlib
import dataclasses
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import structlog
from litestar import Litestar, get
from structlog.testing import capture_logs

from registry.api.request_id import request_id_middleware
from registry.app import create_app
from registry.lib.logging import add_request_id
from registry.settings import DatabaseSettings, RedisSettings
from tests.conftest import running, settings_for

RID = "0f8fe1d2-3c4b-4a59-8e7d-6c5b4a392817"


def logged_app(*, access_log: bool) -> Any:
    @get("/work", sync_to_thread=False)
    def work() -> dict[str, str]:
        structlog.get_logger("registry.test").warning("working on it")
        return {"ok": "yes"}

    app = Litestar([work])
    app.asgi_handler = request_id_middleware(app.asgi_handler, access_log=access_log)  # as create_app does
    return app


async def call(asgi: Any, path: str, **headers: str) -> httpx.Response:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=asgi), base_url="http://t") as c:
        return await c.get(path, headers=headers)


async def test_every_log_line_of_a_request_carries_its_request_id() -> None:
    asgi = logged_app(access_log=False)
    with capture_logs(processors=[add_request_id]) as logs:
        given = await call(asgi, "/work", **{"X-Request-ID": RID})
        minted = await call(asgi, "/work")
        structlog.get_logger("registry.test").warning("outside any request")
    assert given.headers["x-request-id"] == RID
    lines = [e for e in logs if e["event"] == "working on it"]
    assert [e["request_id"] for e in lines] == [RID, minted.headers["x-request-id"]]
    # bound for the request's time only: a line after it has no request id
    assert "request_id" not in next(e for e in logs if e["event"] == "outside any request")
    assert not [e for e in logs if e["event"] == "request"]  # no access log unless asked for


@contextlib.contextmanager
def info_level() -> Iterator[None]:
    """Lines at INFO pass for the block: an app an earlier test built set this process's level to
    WARNING (the tests' settings), and the access log writes at INFO."""
    saved = structlog.get_config()
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.INFO))
    try:
        yield
    finally:
        structlog.configure(**saved)


async def test_access_log_one_line_per_request_with_status_and_duration() -> None:
    asgi = logged_app(access_log=True)
    with info_level(), capture_logs(processors=[add_request_id]) as logs:
        await call(asgi, "/work", **{"X-Request-ID": RID})
        missing = await call(asgi, "/nowhere")
    # only this app's lines: a thread left by an earlier test of this worker may log meanwhile
    access = [e for e in logs if e["event"] == "request" and e.get("path") in ("/work", "/nowhere")]
    assert [(e["method"], e["path"], e["status"]) for e in access] == [("GET", "/work", 200), ("GET", "/nowhere", 404)]
    assert access[0]["request_id"] == RID
    assert access[1]["request_id"] == missing.headers["x-request-id"]
    assert all(isinstance(e["duration_ms"], float) and e["duration_ms"] >= 0 for e in access)


async def ready_of(app: Litestar) -> httpx.Response:
    async with running(app), httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        return await c.get("/health/ready")


async def test_readiness_names_the_database_when_it_is_unreachable(tmp_path: Path) -> None:
    base = await settings_for("sqlite", "ready-db", tmp_path)
    # a PostgreSQL that is not there (nothing listens on port 1); the start-up check is the CLI's
    unreachable = DatabaseSettings(url="postgresql+asyncpg://postgres@127.0.0.1:1/nowhere", connect_timeout_seconds=2)
    ready = await ready_of(create_app(dataclasses.replace(base, database=unreachable, require_migrated=False)))
    assert ready.status_code == 503
    body = ready.json()
    assert body["status"] == "unavailable"
    assert body["down"] == ["database"]
    assert body["checks"]["database"].startswith("error")
    assert "database is unreachable" in body["detail"]
    assert ready.headers["retry-after"] == "5"


async def test_readiness_names_redis_and_stays_ready(tmp_path: Path) -> None:
    base = await settings_for("sqlite", "ready-redis", tmp_path)
    ready = await ready_of(create_app(dataclasses.replace(base, redis=RedisSettings(url="redis://127.0.0.1:1/0"))))
    assert ready.status_code == 200
    body = ready.json()
    assert body["down"] == ["redis"]
    assert "Redis is unreachable" in body["detail"]


async def test_readiness_all_up_has_nothing_down(tmp_path: Path) -> None:
    ready = await ready_of(create_app(await settings_for("sqlite", "ready-ok", tmp_path)))
    assert ready.status_code == 200
    assert ready.json()["down"] == []
    assert "detail" not in ready.json()

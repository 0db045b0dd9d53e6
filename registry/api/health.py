"""Liveness and readiness for orchestrators; readiness needs the database and reports Redis and the
read replica (both down: still ready, ``degraded``).

The readiness body names what is down (``down``: ``database``, ``redis``) with a sentence for the
operator (``detail``), so a failing probe says which dependency to look at."""

from __future__ import annotations

from typing import Any

from litestar import Response, get
from litestar.openapi import ResponseSpec
from sqlalchemy import text

from registry.domain.container import Services

_DOWN = {
    "database": "数据库不可达，实例不接收请求 / the database is unreachable: this instance is not ready",
    "redis": "Redis 不可达，限流按进程计数 / Redis is unreachable: rate limits count per process",
    "replica": "只读副本不可达，查询改由主库答复 / replica down: reads go to the primary",
}


def health_handlers(services: Services) -> list[Any]:
    @get("/health/live", include_in_schema=True, tags=["ops"], summary="进程存活 / liveness", sync_to_thread=False)
    def live() -> dict[str, str]:
        return {"status": "ok"}

    @get(
        "/health/ready",
        tags=["ops"],
        summary="依赖就绪 / readiness (database, Redis)",
        responses={503: ResponseSpec(dict[str, Any], description="not ready: the same body, `status` unavailable")},
    )
    async def ready() -> Response[dict[str, Any]]:
        checks: dict[str, str] = {}
        try:
            async with services.db.read() as session:
                await session.execute(text("SELECT 1"))
            checks["database"] = "ok"
        except Exception as exc:
            checks["database"] = f"error: {type(exc.__cause__ or exc).__name__}"
        ok = checks["database"] == "ok"
        status = "ok" if ok else "unavailable"
        # Redis is an accelerator: without it rate limits count per worker and answers come from
        # SQL, so the instance stays ready (a 503 here took every instance out of the balancer for
        # want of a counter); "degraded" tells monitoring that Redis needs looking at
        if services.settings.redis.url and not await services.store.ping():
            checks["redis"] = "degraded: unreachable, counting in process"
            status = "degraded" if ok else status
        elif services.settings.redis.url:
            checks["redis"] = "ok"
        if services.db.replica is not None:
            # a replica is an accelerator too: without it the primary serves every read
            checks["replica"] = await services.db.replica.check()
            if checks["replica"] != "ok":
                status = "degraded" if ok else status
        queries = services.partners.queries.state()  # records waiting to be written, answers refused
        down = [name for name, state in checks.items() if state != "ok"]
        body: dict[str, Any] = {"status": status, "checks": checks, "down": down, "query_log": queries}
        if down:
            body["detail"] = "；".join(_DOWN[name] for name in down)
        if ok:
            return Response(body)
        retry = str(services.settings.database.retry_after_seconds)
        return Response(body, status_code=503, headers={"Retry-After": retry})

    return [live, ready]

"""A request id on every request and answer (``X-Request-ID``), as raw ASGI to stay cheap.

It also adds the security headers (api/security_headers.py) in the same send wrapper: a second
wrapper of its own cost the partner status route about 2 us per answer, a few percent of it.

A client's own ``X-Request-ID`` (a UUID) is kept and echoed, for tracing, except under
``/api/v1/partner/``: there the id names the answer on record (``partner_queries``, one row per
id) and the partner cites it in feedback, so it is always minted here, and the answer's body
carries the same value as the header.
It wraps the whole application (``create_app``), so the router's own 404/405 answers, which
Litestar's ``middleware=`` never sees, get both as well.

The id is set in a context variable for the request's time (``registry.lib.logging.REQUEST_ID``), so
every log line written while answering it (JSON in production) carries ``request_id``; with ``access_log`` one line per
request says method, path, status and duration (``REGISTRY_ACCESS_LOG=1``).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

import structlog
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from registry.db.replica import MIN_SEQ
from registry.lib.ids import new_request_id
from registry.lib.logging import REQUEST_ID

Headers = list[tuple[bytes, bytes]]

_VALID = re.compile(rb"^[0-9a-fA-F-]{36}$")
#: paths whose request id names a recorded answer: never taken from the client
MINTED = "/api/v1/partner/"

ACCESS_LOGGER = "registry.access"


def request_id_middleware(
    app: ASGIApp,
    extra_headers: Callable[[Scope], Headers] | None = None,
    *,
    access_log: bool = False,
    min_seq: bool = False,
) -> ASGIApp:
    """``min_seq``: a replica is configured, so the ``X-Registry-Min-Seq`` header is looked for
    (``registry.db.replica.MIN_SEQ``); without one no request pays for it."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return
        given = (
            None
            if scope["path"].startswith(MINTED)
            else next((v for k, v in scope["headers"] if k == b"x-request-id"), None)
        )
        rid = given.decode() if given and _VALID.match(given) else new_request_id()
        state: dict[str, Any] = scope.setdefault("state", {})
        state["request_id"] = rid
        extra = extra_headers(scope) if extra_headers is not None else ()

        status = 0
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                # a new list: a response object reused across requests must not grow its own
                message["headers"] = [*message.get("headers", ()), (b"x-request-id", rid.encode()), *extra]
            await send(message)

        bound = REQUEST_ID.set(rid)
        seen = None
        if min_seq:  # set only when sent: each request runs in a task (a context) of its own
            for name, value in scope["headers"]:
                if name == b"x-registry-min-seq":
                    seen = MIN_SEQ.set(value)
                    break
        try:
            await app(scope, receive, send_with_id)
        finally:
            if seen is not None:
                MIN_SEQ.reset(seen)
            if access_log:
                took = round((time.perf_counter() - started) * 1000, 1)
                # looked up per line (only with the access log on): a proxy kept at import would be
                # bound for good to whatever configuration was in force at its first use
                structlog.get_logger(ACCESS_LOGGER).info(
                    "request", method=scope["method"], path=scope["path"], status=status, duration_ms=took
                )
            REQUEST_ID.reset(bound)

    return middleware

"""A request id on every request and answer (``X-Request-ID``), as raw ASGI to stay cheap.

It also adds the security headers (api/security_headers.py) in the same send wrapper: a second
wrapper of its own cost the partner status route about 2 us per answer, a few percent of it.

A client's own ``X-Request-ID`` (a UUID) is kept and echoed, for tracing, except under
``/api/v1/partner/``: there the id names the answer on record (``partner_queries``, one row per
id) and the partner cites it in feedback, so it is always minted here, and the answer's body
carries the same value as the header.
It wraps the whole application (``create_app``), so the router's own 404/405 answers, which
Litestar's ``middleware=`` never sees, get both as well.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from registry.lib.ids import new_request_id

Headers = list[tuple[bytes, bytes]]

_VALID = re.compile(rb"^[0-9a-fA-F-]{36}$")
#: paths whose request id names a recorded answer: never taken from the client
MINTED = "/api/v1/partner/"


def request_id_middleware(app: ASGIApp, extra_headers: Callable[[Scope], Headers] | None = None) -> ASGIApp:
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

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                # a new list: a response object reused across requests must not grow its own
                message["headers"] = [*message.get("headers", ()), (b"x-request-id", rid.encode()), *extra]
            await send(message)

        await app(scope, receive, send_with_id)

    return middleware

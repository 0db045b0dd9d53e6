"""``OPTIONS`` lists every method of its path (RFC 9110 9.3.7, ``Allow``).

Litestar makes the automatic OPTIONS handler when the first handler of a path is registered, and its
``Allow`` lists the methods known then: ``OPTIONS /api/v1/enterprises`` said ``OPTIONS, POST``, not
GET. This wrapper answers with the methods of the whole route, as the router's own 405 does.
"""

from __future__ import annotations

from litestar import Litestar
from litestar.enums import ScopeType
from litestar.routes import HTTPRoute
from litestar.types import ASGIApp, Message, Receive, Scope, Send


def allow_every_method(app: Litestar, inner: ASGIApp) -> ASGIApp:
    allow = {
        id(handler): ", ".join(sorted(route.methods)).encode()
        for route in app.routes
        if isinstance(route, HTTPRoute)
        for handler in route.route_handlers
        if "OPTIONS" in handler.http_methods
    }

    async def handler(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP or scope.get("method") != "OPTIONS":
            await inner(scope, receive, send)
            return

        async def send_allow(message: Message) -> None:
            methods = allow.get(id(scope.get("route_handler")))
            if message["type"] == "http.response.start" and methods is not None:
                kept = [(k, v) for k, v in message.get("headers", ()) if k.lower() != b"allow"]
                message["headers"] = [*kept, (b"allow", methods)]
            await send(message)

        await inner(scope, receive, send_allow)

    return handler

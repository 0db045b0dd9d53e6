"""/api/v1/partner: signed status answers, feedback, and the change feed (DESIGN section 6)."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated, Any
from urllib.parse import parse_qs, unquote

from litestar import Response, asgi, get, post
from litestar.di import NamedDependency
from litestar.enums import ScopeType
from litestar.exceptions import MethodNotAllowedException as MethodNotAllowed
from litestar.params import HeaderParameter, JSONBody, QueryParameter
from litestar.response import ServerSentEvent, ServerSentEventMessage
from litestar.types import ASGIApp, HTTPResponseBodyEvent, HTTPResponseStartEvent, Receive, Scope, Send

from registry.domain.actors import Actor
from registry.domain.container import Services
from registry.domain.partners import schemas as s
from registry.errors import FieldProblem, Forbidden, NotAuthenticated, NotFound, ValidationFailed

#: a seq as a signed page states it: RFC 8785 numbers are doubles, exact up to 2**53-1 (a larger
#: ``after`` was a 500 when the page was signed)
MAX_SEQ = 2**53 - 1


def partner_handlers(services: Services) -> list[Any]:
    partners = services.partners

    @post(
        "/partner/status/batch",
        tags=["partner"],
        status_code=200,
        summary="批量签名答复 / up to 1000 subjects in one signed answer (unknown and invalid ones say so)",
    )
    async def batch(actor: NamedDependency[Actor], data: JSONBody[s.StatusBatch]) -> dict[str, Any]:
        return await partners.batch(actor, data)

    @post("/partner/feedback", tags=["partner"], summary="反馈 / a measure applied, citing the answer's request_id")
    async def feedback(actor: NamedDependency[Actor], data: JSONBody[s.FeedbackCreate]) -> Response[s.Feedback]:
        return Response(await partners.feedback(actor, data), status_code=201)

    @get("/partner/changes", tags=["partner"], summary="变更流 / signed page of changes after `after` (seq)")
    async def changes(
        actor: NamedDependency[Actor],
        after: Annotated[int, QueryParameter(ge=0, le=MAX_SEQ)] = 0,
        limit: Annotated[int, QueryParameter(ge=1, le=1000)] = 100,
    ) -> dict[str, Any]:
        return await partners.changes(actor, after, limit)

    @get(
        "/partner/changes/stream",
        tags=["partner"],
        media_type="text/event-stream",
        summary="变更推送 / live change stream (SSE): every change after `after` or Last-Event-ID, then as they commit",
        description="Each event: `id` = seq, `event: change`, `data` = a signed change `{request_id, payload, jws}` "
        "(each event has a request_id of its own, recorded like an answer and citable in feedback). Reconnect "
        "with `Last-Event-ID` to resume without gaps. `max_events` closes the stream after that many.",
    )
    async def stream(
        actor: NamedDependency[Actor],
        after: Annotated[int | None, QueryParameter(ge=0, le=MAX_SEQ)] = None,
        last_event_id: Annotated[str | None, HeaderParameter(name="Last-Event-ID", max_length=20)] = None,
        max_events: Annotated[int | None, QueryParameter(ge=1, le=100_000)] = None,
    ) -> ServerSentEvent:
        start = after if after is not None else 0
        if after is None and last_event_id is not None:
            if not last_event_id.isdigit():
                raise ValidationFailed(
                    [
                        FieldProblem(
                            "Last-Event-ID", "not_a_seq", "Last-Event-ID 应为变更序号", "Last-Event-ID must be a seq"
                        )
                    ]
                )
            start = int(last_event_id)
        events = partners.stream(actor, start, max_events)

        async def messages() -> AsyncIterator[ServerSentEventMessage]:
            async for seq, change in events:
                if seq is None:
                    yield ServerSentEventMessage(comment="keep-alive")
                else:
                    yield ServerSentEventMessage(data=json.dumps(change, ensure_ascii=False), event="change", id=seq)

        return ServerSentEvent(messages())

    return [batch, feedback, changes, stream]


_NONCE = re.compile(r"^[\x21-\x7e]{8,128}$")


#: what a status answer's GET path starts with (the USCC follows)
STATUS_PREFIX = "/api/v1/partner/status/"
#: its route template, as the metrics label it
STATUS_TEMPLATE = "/api/v1/partner/status/{uscc}"
#: the scope state key under which an error raised in front of the router reaches the route
_RAISED = "registry.partner_status_error"
#: an answer: (scope) -> the body; raises the errors the app's exception handlers render
StatusAnswer = Callable[[Scope], Awaitable[bytes]]


def partner_status_answer(services: Services) -> StatusAnswer:
    """``GET /api/v1/partner/status/{uscc}``, the hot path of partner integration, without
    Litestar's parameter parsing, dependency injection and response building (DESIGN section 3: a
    raw route answered 1.5x a bare Litestar endpoint). It does what the framework would: the same
    bearer check (verified-token cache), the same problems, raised for the app's exception handlers.

    Answer: ``{request_id, payload, jws}``; the JWS signs the RFC 8785 canonical JSON of ``payload``
    (verify with /.well-known/jwks.json). ``?nonce=`` (8-128 visible ASCII characters) gets a
    payload signed for the request, holding the nonce and the request_id."""
    tokens, partners = services.tokens, services.partners
    allowed = frozenset({"partner", "admin", "bureau"})

    async def answer(scope: Scope) -> bytes:
        _full_path(scope)
        if scope.get("method") not in ("GET", "HEAD"):
            raise MethodNotAllowed(detail="GET /api/v1/partner/status/{uscc}", headers={"Allow": "GET, HEAD"})
        uscc = scope["path"].removeprefix(STATUS_PREFIX).strip("/")
        if not uscc or "/" in uscc:
            raise NotFound("GET /api/v1/partner/status/{uscc}")
        header = next((v for k, v in scope["headers"] if k == b"authorization"), b"").decode("latin-1")
        kind, _, token = header.partition(" ")
        if kind.lower() != "bearer" or not token.strip():
            raise NotAuthenticated(
                "需要 Bearer 令牌（POST /api/v1/auth/token 获取）/ a Bearer token is required "
                "(get one from POST /api/v1/auth/token)"
            )
        principal = await tokens.verify(token.strip())
        if principal.role not in allowed:
            raise Forbidden(f"角色 {principal.role} 无权访问此接口 / role {principal.role} may not use this endpoint")
        nonce = None
        if scope["query_string"]:
            values = parse_qs(scope["query_string"].decode("latin-1")).get("nonce")
            if values:
                nonce = values[0]
                if not _NONCE.match(nonce):
                    raise ValidationFailed(
                        [
                            FieldProblem(
                                "nonce",
                                "nonce",
                                "nonce 须为8至128个可见ASCII字符",
                                "nonce: 8-128 visible ASCII characters",
                            )
                        ]
                    )
        actor = principal.actor(scope.get("state", {}).get("request_id"))
        return await partners.status(actor, unquote(uscc), nonce)

    return answer


def _full_path(scope: Scope) -> None:
    """Problems name the full path (a mount sees only what follows its own), metrics the template."""
    raw = scope.get("raw_path") or b""
    scope["path"] = raw.decode("latin-1").split("?", 1)[0]
    scope["path_template"] = STATUS_TEMPLATE


async def _send_json(send: Send, body: bytes, *, head: bool = False) -> None:
    start: HTTPResponseStartEvent = {
        "type": "http.response.start",
        "status": 200,
        "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
    }
    await send(start)
    done: HTTPResponseBodyEvent = {"type": "http.response.body", "body": b"" if head else body, "more_body": False}
    await send(done)


def partner_status_route(answer: StatusAnswer) -> Any:
    """The answer as a raw ASGI route of the app: its errors become problem answers through the
    app's exception handlers, with the request-id middleware around it."""

    @asgi("/api/v1/partner/status", is_mount=True, copy_scope=False, include_in_schema=False)
    async def status(scope: Scope, receive: Receive, send: Send) -> None:
        raised = scope.get("state", {}).pop(_RAISED, None)
        if raised is not None:  # the answer already failed in front of the router: its error, once
            _full_path(scope)  # the mount left only the rest of the path
            raise raised
        await _send_json(send, await answer(scope), head=scope.get("method") == "HEAD")

    return status


#: ``GET /api/v1/partner/status/{uscc}`` in the OpenAPI document (the raw route above is invisible to
#: the framework that writes it); its problem answers and the USCC rule are added by api/contract.py
STATUS_PATH: dict[str, dict[str, Any]] = {
    "/api/v1/partner/status/{uscc}": {
        "get": {
            "tags": ["partner"],
            "summary": "签名答复 / the signed status answer of one subject (pre-produced; `nonce` for one signed now)",
            "description": "`{request_id, payload, jws}`: the JWS (EdDSA, typ `registry-status+jws`, key in "
            "/.well-known/jwks.json) signs the RFC 8785 canonical JSON of `payload`. `request_id` equals the "
            "`X-Request-ID` header and is what feedback cites. A valid USCC the registry does not hold is "
            "answered too (`subject.known` false). With `nonce` the payload is signed for this request and "
            "holds the nonce and the request_id. HEAD is answered as GET without the body.",
            "operationId": "ApiV1PartnerStatusUscc",
            "security": [{"bearer": []}],
            "parameters": [
                {"name": "uscc", "in": "path", "required": True, "schema": {"type": "string"}},
                {
                    "name": "nonce",
                    "in": "query",
                    "required": False,
                    "schema": {"type": "string", "minLength": 8, "maxLength": 128, "pattern": _NONCE.pattern},
                },
            ],
            "responses": {"200": {"description": "the signed answer"}},
        }
    }
}
#: the signed answers Litestar sees as plain dicts -> their shapes (api/answer_shapes.py)
ANSWER_SHAPES = {
    ("/api/v1/partner/status/{uscc}", "get"): "StatusAnswer",
    ("/api/v1/partner/status/batch", "post"): "BatchAnswer",
    ("/api/v1/partner/changes", "get"): "ChangesPage",
}


def partner_status_first(app: ASGIApp, answer: StatusAnswer) -> ASGIApp:
    """Serves a status GET before Litestar's router and exception middleware see it (they cost a
    fifth of a cached answer, measured in bench/RESULTS.md); anything else goes to ``app`` as
    before. A status answer that raised goes there too, with its error in the scope's state: the
    route raises that same error (without answering again) for the app's exception handlers to
    render. The answer raises before it records anything."""

    async def first(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == ScopeType.HTTP and scope.get("method") == "GET" and scope["path"].startswith(STATUS_PREFIX):
            try:
                body = await answer(scope)
            except Exception as exc:  # rendered by the app, as if raised there
                scope.setdefault("state", {})[_RAISED] = exc
                await app(scope, receive, send)
                return
            await _send_json(send, body)
            return
        await app(scope, receive, send)

    return first

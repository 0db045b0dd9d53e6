"""/api/v1/partner: signed status answers, feedback, and the change feed (DESIGN section 6)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

from litestar import MediaType, Response, get, post
from litestar.di import NamedDependency
from litestar.params import HeaderParameter, JSONBody, PathParameter, QueryParameter
from litestar.response import ServerSentEvent, ServerSentEventMessage

from registry.domain.actors import Actor
from registry.domain.container import Services
from registry.domain.partners import schemas as s
from registry.domain.wire import MAX_ID
from registry.errors import FieldProblem, ValidationFailed


def partner_handlers(services: Services) -> list[Any]:
    partners = services.partners

    @get(
        "/partner/status/{uscc:str}",
        tags=["partner"],
        summary="信用状态签名答复 / signed status answer: the measures your department applies",
        description="`{request_id, payload, jws}`; the JWS signs the RFC 8785 canonical JSON of `payload` "
        "(verify with /.well-known/jwks.json). With `nonce` the payload holds the nonce and request_id.",
    )
    async def status(
        actor: NamedDependency[Actor],
        uscc: Annotated[str, PathParameter(max_length=64)],
        nonce: Annotated[str | None, QueryParameter(min_length=8, max_length=128, pattern=r"^[\x21-\x7e]+$")] = None,
    ) -> Response[bytes]:
        return Response(await partners.status(actor, uscc, nonce), media_type=MediaType.JSON)

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
        after: Annotated[int, QueryParameter(ge=0, le=MAX_ID)] = 0,
        limit: Annotated[int, QueryParameter(ge=1, le=1000)] = 100,
    ) -> dict[str, Any]:
        return await partners.changes(actor, after, limit)

    @get(
        "/partner/changes/stream",
        tags=["partner"],
        summary="变更推送 / live change stream (SSE): every change after `after` or Last-Event-ID, then as they commit",
        description="Each event: `id` = seq, `event: change`, `data` = a signed change `{payload, jws}`. Reconnect "
        "with `Last-Event-ID` to resume without gaps. `max_events` closes the stream after that many.",
    )
    async def stream(
        actor: NamedDependency[Actor],
        after: Annotated[int | None, QueryParameter(ge=0, le=MAX_ID)] = None,
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

    return [status, batch, feedback, changes, stream]

"""/api/v1/partner: signed status answers, feedback, and the change feed (DESIGN section 6)."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Response, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody, PathParameter, QueryParameter

from registry.domain.actors import Actor
from registry.domain.container import Services
from registry.domain.partners import schemas as s
from registry.domain.wire import MAX_ID


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
    ) -> dict[str, Any]:
        return await partners.status(actor, uscc, nonce)

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

    return [status, batch, feedback, changes]

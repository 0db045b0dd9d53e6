"""/api/v1/log: the transparency log, for anyone (DESIGN section 4): checkpoint, entries, proofs."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import MediaType, get
from litestar.di import NamedDependency, Provide
from litestar.params import QueryParameter

from registry.api.auth import actor_for
from registry.api.public import RATE_LIMITED, public_limit
from registry.domain.actors import Actor
from registry.domain.container import Services
from registry.domain.wire import MAX_ID

Index = Annotated[int, QueryParameter(ge=0, le=MAX_ID)]
Size = Annotated[int, QueryParameter(ge=1, le=MAX_ID)]


def log_handlers(services: Services) -> list[Any]:
    """Rate-limited per client address like the other public endpoints (one counter for all of
    them): proofs are computed from the database per request, a cheap way to load it otherwise."""
    log = services.log
    limited = public_limit(services)

    @get(
        "/api/v1/log/checkpoint",
        tags=["log"],
        summary="签名检查点 / signed checkpoint (tree size, root hash, time) with its C2SP signed note",
        before_request=limited,
        opt=RATE_LIMITED,
    )
    async def checkpoint() -> dict[str, Any]:
        return await log.checkpoint()

    @get(
        "/api/v1/log/checkpoint/note",
        tags=["log"],
        media_type=MediaType.TEXT,
        summary="C2SP tlog-checkpoint signed note (text/plain), for witnesses and monitors",
        before_request=limited,
        opt=RATE_LIMITED,
    )
    async def note() -> str:
        return str((await log.checkpoint())["note"])

    # The entries name subjects, removed listings included, for good: DOMAIN 7.3 shows nothing of a
    # listing after its removal to the public, so entries are for authenticated clients (partners,
    # bureaus); checkpoints and proofs carry hashes only and stay public. (DESIGN 6 says "anyone":
    # the step that signs answers decides whether leaves become commitments the public may read.)
    @get(
        "/api/v1/log/entries",
        tags=["log"],
        summary="日志条目 / entries [start, end), at most 1000 (bearer token of any client)",
        dependencies={"actor": Provide(actor_for(services.tokens, "admin", "bureau", "partner"))},
        security=[{"bearer": []}],
        before_request=limited,
        opt=RATE_LIMITED,
    )
    async def entries(actor: NamedDependency[Actor], start: Index, end: Size) -> dict[str, Any]:
        return await log.entries(start, end)

    @get(
        "/api/v1/log/proof/inclusion",
        tags=["log"],
        summary="包含证明 / inclusion proof (RFC 9162 2.1.3)",
        before_request=limited,
        opt=RATE_LIMITED,
    )
    async def inclusion(leaf_index: Index, tree_size: Size) -> dict[str, Any]:
        return await log.inclusion(leaf_index, tree_size)

    @get(
        "/api/v1/log/proof/consistency",
        tags=["log"],
        summary="一致性证明 / consistency proof (RFC 9162 2.1.4)",
        before_request=limited,
        opt=RATE_LIMITED,
    )
    async def consistency(first: Size, second: Size) -> dict[str, Any]:
        return await log.consistency(first, second)

    return [checkpoint, note, entries, inclusion, consistency]

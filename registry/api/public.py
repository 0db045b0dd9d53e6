"""/api/v1/public: disclosure search and the signed detail, for anyone, rate-limited per address."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from litestar import Request, Router, get
from litestar.params import PathParameter, QueryParameter

from registry.domain.container import Services
from registry.errors import RateLimited
from registry.lib.addresses import client_address, trusted_proxies

Query = Annotated[
    str,
    QueryParameter(
        description="企业名称片段或统一社会信用代码 / name fragment or USCC (2-100 characters, spaces around trimmed)",
        # stated, not enforced here: the service's check names the rule broken (too_short, too_long)
        schema_extra={"pattern": r"^\s*\S[\s\S]*\S\s*$"},
    ),
]
Cursor = Annotated[str | None, QueryParameter(description="上一页的 next_cursor / next_cursor of the page before")]


async def public_hits(services: Services, request: Request[Any, Any, Any]) -> tuple[bool, int]:
    """(allowed, seconds until the window resets) for this client address, counted across workers:
    one counter per address for everything public (pages, public API, JWKS, the log, /verify)."""
    limit = services.settings.public.rate_limit_per_minute
    address = client_address(request.scope, trusted_proxies(services.settings.trusted_proxies))
    hit = await services.store.hit(f"public:{address}", limit, 60)
    return hit.allowed, max(1, hit.reset_in)


#: the ``opt`` of a handler behind ``public_limit``: its 429 in the OpenAPI document (api/contract.py)
RATE_LIMITED: dict[str, Any] = {"problems": (RateLimited,)}


def public_limit(services: Services) -> Callable[[Request[Any, Any, Any]], Awaitable[None]]:
    """A ``before_request`` hook for the public JSON endpoints: 429 problem with Retry-After.
    It runs before the handler's dependencies, so an unauthenticated flood is counted too."""

    async def limited(request: Request[Any, Any, Any]) -> None:
        allowed, retry = await public_hits(services, request)
        if not allowed:
            raise RateLimited(f"请求过于频繁，请 {retry} 秒后再试 / too many requests; retry in {retry} s", retry)

    return limited


def public_api_router(services: Services) -> Router:
    disclosure = services.disclosure

    @get(
        "/enterprises",
        tags=["public"],
        summary="公示查询 / disclosure search by name fragment or USCC (2-100 characters, 20 per page)",
    )
    async def search(q: Query, cursor: Cursor = None) -> dict[str, Any]:
        page = await disclosure.search(q, cursor)
        return {"q": page.q, "items": page.items, "next_cursor": page.next_cursor}

    @get(
        "/enterprises/{uscc:str}",
        tags=["public"],
        summary="公示详情（签名）/ signed public disclosure of one enterprise (audience public)",
        description="`{request_id, payload, jws}`: the JWS signs the RFC 8785 canonical JSON of `payload` "
        "(verify with /.well-known/jwks.json, or paste it into /verify).",
    )
    async def detail(uscc: Annotated[str, PathParameter(title="统一社会信用代码 / USCC")]) -> dict[str, Any]:
        return await disclosure.detail(uscc)

    return Router(
        path="/api/v1/public",
        route_handlers=[search, detail],
        before_request=public_limit(services),
        opt=RATE_LIMITED,
    )

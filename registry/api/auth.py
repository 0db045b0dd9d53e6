"""Who is calling: bearer token -> Actor, with the roles each route admits.

A dependency rather than middleware: public routes (JWKS, health, disclosure) pay nothing for it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from litestar import Request

from registry.domain.accounts.tokens import TokenService
from registry.domain.actors import Actor
from registry.errors import Forbidden, NotAuthenticated

ActorProvider = Callable[..., Awaitable[Actor]]


def bearer(request: Request[Any, Any, Any]) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise NotAuthenticated(
            "需要 Bearer 令牌（POST /api/v1/auth/token 获取）/ a Bearer token is required "
            "(get one from POST /api/v1/auth/token)"
        )
    return token.strip()


def actor_for(tokens: TokenService, *roles: str) -> ActorProvider:
    allowed = frozenset(roles)

    async def provide_actor(request: Request[Any, Any, Any]) -> Actor:
        principal = await tokens.verify(bearer(request))
        if principal.role not in allowed:
            raise Forbidden(
                f"角色 {principal.role} 无权访问此接口（需要 {'/'.join(sorted(allowed))}）/ role "
                f"{principal.role} may not use this endpoint (needs {'/'.join(sorted(allowed))})"
            )
        return principal.actor(request.scope.get("state", {}).get("request_id"))

    return provide_actor

"""OAuth2 client credentials (RFC 6749 section 4.4) and the public keys that verify what we sign."""

from __future__ import annotations

import base64
import binascii
from typing import Any
from urllib.parse import parse_qs, unquote

import msgspec
from litestar import Request, get, post

from registry.domain.container import Services
from registry.errors import FieldProblem, InvalidClient, RateLimited, ValidationFailed


class TokenResponse(msgspec.Struct):
    access_token: str
    token_type: str
    expires_in: int
    scope: str


def _credentials(request: Request[Any, Any, Any], body: bytes) -> tuple[str, str]:
    """client_id/secret from HTTP Basic (preferred by RFC 6749 2.3.1) or the form body."""
    form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
    if (request.headers.get("content-type") or "").startswith("application/json"):
        try:
            decoded = msgspec.json.decode(body or b"{}")
            form = {k: str(v) for k, v in decoded.items()} if isinstance(decoded, dict) else {}
        except msgspec.DecodeError:
            form = {}
    if form.get("grant_type", "client_credentials") != "client_credentials":
        raise ValidationFailed(
            [
                FieldProblem(
                    "grant_type",
                    "unsupported_grant_type",
                    "仅支持 client_credentials",
                    "only client_credentials is supported",
                )
            ]
        )
    header = request.headers.get("authorization", "")
    if header.lower().startswith("basic "):
        try:
            raw = base64.b64decode(header[6:].strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise InvalidClient("Basic 认证头格式错误 / malformed Basic authorization header") from exc
        cid, _, secret = raw.partition(":")
        return unquote(cid), unquote(secret)
    cid, secret = form.get("client_id", ""), form.get("client_secret", "")
    if not cid or not secret:
        raise InvalidClient("缺少 client_id 或 client_secret / client_id and client_secret are required")
    return cid, secret


def token_handlers(services: Services) -> list[Any]:
    auth = services.settings.auth

    @post(
        "/api/v1/auth/token",
        tags=["auth"],
        status_code=200,
        summary="换取访问令牌 / client credentials -> bearer JWT",
        description="`grant_type=client_credentials`, credentials by HTTP Basic or form fields "
        "`client_id`/`client_secret` (RFC 6749 4.4). Tokens are EdDSA JWTs verifiable with the JWKS.",
    )
    async def token(request: Request[Any, Any, Any]) -> TokenResponse:
        address = request.client.host if request.client else "unknown"
        key = f"token-fail:{address}"
        seen = await services.store.peek(key, auth.token_failures_per_window, auth.token_failure_window_seconds)
        if seen.count >= auth.token_failures_per_window:
            raise RateLimited("认证失败次数过多，请稍后再试 / too many failed attempts; retry later", seen.reset_in)
        try:
            cid, secret = _credentials(request, await request.body())
            principal = await services.accounts.authenticate(cid, secret)
        except InvalidClient:
            await services.store.hit(key, auth.token_failures_per_window, auth.token_failure_window_seconds)
            raise
        access, ttl = services.tokens.issue(principal)
        return TokenResponse(access, "Bearer", ttl, principal.role)

    @get(
        "/.well-known/jwks.json",
        tags=["auth"],
        summary="公钥 / JWKS for tokens and signed answers",
        sync_to_thread=False,
        cache_control=None,
    )
    def jwks() -> dict[str, list[dict[str, str]]]:
        return services.keys.jwks()

    return [token, jwks]

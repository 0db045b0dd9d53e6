"""OAuth2 client credentials (RFC 6749 section 4.4) and the public keys that verify what we sign."""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from typing import Any
from urllib.parse import parse_qs, unquote

import msgspec
from litestar import Request, get, post

from registry.api.public import RATE_LIMITED, public_limit
from registry.domain.container import Services
from registry.errors import FieldProblem, InvalidClient, InvalidRequest, RateLimited, ValidationFailed
from registry.lib.addresses import client_address, trusted_proxies
from registry.lib.json_guard import too_deep


class TokenResponse(msgspec.Struct):
    access_token: str
    token_type: str
    expires_in: int
    scope: str


#: longest client_id and client_secret accepted (ids are 64 columns wide; secrets are 43 characters)
CLIENT_ID_MAX = 64
CLIENT_SECRET_MAX = 256
#: RFC 6749 appendix A: client_id and client_secret are VSCHAR, %x20-7E
_VSCHAR = re.compile(r"[\x20-\x7e]*")


def _checked(cid: str, secret: str) -> tuple[str, str]:
    """Credentials as RFC 6749 allows them, checked before any query: PostgreSQL refuses NUL in
    text, and a NUL in client_id was a 500 with a traceback per request."""
    problems = []
    for name, value, cap in (("client_id", cid, CLIENT_ID_MAX), ("client_secret", secret, CLIENT_SECRET_MAX)):
        if len(value) > cap:
            problems.append(
                FieldProblem(name, "max_length", f"{name} 超过 {cap} 个字符", f"{name} is longer than {cap} characters")
            )
        elif not _VSCHAR.fullmatch(value):
            problems.append(
                FieldProblem(
                    name,
                    "vschar",
                    f"{name} 只能包含可见 ASCII 字符和空格（RFC 6749 VSCHAR），不得含控制字符",
                    f"{name} may hold only visible ASCII characters and space (RFC 6749 VSCHAR), no control characters",
                )
            )
    if problems:
        raise InvalidRequest(problems)
    return cid, secret


def _credentials(request: Request[Any, Any, Any], body: bytes, max_depth: int) -> tuple[str, str]:
    """client_id/secret from HTTP Basic (preferred by RFC 6749 2.3.1) or the form body."""
    form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
    if (request.headers.get("content-type") or "").startswith("application/json"):
        if too_deep(body, max_depth):
            raise InvalidRequest(
                [
                    FieldProblem(
                        "body",
                        "max_json_depth",
                        f"JSON 嵌套超过 {max_depth} 层",
                        f"JSON nested deeper than {max_depth} levels (limit max_json_depth = {max_depth})",
                    )
                ]
            )
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
        return _checked(unquote(cid), unquote(secret))
    cid, secret = form.get("client_id", ""), form.get("client_secret", "")
    if not cid or not secret:
        raise InvalidClient("缺少 client_id 或 client_secret / client_id and client_secret are required")
    return _checked(cid, secret)


_CREDENTIALS = {
    "type": "object",
    "required": ["grant_type"],
    "properties": {
        "grant_type": {"type": "string", "enum": ["client_credentials"]},
        "client_id": {
            "type": "string",
            "pattern": f"^{_VSCHAR.pattern}$",
            "description": "or HTTP Basic (RFC 6749 2.3.1)",
        },
        "client_secret": {"type": "string", "pattern": f"^{_VSCHAR.pattern}$"},
    },
}
#: the body the handler reads itself, for the OpenAPI document (api/contract.py)
TOKEN_REQUEST = {
    "requestBody": {
        "required": True,
        "content": {
            "application/x-www-form-urlencoded": {"schema": _CREDENTIALS},
            "application/json": {"schema": _CREDENTIALS},
        },
    }
}


def token_handlers(services: Services) -> list[Any]:
    auth = services.settings.auth
    proxies = trusted_proxies(services.settings.trusted_proxies)

    @post(
        "/api/v1/auth/token",
        tags=["auth"],
        status_code=200,
        summary="换取访问令牌 / client credentials -> bearer JWT",
        description="`grant_type=client_credentials`, credentials by HTTP Basic or form fields "
        "`client_id`/`client_secret` (RFC 6749 4.4). Tokens are EdDSA JWTs verifiable with the JWKS.",
        opt={"problems": (InvalidRequest, InvalidClient, ValidationFailed, RateLimited), "openapi": TOKEN_REQUEST},
    )
    async def token(request: Request[Any, Any, Any]) -> TokenResponse:
        # Two counters of failures (successes are not counted), chosen so that a guesser spraying
        # from one address cannot shut out a colleague behind the same NAT:
        # - per client id: after `token_failures_per_client` failures that id is locked for the
        #   window, its secret not even checked: guessing one id stays throttled from any number of
        #   addresses, and a locked id answers alike whatever is sent (unknown ids lock the same
        #   way, so a lock tells nothing about whether the id exists);
        # - per client address: beyond `token_failures_per_window` failures, a *failed* attempt
        #   answers 429 with Retry-After instead of 401. The secret is still checked: refusing the
        #   address unchecked would refuse a colleague's correct secret too, which is the lockout
        #   this replaces. Its 429 tells a sprayer (and a misconfigured client) to back off;
        #   what bounds guessing is the per-id lock, with secrets of 256 random bits besides.
        window = auth.token_failure_window_seconds
        address_key = f"token-fail:{client_address(request.scope, proxies)}"
        try:
            cid, secret = _credentials(request, await request.body(), services.settings.limits.max_json_depth)
        except InvalidClient:  # no client id to count against: the address alone
            await _failed(address_key, None)
            raise
        client_key = "token-fail-client:" + hashlib.sha256(cid.encode("utf-8", "surrogatepass")).hexdigest()
        locked = await services.store.peek(client_key, auth.token_failures_per_client, window)
        if locked.count >= auth.token_failures_per_client:
            await services.store.hit(address_key, auth.token_failures_per_window, window)
            raise RateLimited(
                f"该客户端认证失败次数过多，已暂停 {locked.reset_in} 秒 / too many failed attempts for this "
                f"client; locked for {locked.reset_in} s",
                locked.reset_in,
            )
        try:
            principal = await services.accounts.authenticate(cid, secret)
        except InvalidClient:
            await _failed(address_key, client_key)
            raise
        access, ttl = services.tokens.issue(principal)
        return TokenResponse(access, "Bearer", ttl, principal.role)

    async def _failed(address_key: str, client_key: str | None) -> None:
        """Count a failure; beyond the address's limit it answers 429 instead of 401."""
        window = auth.token_failure_window_seconds
        if client_key is not None:
            await services.store.hit(client_key, auth.token_failures_per_client, window)
        seen = await services.store.hit(address_key, auth.token_failures_per_window, window)
        if not seen.allowed:
            raise RateLimited(
                f"此地址认证失败次数过多，请 {seen.reset_in} 秒后再试 / too many failed attempts from this "
                f"address; retry in {seen.reset_in} s",
                seen.reset_in,
            )

    @get(
        "/.well-known/jwks.json",
        tags=["auth"],
        summary="公钥 / JWKS for tokens and signed answers",
        sync_to_thread=False,
        cache_control=None,
        before_request=public_limit(services),  # per address, the one counter of the public endpoints
        opt=RATE_LIMITED,
    )
    def jwks() -> dict[str, list[dict[str, str]]]:
        return services.keys.jwks()

    return [token, jwks]

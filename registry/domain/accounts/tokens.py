"""Bearer tokens: short-lived EdDSA JWTs, verified once and then served from memory until ``exp``.

Decoding a JWT costs more than the rest of a cached answer (DESIGN section 3), so a verified
token is cached in-process, keyed by the token itself. Revocation bumps the account's
``token_version`` and is broadcast on the store's ``auth`` channel; every worker drops that
account's cached tokens. If the channel breaks, the worker stops trusting its cache (it checks
the account in SQL on every request) until it has resubscribed.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections import OrderedDict

import jwt
import structlog

from registry.domain.accounts.service import AccountService, Principal
from registry.errors import NotAuthenticated
from registry.lib.clock import Clock
from registry.lib.store import Store
from registry.settings import AuthSettings
from registry.signing.keys import KeyRing

log = structlog.get_logger(__name__)
CHANNEL = "auth"
_CACHE_MAX = 50_000
#: seconds of clock difference tolerated on exp/iat/nbf between issuing and checking hosts
_LEEWAY = 5


class TokenService:
    def __init__(
        self, keys: KeyRing, settings: AuthSettings, accounts: AccountService, store: Store, clock: Clock
    ) -> None:
        self.keys = keys
        self.settings = settings
        self.accounts = accounts
        self.store = store
        self.clock = clock
        self._cache: OrderedDict[str, tuple[Principal, float]] = OrderedDict()
        self._trusted = store.name == "memory"  # a Redis-backed cache is trusted once subscribed
        self._task: asyncio.Task[None] | None = None

    def issue(self, principal: Principal) -> tuple[str, int]:
        now = int(self.clock.now().timestamp())
        ttl = self.settings.token_ttl_seconds
        who = principal.identity
        claims = {
            "iss": self.settings.issuer,
            "aud": self.settings.audience,
            "sub": who.id,
            "iat": now,
            "nbf": now,
            "exp": now + ttl,
            "jti": str(uuid.uuid4()),
            "role": principal.role,
            "kind": who.kind,
            "acc": principal.account_id,
            "ver": principal.token_version,
            "authority": (
                {
                    "id": who.authority_id,
                    "level": who.authority_level,
                    "jurisdiction": who.jurisdiction,
                }
                if who.authority_id
                else None
            ),
            "department": who.department,
        }
        token = jwt.encode(claims, self.keys.private, algorithm="EdDSA", headers={"kid": self.keys.kid})
        return token, ttl

    async def verify(self, token: str) -> Principal:
        hit = self._cache.get(token)
        now = self.clock.now().timestamp()
        if hit is not None and hit[1] > now and self._trusted:
            return hit[0]
        principal, exp = await self._verify_fresh(token)
        self._cache[token] = (principal, exp)
        self._cache.move_to_end(token)
        while len(self._cache) > _CACHE_MAX:
            self._cache.popitem(last=False)
        return principal

    async def _verify_fresh(self, token: str) -> tuple[Principal, float]:
        try:
            kid = jwt.get_unverified_header(token).get("kid")
            key = self.keys.public.get(kid or "")
            if key is None:
                raise NotAuthenticated("令牌签名密钥未知 / token signed with an unknown key")
            claims = jwt.decode(
                token,
                key,
                algorithms=["EdDSA"],
                audience=self.settings.audience,
                issuer=self.settings.issuer,
                # times are checked below against the service's clock, the one that issued them
                options={
                    "require": ["exp", "iat", "sub", "jti", "aud", "iss"],
                    "verify_exp": False,
                    "verify_iat": False,
                    "verify_nbf": False,
                },
            )
        except jwt.InvalidTokenError as exc:
            raise NotAuthenticated(f"令牌无效 / invalid token: {exc}") from exc
        now = self.clock.now().timestamp()
        if float(claims["exp"]) < now - _LEEWAY:
            raise NotAuthenticated("令牌已过期 / token expired")
        if float(claims["iat"]) > now + _LEEWAY or float(claims.get("nbf", 0)) > now + _LEEWAY:
            raise NotAuthenticated("令牌尚未生效 / token not yet valid")
        principal = await self.accounts.principal(int(claims["acc"]))
        if principal is None or principal.token_version != claims.get("ver"):
            raise NotAuthenticated("令牌已被撤销 / token revoked")
        return principal, float(claims["exp"])

    async def revoked(self, account_id: int) -> None:
        """Called after a token_version bump: forget cached tokens here and in every worker."""
        self._forget(account_id)
        await self.store.publish(CHANNEL, f"revoke:{account_id}")

    def _forget(self, account_id: int) -> None:
        for token in [t for t, (p, _) in self._cache.items() if p.account_id == account_id]:
            del self._cache[token]

    async def start(self) -> None:
        self._task = asyncio.create_task(self._listen())

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _listen(self) -> None:
        while True:
            try:
                async for message in self.store.subscribe(CHANNEL):
                    if message == "":  # the store's "subscribed" marker: from now on we hear every change
                        self._trusted = True
                    elif message.startswith("revoke:"):
                        self._forget(int(message.split(":", 1)[1]))
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self._trusted = False
                self._cache.clear()
                log.warning("auth channel lost; token cache distrusted", error=str(exc))
                await asyncio.sleep(1)

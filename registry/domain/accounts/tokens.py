"""Bearer tokens: short-lived EdDSA JWTs, verified once and then served from memory until ``exp``.

Decoding a JWT costs more than the rest of a cached answer (DESIGN section 3), so a verified
token is cached in-process, keyed by the token itself. A cached token is served only while the
worker is sure to have heard of every revocation (``revocations.RevocationWatch``: PostgreSQL
NOTIFY, else a read of the table at least every ``revocation_check_seconds``); the check on the
hot path is a dict lookup and two time comparisons. A revocation drops the account's cached
tokens; the next use reads the account and is refused (disabled, or an older token_version).
"""

from __future__ import annotations

import contextlib
import time
import uuid
from collections import OrderedDict

import jwt

from registry.db.engine import Database
from registry.domain.accounts.revocations import RevocationWatch
from registry.domain.accounts.service import AccountService, Principal
from registry.errors import DatabaseUnavailable, NotAuthenticated
from registry.lib.clock import Clock
from registry.settings import AuthSettings
from registry.signing.keys import KeyRing

_CACHE_MAX = 50_000
#: seconds of clock difference tolerated on exp/iat/nbf between issuing and checking hosts
_LEEWAY = 5


class TokenService:
    def __init__(
        self, keys: KeyRing, settings: AuthSettings, accounts: AccountService, db: Database, clock: Clock
    ) -> None:
        self.keys = keys
        self.settings = settings
        self.accounts = accounts
        self.clock = clock
        self._cache: OrderedDict[str, tuple[Principal, float]] = OrderedDict()
        self.watch = RevocationWatch(db, self.forget, settings.revocation_check_seconds)
        accounts.revoked_hooks.append(self.watch.heard)  # this process's own revocations, at once

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
        # a claim that does not apply is left out, not sent as null: JOSE libraries may refuse a null
        # claim (jwcrypto does since 1.6.2), and RFC 7519 names no meaning for one
        claims = {name: value for name, value in claims.items() if value is not None}
        token = jwt.encode(claims, self.keys.private, algorithm="EdDSA", headers={"kid": self.keys.kid})
        return token, ttl

    async def verify(self, token: str) -> Principal:
        hit = self._cache.get(token)
        now = self.clock.now().timestamp()
        if hit is not None and hit[1] > now:
            if time.monotonic() < self.watch.trusted_until:
                return hit[0]
            # Not heard from lately: read the revocations, then trust. With the database down no
            # revocation can be written and a token opens nothing but pre-produced partner answers:
            # the cache holds what the last read knew, until each token's exp.
            with contextlib.suppress(DatabaseUnavailable):
                await self.watch.refresh()
            hit = self._cache.get(token)
            if hit is not None:
                return hit[0]
        watch = self.watch
        primed, generation = watch.primed, watch.generation
        principal, exp = await self._verify_fresh(token)
        if primed and watch.generation == generation:  # no revocation heard while we read the account
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

    def forget(self, account_id: int) -> None:
        """Drop the account's cached tokens (a revocation heard); their next use reads the account."""
        for token in [t for t, (p, _) in self._cache.items() if p.account_id == account_id]:
            del self._cache[token]

    async def start(self) -> None:
        await self.watch.start()

    async def stop(self) -> None:
        await self.watch.stop()

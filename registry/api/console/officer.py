"""Who is at the console: the session cookie -> the officer, checked on every request.

A dependency of every console page but the sign-in form: it loads the server-side session, ends it
when idle, too old, its account disabled or its password changed since, checks the form's CSRF
token on every unsafe method (a synchronizer token kept in the session, never in a cookie), and
sends an officer with a first password to change it before anything else.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from litestar import Request
from litestar.datastructures import Cookie

from registry.api.console.sessions import Session, SessionStore
from registry.domain.accounts.passwords import SignedIn
from registry.domain.actors import Actor
from registry.domain.container import Services
from registry.lib.addresses import TrustedProxies, came_over_tls

COOKIE = "registry_console"
PATH = "/console"
#: the second step of a sign-in with a second factor
CODE_PATH = "/console/login/code"
SAFE = frozenset({"GET", "HEAD", "OPTIONS"})
#: the pages an officer with a first password may still reach
PASSWORD_PAGES = frozenset({"/console/password", "/console/logout"})


class SignInRequired(Exception):
    """Answered by a redirect to the sign-in page (or wherever ``location`` says)."""

    def __init__(self, location: str) -> None:
        super().__init__(location)
        self.location = location


class CsrfRefused(Exception):
    """A form without this session's token: answered 403, nothing done."""


@dataclass(frozen=True, slots=True)
class Officer:
    signed: SignedIn
    session: Session
    sid: str
    request_id: str | None

    @property
    def actor(self) -> Actor:
        return self.signed.principal.actor(self.request_id)

    def context(self) -> dict[str, Any]:
        """What every page shows: who, their authority and area; the token for its forms."""
        return {"me": self.signed, "csrf": self.session.csrf}


def session_cookie(sid: str, tls: bool) -> Cookie:
    return Cookie(key=COOKIE, value=sid, path=PATH, httponly=True, samesite="lax", secure=tls)


def cleared_cookie(tls: bool) -> Cookie:
    return Cookie(key=COOKIE, value="", path=PATH, httponly=True, samesite="lax", secure=tls, max_age=0)


def sign_in_location(path: str, reason: str | None = None) -> str:
    query = f"?next={quote(path, safe='/')}"
    return f"/console/login{query}" + (f"&why={reason}" if reason else "")


def safe_next(value: str | None) -> str:
    """Where to go after sign-in: a console path of ours, never another site (open redirect)."""
    if (
        not value
        or not value.startswith("/console/")
        or value.startswith("//")
        or "\\" in value
        or not value.isprintable()
        or value.startswith("/console/login")
    ):
        return "/console/"
    return value


def officer_provider(
    services: Services, sessions: SessionStore, proxies: TrustedProxies
) -> Callable[[Request[Any, Any, Any]], Awaitable[Officer]]:
    async def provide_officer(request: Request[Any, Any, Any]) -> Officer:
        path = request.url.path
        sid = request.cookies.get(COOKIE, "")
        now = services.clock.now().timestamp()
        session = await sessions.load(sid, now) if sid else None
        if session is None:
            raise SignInRequired(sign_in_location(path, "expired" if sid else None))
        if session.second_factor_pending:  # half signed in: the code first, nothing else
            raise SignInRequired(CODE_PATH)
        signed = await services.console.current(session.account_id)
        if signed is None or not hmac.compare_digest(signed.password_stamp, session.password_stamp):
            await sessions.delete(sid)
            raise SignInRequired(sign_in_location(path, "ended"))
        officer = Officer(signed, session, sid, request.scope.get("state", {}).get("request_id"))
        request.state.console_officer = officer  # the error pages show who is signed in too
        if request.method not in SAFE:
            form = await request.form()
            token = form.get("_csrf")
            if not isinstance(token, str) or not hmac.compare_digest(token.encode(), session.csrf.encode()):
                raise CsrfRefused
        if signed.must_change and path not in PASSWORD_PAGES:
            raise SignInRequired("/console/password")
        return officer

    return provide_officer


def over_tls(request: Request[Any, Any, Any], proxies: TrustedProxies) -> bool:
    return came_over_tls(request.scope, proxies)

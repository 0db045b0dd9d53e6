"""The second step of a sign-in with a second factor: the code after the password.

The password step leaves a half-signed-in session (``Session.second_factor_pending``) that opens
this page only and ends after ``PENDING_SECONDS``; a right code replaces it with a full session
under a new id (no fixation across the two steps). The form's token is the pending session's.
"""

from __future__ import annotations

import hmac
from typing import Any

from litestar import Request, Response, get, post
from litestar.response import Redirect, Template

from registry.api.console.officer import (
    CODE_PATH,
    COOKIE,
    CsrfRefused,
    SignInRequired,
    cleared_cookie,
    over_tls,
    safe_next,
    session_cookie,
)
from registry.api.console.sessions import Session, SessionStore
from registry.domain.accounts.passwords import SignInLocked, SignInRefused
from registry.domain.container import Services
from registry.lib.addresses import TrustedProxies

LOGIN_PATH = "/console/login"


def code_handlers(services: Services, sessions: SessionStore, proxies: TrustedProxies) -> list[Any]:
    async def pending(request: Request[Any, Any, Any]) -> tuple[str, Session]:
        sid = request.cookies.get(COOKIE, "")
        session = await sessions.load(sid, services.clock.now().timestamp()) if sid else None
        if session is None or not session.second_factor_pending:
            raise SignInRequired(f"{LOGIN_PATH}?why=expired" if sid else LOGIN_PATH)
        return sid, session

    def code_page(session: Session, message: str | None = None, status: int = 200) -> Template:
        context = {"csrf": session.csrf, "message": message}
        return Template(template_name="console/code.html", context=context, status_code=status)

    @get(CODE_PATH, include_in_schema=False)
    async def code_form(request: Request[Any, Any, Any]) -> Template:
        _, session = await pending(request)
        return code_page(session)

    @post(CODE_PATH, include_in_schema=False, status_code=200)
    async def code(request: Request[Any, Any, Any]) -> Response[Any]:
        sid, session = await pending(request)
        form = await request.form()
        sent = form.get("_csrf")
        if not isinstance(sent, str) or not hmac.compare_digest(sent.encode(), session.csrf.encode()):
            raise CsrfRefused
        typed = form.get("code")
        request_id = request.scope.get("state", {}).get("request_id")
        tls = over_tls(request, proxies)
        try:
            signed = await services.console.second_step(
                session.account_id, typed[:16] if isinstance(typed, str) else "", request_id
            )
        except SignInLocked:
            await sessions.delete(sid)  # locked: the password again once the lock ends
            locked: Response[Any] = Redirect(f"{LOGIN_PATH}?why=locked", status_code=303)
            locked.cookies.append(cleared_cookie(tls))
            return locked
        except SignInRefused as exc:
            return code_page(session, exc.detail, 401)
        await sessions.delete(sid)
        if not hmac.compare_digest(signed.password_stamp, session.password_stamp):  # changed meanwhile
            raise SignInRequired(f"{LOGIN_PATH}?why=ended")
        new_sid, _ = await sessions.create(
            signed.principal.account_id, services.clock.now().timestamp(), signed.password_stamp
        )
        target = "/console/password" if signed.must_change else safe_next(session.next_path)
        answer: Response[Any] = Redirect(target, status_code=303)
        answer.cookies.append(session_cookie(new_sid, tls))
        return answer

    return [code_form, code]

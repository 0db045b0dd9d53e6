"""Sign-in, sign-out and the password change of the console.

The sign-in form has no session yet, so its CSRF token is a random value in a short-lived cookie
of its own and in the form (double submit): another site can neither read the cookie nor set it,
so it cannot sign a victim in to the attacker's account (login CSRF). A successful sign-in always
opens a new session under a new id and deletes any session the browser presented (no fixation).
"""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from litestar.response import Redirect, Template

from registry.api.console.officer import (
    CODE_PATH,
    COOKIE,
    Officer,
    cleared_cookie,
    over_tls,
    safe_next,
    session_cookie,
)
from registry.api.console.sessions import SessionStore
from registry.domain.accounts.passwords import SignInLocked, SignInRefused
from registry.domain.container import Services
from registry.errors import ValidationFailed
from registry.lib.addresses import TrustedProxies

LOGIN_COOKIE = "registry_console_login"
LOGIN_PATH = "/console/login"
REASONS = {
    "expired": "会话已结束（长时间未操作或超过最长登录时间），请重新登录。",
    "ended": "账号已停用或密码已更改，请重新登录。",
    "bye": "已安全退出。",
    "locked": "连续登录失败次数过多，账号已暂时锁定，请稍后再试。",
}


def _field(form: Any, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def signin_handlers(services: Services, sessions: SessionStore, proxies: TrustedProxies) -> list[Any]:
    def login_page(
        request: Request[Any, Any, Any], next_path: str, message: str | None, name: str = "", status: int = 200
    ) -> Template:
        nonce = secrets.token_urlsafe(24)
        tls = over_tls(request, proxies)
        page = Template(
            template_name="console/login.html",
            context={"nonce": nonce, "next": next_path, "message": message, "name": name},
            status_code=status,
        )
        page.cookies.append(
            Cookie(
                key=LOGIN_COOKIE,
                value=nonce,
                path=LOGIN_PATH,
                httponly=True,
                samesite="lax",
                secure=tls,
                max_age=1800,
            )
        )
        return page

    @get(LOGIN_PATH, include_in_schema=False)
    async def login_form(
        request: Request[Any, Any, Any],
        next_path: Annotated[str | None, QueryParameter(name="next")] = None,
        why: Annotated[str | None, QueryParameter()] = None,
    ) -> Template:
        return login_page(request, safe_next(next_path), REASONS.get(why or ""))

    @post(LOGIN_PATH, include_in_schema=False, status_code=200)
    async def login(request: Request[Any, Any, Any]) -> Response[Any]:
        form = await request.form()
        next_path = safe_next(_field(form, "next"))
        nonce = request.cookies.get(LOGIN_COOKIE, "")
        sent = _field(form, "_login")
        if not nonce or not hmac.compare_digest(nonce.encode(), sent.encode()):
            return login_page(request, next_path, "登录表单已过期，请重新输入。", status=403)
        name, password = _field(form, "name").strip(), _field(form, "password")
        request_id = request.scope.get("state", {}).get("request_id")
        try:
            signed = await services.console.sign_in(name, password, request_id)
        except SignInLocked as exc:
            page = login_page(request, next_path, exc.detail, name, status=429)
            page.headers["Retry-After"] = str(exc.retry_after)
            return page
        except SignInRefused as exc:
            return login_page(request, next_path, exc.detail, name, status=401)
        presented = request.cookies.get(COOKIE)
        if presented:
            await sessions.delete(presented)
        tls = over_tls(request, proxies)
        now = services.clock.now().timestamp()
        if signed.second_factor:  # half signed in: a session that opens only the code's page
            sid, _ = await sessions.create(
                signed.principal.account_id, now, signed.password_stamp, pending_next=next_path
            )
            target = CODE_PATH
        else:
            sid, _ = await sessions.create(signed.principal.account_id, now, signed.password_stamp)
            target = "/console/password" if signed.must_change else next_path
        answer: Response[Any] = Redirect(target, status_code=303)
        answer.cookies.extend(
            [
                session_cookie(sid, tls),
                Cookie(key=LOGIN_COOKIE, value="", path=LOGIN_PATH, max_age=0, httponly=True, secure=tls),
            ]
        )
        return answer

    @post("/console/logout", include_in_schema=False, status_code=303)
    async def logout(request: Request[Any, Any, Any], officer: NamedDependency[Officer]) -> Response[Any]:
        await sessions.delete(officer.sid)
        await services.console.sign_out(officer.actor)
        answer: Response[Any] = Redirect(f"{LOGIN_PATH}?why=bye", status_code=303)
        answer.cookies.append(cleared_cookie(over_tls(request, proxies)))
        return answer

    @get("/console/password", include_in_schema=False)
    async def password_form(officer: NamedDependency[Officer]) -> Template:
        return Template(template_name="console/password.html", context={**officer.context(), "errors": {}})

    @post("/console/password", include_in_schema=False, status_code=200)
    async def change_password(request: Request[Any, Any, Any], officer: NamedDependency[Officer]) -> Response[Any]:
        form = await request.form()
        try:
            stamp = await services.console.change_password(
                officer.actor, _field(form, "current"), _field(form, "new"), _field(form, "repeated")
            )
        except ValidationFailed as exc:
            errors = {p.field: p.message_zh for p in exc.problems}
            return Template(
                template_name="console/password.html",
                context={**officer.context(), "errors": errors},
                status_code=422,
            )
        # a new session id after the change too; the other sessions of the account end
        await sessions.delete(officer.sid)
        sid, _ = await sessions.create(officer.session.account_id, services.clock.now().timestamp(), stamp)
        answer: Response[Any] = Redirect("/console/?done=password", status_code=303)
        answer.cookies.append(session_cookie(sid, over_tls(request, proxies)))
        return answer

    return [login_form, login, logout, password_form, change_password]

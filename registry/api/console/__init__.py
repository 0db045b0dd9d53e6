"""The bureau console (DESIGN section 6: ``/console/``, sign-in at ``/console/login``).

Server-rendered pages (Jinja, no script) over the same domain services as the API, called with
the signed-in officer's ``Actor``: a page can do nothing the API would refuse, and every refusal
is the service's own (shown in Chinese beside the field, or as a page).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Request, Response, Router
from litestar.di import Provide
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from litestar.response import Redirect, Template

from registry.api.console.desk import desk_handlers
from registry.api.console.event_amend import event_amend_handlers
from registry.api.console.event_list import event_list_handlers
from registry.api.console.files import file_handlers
from registry.api.console.grade_pages import grade_page_handlers
from registry.api.console.import_jobs import ImportJobs
from registry.api.console.imports import import_handlers, too_large
from registry.api.console.listing_desk import listing_desk_handlers
from registry.api.console.manual import manual_handlers
from registry.api.console.officer import CsrfRefused, Officer, SignInRequired, officer_provider
from registry.api.console.recording import recording_handlers
from registry.api.console.reports import report_page_handlers
from registry.api.console.review import review_handlers
from registry.api.console.roles import role_handlers
from registry.api.console.second_factor import second_factor_handlers
from registry.api.console.sessions import SessionStore
from registry.api.console.signin import signin_handlers
from registry.api.console.signin_code import code_handlers
from registry.api.console.units import unit_handlers
from registry.domain.container import Services
from registry.errors import RegistryError
from registry.lib.addresses import trusted_proxies


@dataclass
class Console:
    router: Router
    sessions: SessionStore
    imports: ImportJobs

    async def close(self) -> None:
        await self.imports.close()
        await self.sessions.close()


def _redirect(_request: Request[Any, Any, Any], exc: SignInRequired) -> Response[Any]:
    return Redirect(exc.location, status_code=303)


def _who(request: Request[Any, Any, Any]) -> dict[str, Any]:
    """The header of an error page: who is signed in, when the session was read before the error."""
    officer = getattr(request.state, "console_officer", None)
    return officer.context() if isinstance(officer, Officer) else {}


def _csrf(request: Request[Any, Any, Any], _exc: CsrfRefused) -> Response[Any]:
    return Template(
        template_name="console/error.html",
        context={
            **_who(request),
            "title": "表单已失效",
            "message": "表单校验码不符（可能已在其他页面退出或重新登录），本次操作未执行。请返回重试。",
        },
        status_code=403,
    )


def _refused(request: Request[Any, Any, Any], exc: RegistryError) -> Response[Any]:
    titles = {403: "无权办理", 404: "未找到", 409: "状态已变化"}
    return Template(
        template_name="console/error.html",
        context={**_who(request), "title": titles.get(exc.status, "无法完成"), "message": exc.detail.split(" / ")[0]},
        status_code=exc.status,
    )


def console(services: Services) -> Console:
    proxies = trusted_proxies(services.settings.trusted_proxies)
    sessions = SessionStore(services.settings.console, services.settings.redis)
    imports = ImportJobs(services, sessions)
    router = Router(
        path="/",
        route_handlers=[
            *signin_handlers(services, sessions, proxies),
            *code_handlers(services, sessions, proxies),
            *desk_handlers(services),
            *unit_handlers(services),
            *role_handlers(services),
            *file_handlers(services),
            *listing_desk_handlers(services),
            *manual_handlers(services),
            *review_handlers(services),
            *recording_handlers(services),
            *grade_page_handlers(services),
            *event_amend_handlers(services),
            *event_list_handlers(services),
            *report_page_handlers(services),
            *import_handlers(services, imports),
            *second_factor_handlers(services),
        ],
        dependencies={"officer": Provide(officer_provider(services, sessions, proxies))},
        exception_handlers={
            SignInRequired: _redirect,
            CsrfRefused: _csrf,
            RegistryError: _refused,
            RequestEntityTooLarge: too_large,
        },
        include_in_schema=False,
    )
    return Console(router, sessions, imports)

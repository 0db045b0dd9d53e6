"""The officer's own second factor: turn on (a QR code and the secret as text, then a code to prove
the app has it), turn off (password and a code). An administrator clears it with
``registry accounts reset-totp NAME``. The rules are ``registry.domain.accounts.second_factor``'s.
"""

from __future__ import annotations

from typing import Annotated, Any, Final

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from litestar.response import Redirect, Template

from registry.api.console.officer import Officer
from registry.domain.accounts.second_factor import Enrolment
from registry.domain.container import Services
from registry.errors import ValidationFailed

PATH: Final = "/console/second-factor"
DONE: Final = {"on": "双重验证已启用：以后登录时，输入密码后还须输入验证码。", "off": "双重验证已停用。"}


def _field(form: Any, name: str) -> str:
    value = form.get(name)
    return value[:128] if isinstance(value, str) else ""


def second_factor_handlers(services: Services) -> list[Any]:
    factor = services.console.second_factor

    def page(
        officer: Officer, enrolment: Enrolment | None = None, errors: dict[str, str] | None = None, **extra: Any
    ) -> Template:
        context = {
            **officer.context(),
            "nav": "second-factor",
            "enrolment": enrolment,
            "errors": errors or {},
            "done": None,
        }
        status = 422 if errors else 200
        return Template(template_name="console/second_factor.html", context={**context, **extra}, status_code=status)

    @get(PATH, include_in_schema=False)
    async def show(officer: NamedDependency[Officer], done: Annotated[str | None, QueryParameter()] = None) -> Template:
        return page(officer, done=DONE.get(done or ""))

    @post(f"{PATH}/begin", include_in_schema=False, status_code=200)
    async def begin(officer: NamedDependency[Officer]) -> Template:
        return page(officer, await factor.begin(officer.actor))

    @post(f"{PATH}/confirm", include_in_schema=False, status_code=200)
    async def confirm(request: Request[Any, Any, Any], officer: NamedDependency[Officer]) -> Response[Any]:
        form = await request.form()
        try:
            await factor.confirm(officer.actor, _field(form, "code"))
        except ValidationFailed as exc:
            errors = {p.field: p.message_zh for p in exc.problems}
            return page(officer, await factor.pending(officer.actor), errors)
        return Redirect(f"{PATH}?done=on", status_code=303)

    @post(f"{PATH}/disable", include_in_schema=False, status_code=200)
    async def disable(request: Request[Any, Any, Any], officer: NamedDependency[Officer]) -> Response[Any]:
        form = await request.form()
        password_ok = await services.console.password_is(officer.actor, _field(form, "password"))
        try:
            await factor.disable(officer.actor, password_ok, _field(form, "code"))
        except ValidationFailed as exc:
            return page(officer, errors={p.field: p.message_zh for p in exc.problems})
        return Redirect(f"{PATH}?done=off", status_code=303)

    return [show, begin, confirm, disable]

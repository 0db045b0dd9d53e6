"""Registering and editing an enterprise: ``/console/enterprises/new`` and ``.../{uscc}/edit``.

The same bodies and service as ``POST`` and ``PATCH /api/v1/enterprises``, with the officer's
``Actor``: GB 32100, GB/T 2260 and the register's rules are the service's, shown beside the field
they name; a unit outside the area is refused (403, audited) as the API refuses it. An edit carries
the version it loaded and the values it showed: when someone else saved meanwhile the service
answers 409 and the page shows, field by field, their value, the loaded one and the officer's own,
storing nothing.
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import PathParameter
from litestar.response import Redirect, Template

from registry.api.console.actions import beside, values
from registry.api.console.enterprise_forms import (
    COMPARED,
    CREATE_FIELDS,
    EDIT_FIELDS,
    changed,
    create_body,
    field_of,
    loaded_values,
    stale_rows,
    update_body,
)
from registry.api.console.officer import Officer
from registry.domain.container import Services
from registry.errors import Conflict, ValidationFailed

#: the hidden copy of a loaded value: ``was.name`` is the name as the form was first shown
WAS = "was."


def _page(officer: Officer, template: str, status: int = 200, **extra: Any) -> Template:
    context: dict[str, Any] = {**officer.context(), "nav": "enterprises", "errors": {}, "refusal": None}
    context.update(extra)
    return Template(template_name=template, context=context, status_code=status)


def unit_handlers(services: Services) -> list[Any]:
    def register_page(officer: Officer, status: int = 200, **extra: Any) -> Template:
        shown = extra.pop("shown", None) or {f.name: "" for f in CREATE_FIELDS}
        return _page(officer, "console/register.html", status, fields=CREATE_FIELDS, shown=shown, **extra)

    @get("/console/enterprises/new", include_in_schema=False)
    async def register_form(officer: NamedDependency[Officer]) -> Template:
        return register_page(officer)

    @post("/console/enterprises/new", include_in_schema=False, status_code=200)
    async def register(request: Request[Any, Any, Any], officer: NamedDependency[Officer]) -> Response[Any]:
        shown = values(CREATE_FIELDS, await request.form())
        data, errors = create_body(shown)
        if data is None:
            return register_page(officer, 422, shown=shown, errors=errors)
        try:
            unit = await services.enterprises.create(officer.actor, data)
        except ValidationFailed as exc:
            errors, refusal = beside(exc.problems, CREATE_FIELDS, field_of)
            return register_page(officer, exc.status, shown=shown, errors=errors, refusal=refusal)
        except Conflict as exc:
            field = exc.extra.get("field")
            if isinstance(field, str):  # a legacy code that belongs to another unit
                return register_page(officer, 409, shown=shown, errors={field: exc.detail.split(" / ")[0]})
            # already registered (or just now, by a concurrent request): the file is there
            return register_page(officer, 409, shown=shown, refusal=exc.detail.split(" / ")[0], existing=data.uscc)
        return Redirect(f"/console/enterprises/{unit.uscc}?done=registered", status_code=303)

    def edit_page(officer: Officer, uscc: str, status: int = 200, **extra: Any) -> Template:
        return _page(officer, "console/edit.html", status, uscc=uscc, fields=EDIT_FIELDS, **extra)

    async def conflicted(officer: Officer, uscc: str, exc: Conflict, again: dict[str, Any]) -> Template:
        """Someone else saved since the form was loaded (the service's 409 with the current state):
        their values, the loaded ones and the officer's own, and the form again at the new version."""
        current = exc.extra.get("current")
        if not isinstance(current, dict):  # a legacy code of another unit, or a concurrent insert
            field = exc.extra.get("field")
            message = exc.detail.split(" / ")[0]
            errors = {field: message} if isinstance(field, str) else {}
            return edit_page(officer, uscc, 409, **again, errors=errors, refusal=None if errors else message)
        fresh = await services.enterprises.get(officer.actor, uscc)
        reloaded = loaded_values(fresh)
        return _page(
            officer,
            "console/stale.html",
            409,
            uscc=uscc,
            unit=fresh,
            # theirs as the reloaded form shows it (read after the 409: the latest, should a third save intervene)
            rows=stale_rows(reloaded, again["loaded"], again["shown"]),
            fields=EDIT_FIELDS,
            shown=reloaded,
            loaded=reloaded,
            version=fresh.version,
            loaded_version=again["version"],
        )

    @get("/console/enterprises/{uscc:str}/edit", include_in_schema=False)
    async def edit_form(officer: NamedDependency[Officer], uscc: Annotated[str, PathParameter()]) -> Template:
        unit = await services.enterprises.get(officer.actor, uscc)  # the read rules: outside the area, refused
        loaded = loaded_values(unit)
        return edit_page(officer, uscc, unit=unit, shown=loaded, loaded=loaded, version=unit.version)

    @post("/console/enterprises/{uscc:str}/edit", include_in_schema=False, status_code=200)
    async def edit(
        request: Request[Any, Any, Any], officer: NamedDependency[Officer], uscc: Annotated[str, PathParameter()]
    ) -> Response[Any]:
        form = await request.form()
        shown = values(EDIT_FIELDS, form)
        loaded = {f.name: str(form.get(WAS + f.name) or "") for f in COMPARED}
        version_text = str(form.get("version") or "")
        unit = await services.enterprises.get(officer.actor, uscc)
        if not version_text.isdigit():
            # without the version it was loaded at, an edit could overwrite unseen changes: start again
            loaded = loaded_values(unit)
            return edit_page(
                officer, uscc, 409, unit=unit, shown=loaded, loaded=loaded, version=unit.version,
                refusal="表单缺少版本号，请在重新载入的表单上修改。",
            )  # fmt: skip
        version = int(version_text)
        again = {"unit": unit, "shown": shown, "loaded": loaded, "version": version}
        if not changed(shown, loaded):
            return edit_page(officer, uscc, 422, **again, refusal="没有修改任何登记信息。")
        data, errors = update_body(shown, loaded, version)
        if data is None:
            return edit_page(officer, uscc, 422, **again, errors=errors)
        try:
            await services.enterprises.update(officer.actor, uscc, data)
        except ValidationFailed as exc:
            errors, refusal = beside(exc.problems, EDIT_FIELDS, field_of)
            return edit_page(officer, uscc, exc.status, **again, errors=errors, refusal=refusal)
        except Conflict as exc:
            return await conflicted(officer, uscc, exc, again)
        return Redirect(f"/console/enterprises/{uscc}?done=saved#register", status_code=303)

    return [register_form, register, edit_form, edit]

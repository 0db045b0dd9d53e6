"""Persons and roles of an enterprise: appoint (``.../{uscc}/persons/new``) and end a role.

The same services as ``POST /api/v1/persons``, ``POST /api/v1/persons/{id}/roles`` and
``.../roles/{role_id}/end``, with the officer's ``Actor``: the id number is checked (GB 11643) and
kept only as a keyed hash and a masked form; the area test is the service's (a unit outside it is
refused, 403, audited). Both bodies are checked before anything is stored, so a bad role date never
leaves a person behind; a person already registered is the same person (the service's rule).
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import PathParameter
from litestar.response import Redirect, Template

from registry.api.console.actions import beside, values
from registry.api.console.enterprise_forms import END_FIELDS, appoint_fields, end_body, person_body, role_body
from registry.api.console.officer import Officer
from registry.domain.container import Services
from registry.domain.enterprises.schemas import Enterprise
from registry.domain.persons.roster import RoleHeld, roster
from registry.errors import Conflict, NotFound, ValidationFailed
from registry.lib.clock import today


def role_handlers(services: Services) -> list[Any]:
    def appoint_page(officer: Officer, unit: Enterprise, status: int = 200, **extra: Any) -> Template:
        fields = appoint_fields(unit.is_agency)
        context: dict[str, Any] = {
            **officer.context(),
            "nav": "enterprises",
            "uscc": unit.uscc,
            "unit_name": unit.name,
            "fields": fields,
            "shown": {f.name: "" for f in fields} | {"valid_from": today(services.clock).isoformat()},
            "errors": {},
            "refusal": None,
        }
        context.update(extra)
        return Template(template_name="console/appoint.html", context=context, status_code=status)

    @get("/console/enterprises/{uscc:str}/persons/new", include_in_schema=False)
    async def appoint_form(officer: NamedDependency[Officer], uscc: Annotated[str, PathParameter()]) -> Template:
        unit = await services.enterprises.get(officer.actor, uscc)  # the read rules: outside the area, refused
        return appoint_page(officer, unit)

    @post("/console/enterprises/{uscc:str}/persons/new", include_in_schema=False, status_code=200)
    async def appoint(
        request: Request[Any, Any, Any], officer: NamedDependency[Officer], uscc: Annotated[str, PathParameter()]
    ) -> Response[Any]:
        unit = await services.enterprises.get(officer.actor, uscc)
        shown = values(appoint_fields(unit.is_agency), await request.form())
        person, errors = person_body(shown)
        role, role_errors = role_body(uscc, shown)
        errors = role_errors | errors
        if person is None or role is None:
            return appoint_page(officer, unit, 422, shown=shown, errors=errors)
        if role.valid_to is not None and role.valid_to < role.valid_from:
            # the service's own rule (add_role), asked before the person is registered
            return appoint_page(officer, unit, 422, shown=shown, errors={"valid_to": "任职结束日期早于开始日期"})
        try:
            found, _created = await services.persons.create(officer.actor, person)
            await services.persons.add_role(officer.actor, found.id, role)
        except ValidationFailed as exc:
            errors, refusal = beside(exc.problems, appoint_fields(unit.is_agency))
            return appoint_page(officer, unit, exc.status, shown=shown, errors=errors, refusal=refusal)
        return Redirect(f"/console/enterprises/{uscc}?done=appointed#persons", status_code=303)

    async def held(officer: Officer, uscc: str, role_id: int) -> RoleHeld:
        for h in await roster(services.db, officer.actor, uscc):
            if h.role_id == role_id:
                return h
        raise NotFound(f"该企业没有任职记录 {role_id} / no role {role_id} in {uscc}")

    def end_page(officer: Officer, uscc: str, h: RoleHeld, status: int = 200, **extra: Any) -> Template:
        context: dict[str, Any] = {
            **officer.context(),
            "nav": "enterprises",
            "uscc": uscc,
            "held": h,
            "fields": END_FIELDS,
            "shown": {"valid_to": today(services.clock).isoformat()},
            "errors": {},
            "refusal": None,
        }
        context.update(extra)
        return Template(template_name="console/end_role.html", context=context, status_code=status)

    @get("/console/enterprises/{uscc:str}/roles/{role_id:int}/end", include_in_schema=False)
    async def end_form(
        officer: NamedDependency[Officer],
        uscc: Annotated[str, PathParameter()],
        role_id: Annotated[int, PathParameter()],
    ) -> Template:
        await services.enterprises.get(officer.actor, uscc)
        return end_page(officer, uscc, await held(officer, uscc, role_id))

    @post("/console/enterprises/{uscc:str}/roles/{role_id:int}/end", include_in_schema=False, status_code=200)
    async def end(
        request: Request[Any, Any, Any],
        officer: NamedDependency[Officer],
        uscc: Annotated[str, PathParameter()],
        role_id: Annotated[int, PathParameter()],
    ) -> Response[Any]:
        await services.enterprises.get(officer.actor, uscc)
        h = await held(officer, uscc, role_id)
        shown = values(END_FIELDS, await request.form())
        data, errors = end_body(shown)
        if data is None:
            return end_page(officer, uscc, h, 422, shown=shown, errors=errors)
        try:
            await services.persons.end_role(officer.actor, h.person_id, role_id, data)
        except ValidationFailed as exc:
            errors, refusal = beside(exc.problems, END_FIELDS)
            return end_page(officer, uscc, h, exc.status, shown=shown, errors=errors, refusal=refusal)
        except Conflict as exc:  # ended meanwhile
            return end_page(officer, uscc, h, 409, shown=shown, refusal=exc.detail.split(" / ")[0])
        return Redirect(f"/console/enterprises/{uscc}?done=ended#persons", status_code=303)

    return [appoint_form, appoint, end_form, end]

"""/api/v1/persons and /api/v1/agencies."""

from __future__ import annotations

from typing import Any

from litestar import Response, get, post
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec
from litestar.params import FromPath, FromQuery, JSONBody

from registry.api.enterprises import check_path_uscc
from registry.api.params import PathId
from registry.domain.actors import Actor
from registry.domain.agencies import schemas as a
from registry.domain.container import Services
from registry.domain.enterprises.search import SearchQuery, validate_filters
from registry.domain.persons import schemas as p
from registry.domain.vocabulary import AgencyKind


def person_handlers(services: Services) -> list[Any]:
    @post(
        "/persons",
        tags=["persons"],
        summary="登记人员 / register a person (idempotent on id number)",
        responses={200: ResponseSpec(p.Person, description="already registered: the person as recorded")},
    )
    async def create(actor: NamedDependency[Actor], data: JSONBody[p.PersonCreate]) -> Response[p.Person]:
        person, created = await services.persons.create(actor, data)
        return Response(person, status_code=201 if created else 200)

    @post(
        "/persons/lookup",
        tags=["persons"],
        status_code=200,
        summary="按身份证号查找 / find by id number (POST so the number stays out of URLs and logs)",
    )
    async def lookup(actor: NamedDependency[Actor], data: JSONBody[p.PersonLookup]) -> p.Person:
        return await services.persons.lookup(actor, data.id_number)

    @get("/persons/{person_id:int}", tags=["persons"], summary="人员及任职 / a person and roles")
    async def read(actor: NamedDependency[Actor], person_id: PathId) -> p.Person:
        return await services.persons.get(actor, person_id)

    @post("/persons/{person_id:int}/roles", tags=["persons"], summary="任职 / add a role in an enterprise")
    async def add_role(actor: NamedDependency[Actor], person_id: PathId, data: JSONBody[p.RoleCreate]) -> p.Person:
        return await services.persons.add_role(actor, person_id, data)

    @post(
        "/persons/{person_id:int}/roles/{role_id:int}/end",
        tags=["persons"],
        status_code=200,
        summary="结束任职 / end a role",
    )
    async def end_role(
        actor: NamedDependency[Actor], person_id: PathId, role_id: PathId, data: JSONBody[p.RoleEnd]
    ) -> p.Person:
        return await services.persons.end_role(actor, person_id, role_id, data)

    @post("/agencies", tags=["agencies"], summary="登记中介机构 / register an intermediary agency")
    async def create_agency(actor: NamedDependency[Actor], data: JSONBody[a.AgencyCreate]) -> a.Agency:
        return await services.agencies.create(actor, data)

    @get("/agencies/{uscc:str}", tags=["agencies"], summary="中介机构 / one agency")
    async def read_agency(actor: NamedDependency[Actor], uscc: FromPath[str]) -> a.Agency:
        return await services.agencies.get(check_path_uscc(uscc))

    @post("/agencies/{uscc:str}/qualifications", tags=["agencies"], summary="增加资质 / add a qualification")
    async def add_qualification(
        actor: NamedDependency[Actor], uscc: FromPath[str], data: JSONBody[a.QualificationCreate]
    ) -> a.Agency:
        return await services.agencies.add_qualification(actor, check_path_uscc(uscc), data)

    @get("/agencies", tags=["agencies"], summary="检索中介机构 / search agencies")
    async def search_agencies(
        actor: NamedDependency[Actor],
        kind: FromQuery[AgencyKind | None] = None,
        division: FromQuery[str | None] = None,
        limit: FromQuery[int] = 50,
        cursor: FromQuery[str | None] = None,
    ) -> a.AgencyPage:
        validate_filters(SearchQuery(division=division, limit=limit), services.settings.limits.page_size_max)
        after = SearchQuery.decode_cursor(cursor)[-1] if cursor else None
        return await services.agencies.search(kind, division, limit, after)

    return [create, lookup, read, add_role, end_role, create_agency, read_agency, add_qualification, search_agencies]

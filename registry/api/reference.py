"""Reference data: the partner departments (public) and the bureaus (bureaus and admins)."""

from __future__ import annotations

from typing import Any

from litestar import get
from litestar.di import NamedDependency

from registry.domain import reference
from registry.domain.actors import Actor
from registry.domain.container import Services


def public_reference_handlers(services: Services) -> list[Any]:
    @get(
        "/api/v1/departments",
        tags=["reference"],
        summary="合作部门 / partner departments of 发改财金〔2016〕1001号 with their predecessors",
    )
    async def departments() -> list[reference.DepartmentOut]:
        return await reference.departments(services.db)

    return [departments]


def bureau_reference_handlers(services: Services) -> list[Any]:
    @get("/authorities", tags=["reference"], summary="监管机关 / work-safety authorities with name history")
    async def authorities(actor: NamedDependency[Actor]) -> list[reference.AuthorityOut]:
        return await reference.authorities(services.db)

    return [authorities]

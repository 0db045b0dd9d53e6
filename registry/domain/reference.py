"""Reference data read models: partner departments (1001 signatories) and bureaus."""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec
from sqlalchemy import select

from registry.db.engine import Database
from registry.db.models import Authority, AuthorityName, Department


class DepartmentOut(msgspec.Struct):
    code: str
    name: str
    name_en: str
    #: earlier names of the department (e.g. 国土资源部 until 2018-03)
    predecessors: list[dict[str, Any]]
    #: the names under which it signed 发改财金〔2016〕1001号
    signatory_2016: list[str]


class AuthorityNameOut(msgspec.Struct):
    name: str
    valid_from: dt.date | None


class AuthorityOut(msgspec.Struct):
    division_code: str
    level: str
    name: str
    names: list[AuthorityNameOut]


async def departments(db: Database) -> list[DepartmentOut]:
    async with db.read() as session:
        rows = await session.scalars(select(Department).order_by(Department.code))
        return [DepartmentOut(d.code, d.name, d.name_en, list(d.predecessors), list(d.signatory_2016)) for d in rows]


async def authorities(db: Database) -> list[AuthorityOut]:
    async with db.read() as session:
        names: dict[int, list[AuthorityNameOut]] = {}
        for n in await session.scalars(
            select(AuthorityName).order_by(
                AuthorityName.valid_from.is_not(None), AuthorityName.valid_from, AuthorityName.id
            )
        ):
            names.setdefault(n.authority_id, []).append(AuthorityNameOut(n.name, n.valid_from))
        rows = await session.scalars(select(Authority).order_by(Authority.division_code))
        return [AuthorityOut(a.division_code, a.level, a.name, names.get(a.id, [])) for a in rows]

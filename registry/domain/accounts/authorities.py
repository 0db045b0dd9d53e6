"""Authorities (bureaus): created on demand for an account, validated against GB/T 2260 levels."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.db.models import Authority, AuthorityName
from registry.domain import audit
from registry.domain.actors import LEVELS, Actor
from registry.domain.identifiers import IdentifierError, lookup_division, prefix_for
from registry.errors import FieldProblem, NotFound, ValidationFailed
from registry.lib.clock import beijing_date

NATIONAL_DIVISION = "000000"


def jurisdiction_prefix(level: str, division_code: str) -> str:
    return "" if level == "national" else prefix_for(division_code, level)  # type: ignore[arg-type]


def check_authority(level: str, division: str | None) -> str:
    """The division code an authority of ``level`` is stored under, or ValidationFailed."""
    if level not in LEVELS:
        raise ValidationFailed(
            [
                FieldProblem(
                    "level",
                    "enum",
                    "级别应为 national/provincial/prefectural/county",
                    "level must be national, provincial, prefectural or county",
                )
            ]
        )
    if level == "national":
        return NATIONAL_DIVISION
    if not division:
        raise ValidationFailed(
            [
                FieldProblem(
                    "division", "required", "地方机关必须给出行政区划代码", "a local authority needs a division code"
                )
            ]
        )
    try:
        prefix_for(division, level)  # type: ignore[arg-type]
    except IdentifierError as err:
        raise ValidationFailed([FieldProblem("division", err.code, err.message_zh, err.message_en)]) from err
    return division


def default_name(level: str, division: str) -> str:
    if level == "national":
        return "应急管理部"
    found = lookup_division(division)
    return f"{found.full_name if found else division}应急管理局"


async def ensure_authority(
    session: AsyncSession, actor: Actor, now: dt.datetime, level: str, division: str | None, name: str | None = None
) -> Authority:
    code = check_authority(level, division)
    existing = await session.scalar(select(Authority).where(Authority.division_code == code))
    if existing is not None:
        if existing.level != level:
            raise ValidationFailed(
                [
                    FieldProblem(
                        "level",
                        "mismatch",
                        f"区划 {code} 的机关级别为 {existing.level}",
                        f"the authority of {code} is {existing.level}",
                    )
                ]
            )
        return existing
    authority = Authority(division_code=code, level=level, name=name or default_name(level, code), created_at=now)
    session.add(authority)
    await session.flush()
    await session.execute(
        insert(AuthorityName), [{"authority_id": authority.id, "name": authority.name, "valid_from": None}]
    )
    await audit.record(
        session,
        actor,
        now,
        [
            audit.Change(
                "authority.create",
                "authority",
                code,
                None,
                {"division_code": code, "level": level, "name": authority.name},
            )
        ],
    )
    return authority


async def rename_authority(
    session: AsyncSession, actor: Actor, now: dt.datetime, division_code: str, name: str, valid_from: dt.date | None
) -> Authority:
    """A new name (e.g. 安全生产监督管理局 -> 应急管理局 in the 2018-2019 reform); the old one stays in history."""
    authority = await session.scalar(select(Authority).where(Authority.division_code == division_code))
    if authority is None:
        raise NotFound(f"区划 {division_code} 没有登记的监管机关 / no authority for division {division_code}")
    clean = name.strip()
    if not clean or len(clean) > 200:
        raise ValidationFailed(
            [FieldProblem("name", "length", "名称应为 1 到 200 个字符", "name must be 1-200 characters")]
        )
    before = authority.name
    starts = valid_from or beijing_date(now)
    latest = await session.scalar(
        select(func.max(AuthorityName.valid_from)).where(AuthorityName.authority_id == authority.id)
    )
    if latest is None or starts >= latest:  # a back-filled older name goes into history only
        authority.name = clean
    await session.execute(insert(AuthorityName), [{"authority_id": authority.id, "name": clean, "valid_from": starts}])
    await audit.record(
        session,
        actor,
        now,
        [audit.Change("authority.rename", "authority", division_code, {"name": before}, {"name": clean})],
    )
    return authority

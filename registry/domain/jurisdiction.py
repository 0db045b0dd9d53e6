"""Refusing an act outside the actor's area, and leaving a trace that it was attempted."""

from __future__ import annotations

from typing import Any, NoReturn

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.db.engine import Database
from registry.db.models import Enterprise, OperatingDivision
from registry.domain import audit
from registry.domain.actors import Actor
from registry.errors import OutsideJurisdiction
from registry.lib.clock import Clock


async def deny(
    db: Database,
    clock: Clock,
    actor: Actor,
    action: str,
    target_type: str,
    target_id: str,
    detail: str,
    *,
    extra: dict[str, Any] | None = None,
) -> NoReturn:
    """Audit the refused attempt in its own transaction (the attempted one was rolled back), then
    refuse; ``extra`` members go into the problem answer (e.g. where the public answer is)."""
    raise await refusal(db, clock, actor, action, target_type, target_id, detail, extra=extra)


async def refusal(
    db: Database,
    clock: Clock,
    actor: Actor,
    action: str,
    target_type: str,
    target_id: str,
    detail: str,
    *,
    extra: dict[str, Any] | None = None,
) -> OutsideJurisdiction:
    """``deny`` for a caller that raises itself: audited, and the error to raise."""
    async with db.write() as session:
        await audit.record(
            session,
            actor,
            clock.now(),
            [audit.Change(action, target_type, target_id, outcome="denied", detail=f"outside jurisdiction: {detail}")],
        )
    area = actor.jurisdiction if actor.jurisdiction is not None else "-"
    return OutsideJurisdiction(
        f"超出管辖范围：本机关辖区为 {area or '全国'}，对象位于 {detail} / "
        f"outside jurisdiction: your area is {area or 'national'}, the subject is in {detail}",
        extra=extra,
    )


async def locations(session: AsyncSession, enterprise: Enterprise) -> list[str]:
    """Where the enterprise is located, then where else it operates: a bureau of any of them may act."""
    operating = await session.scalars(
        select(OperatingDivision.division_code)
        .where(OperatingDivision.enterprise_id == enterprise.id)
        .order_by(OperatingDivision.division_code)
    )
    return [enterprise.division_code, *operating]

"""Reads the histories the report functions take, for one division subtree.

Each query already leaves out what the pure functions would ignore (units registered after the
cut, steps dated after the day or recorded after ``as_of``), so a report reads no more than it
counts; the pure functions apply the same tests again and stay the definition. Since every fact
recorded after ``as_of`` is ignored, the several queries of a report agree with one another
whatever commits between them.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.db.models import (
    Authority,
    Enterprise,
    Grade,
    GradeStep,
    Listing,
    ListingStep,
    PartnerFeedback,
    PartnerQuery,
)
from registry.domain.identifiers import subtree_bounds
from registry.domain.reports.credit import Answers, Feedback, ListingHistory
from registry.domain.reports.credit import ListingStep as LStep
from registry.domain.reports.periods import Cut, end_instant
from registry.domain.reports.standing import GradeHistory, Step, Unit

#: usccs looked up per query when placing the subjects of partner answers
_CHUNK = 500


async def units(session: AsyncSession, prefix: str, at: Cut, *, above_scale_only: bool = False) -> dict[int, Unit]:
    lo, hi = subtree_bounds(prefix)
    stmt = select(
        Enterprise.id, Enterprise.division_code, Enterprise.industry, Enterprise.scale, Enterprise.created_at
    ).where(
        Enterprise.division_code.between(lo, hi), Enterprise.created_at < at.day_ends, Enterprise.created_at <= at.as_of
    )
    if above_scale_only:
        stmt = stmt.where(Enterprise.scale == "above_scale")
    rows = await session.execute(stmt)
    return {r.id: Unit(r.id, r.division_code, r.industry, r.scale, r.created_at) for r in rows}


async def grades(session: AsyncSession, prefix: str, at: Cut, *, above_scale_only: bool = False) -> list[GradeHistory]:
    lo, hi = subtree_bounds(prefix)
    stmt = (
        select(
            Grade.id,
            Grade.enterprise_id,
            Grade.level,
            Grade.valid_until,
            GradeStep.id.label("step_id"),
            GradeStep.step,
            GradeStep.on,
            GradeStep.status_after,
            GradeStep.recorded_at,
        )
        .join(GradeStep, GradeStep.grade_id == Grade.id)
        .join(Enterprise, Enterprise.id == Grade.enterprise_id)
        .where(
            Enterprise.division_code.between(lo, hi),
            Enterprise.created_at < at.day_ends,
            Enterprise.created_at <= at.as_of,
            GradeStep.on <= at.day,
            GradeStep.recorded_at <= at.as_of,
        )
    )
    if above_scale_only:
        stmt = stmt.where(Enterprise.scale == "above_scale")
    heads: dict[int, tuple[int, int, dt.date | None]] = {}
    steps: dict[int, list[Step]] = defaultdict(list)
    for r in await session.execute(stmt):
        heads[r.id] = (r.enterprise_id, r.level, r.valid_until)
        steps[r.id].append(Step(r.step_id, r.step, r.on, r.status_after, r.recorded_at))
    return [GradeHistory(gid, e, level, until, tuple(steps[gid])) for gid, (e, level, until) in heads.items()]


async def listings(session: AsyncSession, prefix: str, at: Cut) -> list[ListingHistory]:
    lo, hi = subtree_bounds(prefix)
    stmt = (
        select(
            Listing.id,
            Listing.list_type,
            Listing.criteria,
            Listing.proposed_on,
            Authority.division_code,
            Authority.name,
            ListingStep.id.label("step_id"),
            ListingStep.step,
            ListingStep.on,
            ListingStep.status_after,
            ListingStep.data,
            ListingStep.recorded_at,
        )
        .join(ListingStep, ListingStep.listing_id == Listing.id)
        .join(Authority, Authority.id == Listing.deciding_authority_id)
        .where(
            Listing.division_code.between(lo, hi),
            Listing.proposed_on <= at.day,
            ListingStep.recorded_at <= at.as_of,
        )
    )
    heads: dict[int, tuple[str, tuple[str, ...], str, dt.date]] = {}
    steps: dict[int, list[LStep]] = defaultdict(list)
    for r in await session.execute(stmt):
        criteria = tuple(str(c) for c in (r.criteria or []))
        heads[r.id] = (r.list_type, criteria, f"{r.division_code} {r.name}", r.proposed_on)
        steps[r.id].append(LStep(r.step_id, r.step, r.on, r.status_after, dict(r.data or {}), r.recorded_at))
    return [ListingHistory(i, t, c, a, p, tuple(steps[i])) for i, (t, c, a, p) in heads.items()]


def _year_bounds(year: int, at: Cut) -> tuple[dt.datetime, dt.datetime]:
    return end_instant(dt.date(year - 1, 12, 31)), min(end_instant(at.day), at.as_of + dt.timedelta(microseconds=1))


async def feedback(session: AsyncSession, prefix: str, year: int, at: Cut) -> list[Feedback]:
    lo, hi = subtree_bounds(prefix)
    start, end = _year_bounds(year, at)
    rows = await session.execute(
        select(
            PartnerFeedback.department,
            PartnerFeedback.client,
            PartnerFeedback.measure,
            PartnerFeedback.handle_type,
            PartnerFeedback.executed_at,
            PartnerFeedback.recorded_at,
        )
        .join(Enterprise, Enterprise.uscc == PartnerFeedback.uscc)
        .where(
            Enterprise.division_code.between(lo, hi),
            PartnerFeedback.executed_at >= start,
            PartnerFeedback.executed_at < end,
            PartnerFeedback.recorded_at <= at.as_of,
        )
    )
    return [Feedback(r.department or r.client, r.measure, r.handle_type, r.executed_at, r.recorded_at) for r in rows]


async def answers(session: AsyncSession, prefix: str, year: int, at: Cut) -> list[Answers]:
    """Answers given to partners in the year; in a subtree, those that named a unit located in it,
    with the number of such units (a national report counts every answer and subject)."""
    start, end = _year_bounds(year, at)
    rows = (
        await session.execute(
            select(PartnerQuery.department, PartnerQuery.client, PartnerQuery.subjects, PartnerQuery.recorded_at).where(
                PartnerQuery.recorded_at >= start, PartnerQuery.recorded_at < end, PartnerQuery.recorded_at <= at.as_of
            )
        )
    ).all()
    usccs = [[str(s[0]) for s in (r.subjects or []) if s] for r in rows]
    inside = await _located(session, prefix, {u for us in usccs for u in us}) if prefix else None
    out = []
    for r, named in zip(rows, usccs, strict=True):
        n = len(named) if inside is None else sum(u in inside for u in named)
        if n:
            out.append(Answers(r.department or r.client, r.recorded_at, n))
    return out


async def _located(session: AsyncSession, prefix: str, usccs: set[str]) -> set[str]:
    lo, hi = subtree_bounds(prefix)
    found: set[str] = set()
    ordered = sorted(usccs)
    for i in range(0, len(ordered), _CHUNK):
        chunk: list[Any] = ordered[i : i + _CHUNK]
        found.update(
            await session.scalars(
                select(Enterprise.uscc).where(Enterprise.uscc.in_(chunk), Enterprise.division_code.between(lo, hi))
            )
        )
    return found

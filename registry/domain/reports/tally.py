"""The monthly report counted by the database, for national scale (issue 21: the national report
in at most 2 s; reading every grade step into Python takes longer than that).

Same definition as ``monthly`` (``registry.domain.reports.standing``), computed as intervals: each
known step (recorded by ``as_of``) starts an interval of its status that the grade's next step
ends (SQL ``LEAD``); a ``valid`` interval also ends after ``valid_until``; an interval counts from
the unit's registration. With the days of the year's cuts as buckets (0: last year, 1..M: each
month), the database groups the intervals by the buckets they start and end in, and a month's
figure is the number of intervals started by it and not ended by it. Announcements are counted by
the bucket of their day. The test ``test_reports_tally`` holds the two definitions equal.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from sqlalchemy import Date, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.db.models import Enterprise, Grade, GradeStep
from registry.domain.identifiers import subtree_bounds
from registry.domain.reports.monthly import LEVELS, Cells, MonthlyReport, assemble, levels
from registry.domain.reports.periods import Cut, Month, cut, end_instant
from registry.domain.reports.standing import IN_REVIEW

COUNTED = ("valid", *sorted(IN_REVIEW))


def _bucket_le(col: Any, days: list[dt.date]) -> Any:
    """The first bucket whose day is on or after ``col`` (NULL: after the last)."""
    return case(*[(col <= day, k) for k, day in enumerate(days)], else_=None)


def _bucket_lt(col: Any, days: list[dt.date]) -> Any:
    return case(*[(col < day, k) for k, day in enumerate(days)], else_=None)


def _registered(col: Any, cuts: list[Cut]) -> Any:
    """The first bucket the unit is on the register in (registered before the day ends, by as_of)."""
    return case(*[((col < c.day_ends) & (col <= c.as_of), k) for k, c in enumerate(cuts)], else_=None)


async def tally(session: AsyncSession, prefix: str, month: Month, as_of: dt.datetime) -> MonthlyReport:
    months = month.months_of_year()
    before = Cut(dt.date(month.year - 1, 12, 31), as_of)
    cuts = [before, *(cut(m.last, m.first, as_of, "month") for m in months)]
    days = [c.day for c in cuts]
    last = cuts[-1]
    lo, hi = subtree_bounds(prefix)
    unit_known = (
        Enterprise.division_code.between(lo, hi),
        Enterprise.created_at < end_instant(last.day),
        Enterprise.created_at <= as_of,
    )
    known = (
        select(
            Enterprise.industry,
            Grade.level,
            Grade.valid_until,
            GradeStep.status_after,
            GradeStep.on,
            func.lead(GradeStep.on, type_=Date)
            .over(partition_by=GradeStep.grade_id, order_by=(GradeStep.on, GradeStep.id))
            .label("next_on"),
            _registered(Enterprise.created_at, cuts).label("reg_b"),
        )
        .join(Grade, Grade.id == GradeStep.grade_id)
        .join(Enterprise, Enterprise.id == Grade.enterprise_id)
        .where(*unit_known, GradeStep.on <= last.day, GradeStep.recorded_at <= as_of)
        .subquery()
    )
    start_b = _bucket_le(known.c.on, days).label("start_b")
    next_b = _bucket_le(known.c.next_on, days).label("next_b")
    expiry_b = case((known.c.status_after == "valid", _bucket_lt(known.c.valid_until, days)), else_=None).label("exp_b")
    spans = (
        select(
            known.c.industry,
            known.c.level,
            known.c.status_after,
            start_b,
            known.c.reg_b,
            next_b,
            expiry_b,
            func.count(),
        )
        .where(known.c.status_after.in_(COUNTED))
        .group_by(known.c.industry, known.c.level, known.c.status_after, start_b, known.c.reg_b, next_b, expiry_b)
    )
    announced_b = _bucket_le(GradeStep.on, days).label("on_b")
    reg_b = _registered(Enterprise.created_at, cuts).label("reg_b")
    announcements = (
        select(Enterprise.industry, Grade.level, announced_b, reg_b, func.count())
        .join(Grade, Grade.id == GradeStep.grade_id)
        .join(Enterprise, Enterprise.id == Grade.enterprise_id)
        .where(
            *unit_known,
            GradeStep.step == "announce",
            GradeStep.on > before.day,
            GradeStep.on <= last.day,
            GradeStep.recorded_at <= as_of,
        )
        .group_by(Enterprise.industry, Grade.level, announced_b, reg_b)
    )
    n = len(months)
    # figures[month index 1..n][industry][level]
    figures: list[dict[str, dict[int, Cells]]] = [defaultdict(levels) for _ in range(n + 1)]
    for industry, level, status, start, reg, nxt, exp, count in await session.execute(spans):
        if level not in LEVELS:
            continue
        begins = max(start, reg)
        ends = min((b for b in (nxt, exp) if b is not None), default=n + 1)
        for m in range(max(begins, 1), min(ends, n + 1)):
            cells = figures[m][industry][level]
            if status == "valid":
                cells.cumulative += count
            else:
                cells.in_review += count
    for industry, level, on_b, reg, count in await session.execute(announcements):
        if level in LEVELS and on_b is not None and reg <= on_b:
            figures[on_b][industry][level].completed += count
    series = [assemble(m, cuts[i + 1].day, figures[i + 1]) for i, m in enumerate(months)]
    return MonthlyReport(series[-1], series)

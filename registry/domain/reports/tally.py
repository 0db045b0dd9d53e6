"""The monthly report and the targets counted by the database, for national scale (issue 21: the
national report in at most 2 s; reading every grade step into Python takes longer than that).

Same definition as the pure functions (``registry.domain.reports.standing``), computed as
intervals: each known step (recorded by ``as_of``) starts an interval of its status that the
grade's next step ends (SQL ``LEAD``); a ``valid`` interval also ends after ``valid_until``; an
interval counts from the unit's registration. With the days of the year's cuts as buckets (0: the
end of last year, 1..M: each month's cut), the database groups the intervals by the buckets they
start and end in, and a month's figure is the number of intervals started by it and not ended by
it. An announcement is the start of a valid interval, counted in its bucket; units are counted
by the bucket of their registration.
The tests in ``test_reports_fixture`` hold both definitions equal.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from sqlalchemy import ColumnElement, Date, case, func, literal, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from registry.db.models import Enterprise, Grade, GradeStep
from registry.domain.identifiers import subtree_bounds
from registry.domain.reports.monthly import LEVELS, Cells, MonthlyReport, assemble, levels
from registry.domain.reports.periods import Cut, Month, cut, end_instant
from registry.domain.reports.standing import IN_REVIEW
from registry.domain.reports.targets import TargetPolicy, TargetReport, rank, standing

COUNTED = ("valid", *sorted(IN_REVIEW))
#: key -> level -> cells, per bucket (index 1..M)
Buckets = list[dict[str, dict[int, Cells]]]


def bucket_le(col: Any, days: list[dt.date]) -> Any:
    """The first bucket whose day is on or after ``col`` (NULL: after the last)."""
    return case(*[(col <= day, k) for k, day in enumerate(days)], else_=None)


def _bucket_lt(col: Any, days: list[dt.date]) -> Any:
    return case(*[(col < day, k) for k, day in enumerate(days)], else_=None)


def _registered(col: Any, cuts: list[Cut]) -> Any:
    """The first bucket the unit is on the register in (registered before the day ends, by as_of)."""
    return case(*[((col < c.day_ends) & (col <= c.as_of), k) for k, c in enumerate(cuts)], else_=None)


@dataclass(frozen=True, slots=True)
class Scope:
    """Which units, grouped how, over which cuts (bucket 0: the end of the year before)."""

    prefix: str
    cuts: list[Cut]
    #: the column the figures are grouped by (industry; the subordinate area)
    key: Any
    above_scale_only: bool = False

    @property
    def days(self) -> list[dt.date]:
        return [c.day for c in self.cuts]

    def units(self) -> tuple[ColumnElement[bool], ...]:
        lo, hi = subtree_bounds(self.prefix)
        last = self.cuts[-1]
        where = (
            Enterprise.division_code.between(lo, hi),
            Enterprise.created_at < end_instant(last.day),
            Enterprise.created_at <= last.as_of,
        )
        return (*where, Enterprise.scale == "above_scale") if self.above_scale_only else where


def year_cuts(year: int, last: Month, as_of: dt.datetime) -> list[Cut]:
    before = Cut(dt.date(year - 1, 12, 31), as_of)
    return [before, *(cut(m.last, m.first, as_of, "month") for m in last.months_of_year())]


async def _planning(session: AsyncSession) -> None:
    """For this transaction on PostgreSQL: no JIT (it compiled these statements' many CASE branches
    for 4.4 s of the national report's 8.9 s in the benchmark), and a plan for the area asked about
    (asyncpg prepares statements, and after five runs PostgreSQL may keep a generic plan: the
    national one's sequential scan then served a county in 450 ms instead of 75 ms)."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("SET LOCAL jit = off"))
        await session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))


async def _spans(session: AsyncSession, scope: Scope, figures: Buckets) -> None:
    """Adds the valid and under-review intervals to each bucket's cells."""
    await _planning(session)
    last, days = scope.cuts[-1], scope.days
    known = (
        select(
            scope.key.label("key"),
            Grade.level,
            Grade.valid_until,
            GradeStep.status_after,
            GradeStep.on,
            (GradeStep.step == "announce").label("announced"),
            func.lead(GradeStep.on, type_=Date)
            .over(partition_by=GradeStep.grade_id, order_by=(GradeStep.on, GradeStep.id))
            .label("next_on"),
            _registered(Enterprise.created_at, scope.cuts).label("reg_b"),
        )
        .join(Grade, Grade.id == GradeStep.grade_id)
        .join(Enterprise, Enterprise.id == Grade.enterprise_id)
        .where(*scope.units(), GradeStep.on <= last.day, GradeStep.recorded_at <= last.as_of)
        .subquery()
    )
    c = known.c
    start_b = bucket_le(c.on, days).label("start_b")
    next_b = bucket_le(c.next_on, days).label("next_b")
    expiry_b = case((c.status_after == "valid", _bucket_lt(c.valid_until, days)), else_=None).label("exp_b")
    stmt = (
        select(c.key, c.level, c.status_after, c.announced, start_b, c.reg_b, next_b, expiry_b, func.count())
        .where(c.status_after.in_(COUNTED))
        .group_by(c.key, c.level, c.status_after, c.announced, start_b, c.reg_b, next_b, expiry_b)
    )
    n = len(figures) - 1
    for key, level, status, announced, start, reg, nxt, exp, count in await session.execute(stmt):
        if level not in LEVELS:
            continue
        if announced and start >= 1 and reg <= start:
            # the announcement starts the valid interval: 当月完成 in its month (unit registered by then)
            figures[start][key][level].completed += count
        ends = min((b for b in (nxt, exp) if b is not None), default=n + 1)
        for m in range(max(start, reg, 1), min(ends, n + 1)):
            cells = figures[m][key][level]
            if status == "valid":
                cells.cumulative += count
            else:
                cells.in_review += count


def _empty(cuts: Sequence[Cut]) -> Buckets:
    return [defaultdict(levels) for _ in cuts]


async def tally(session: AsyncSession, prefix: str, month: Month, as_of: dt.datetime) -> MonthlyReport:
    """``monthly`` (its form and series) counted by the database."""
    cuts = year_cuts(month.year, month, as_of)
    scope = Scope(prefix, cuts, Enterprise.industry)
    figures = _empty(cuts)
    await _spans(session, scope, figures)
    months = month.months_of_year()
    series = [assemble(m, cuts[i + 1].day, figures[i + 1]) for i, m in enumerate(months)]
    return MonthlyReport(series[-1], series)


async def tally_targets(
    session: AsyncSession, prefix: str, year: int, as_of: dt.datetime, policy: TargetPolicy
) -> TargetReport:
    """``targets`` counted by the database: above-scale units and those with a valid grade, per
    subordinate area and month."""
    final = cut(dt.date(year, 12, 31), dt.date(year, 1, 1), as_of, "year")
    cuts = year_cuts(year, Month(year, final.day.month), as_of)
    width = {0: 2, 2: 4, 4: 6}.get(len(prefix))
    child: ColumnElement[Any] = func.substr(Enterprise.division_code, 1, width) if width else literal("")
    scope = Scope(prefix, cuts, child, above_scale_only=True)
    graded = _empty(cuts)
    await _spans(session, scope, graded)
    reg_b = _registered(Enterprise.created_at, cuts).label("reg_b")
    units: dict[str, list[int]] = defaultdict(lambda: [0] * len(cuts))
    for key, reg, count in await session.execute(
        select(child, reg_b, func.count()).where(*scope.units()).group_by(child, reg_b)
    ):
        for m in range(reg, len(cuts)):
            units[key][m] += count
    n = len(cuts) - 1
    goal = policy.target(year)

    def valid(m: int, key: str) -> int:
        return sum(c.cumulative for c in graded[m][key].values()) if key in graded[m] else 0

    def total(m: int) -> tuple[int, int]:
        return sum(u[m] for u in units.values()), sum(valid(m, k) for k in units)

    above, ok = total(n)
    whole = standing(policy, goal, prefix, above, ok)
    ranking = rank([standing(policy, goal, k, u[n], valid(n, k)) for k, u in units.items() if width and u[n]])
    progress = []
    for m in range(1, n + 1):
        a, g = total(m)
        progress.append((Month(year, m), Fraction(100 * g, a) if a else None))
    return TargetReport(year, final.day, goal, whole, ranking, progress)

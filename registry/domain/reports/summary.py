"""The monthly report and the targets read off the report summary (``registry.db.report_summary``),
when it can answer: an area of the country, a province or a prefecture (a county's report is
counted from the facts, ``tally``, in tens of milliseconds), and an ``as_of`` past every recorded
grade step and registration (the summary holds every fact; a report as of an earlier moment is
counted from the facts, which keep what was known when).

Each summary row is a change of a count on a day; with the days of the year's cuts as buckets
(0: the end of last year, 1..M: each month's cut) a month's valid and under-review counts are the
sums of the changes of the buckets up to it, its 当月完成 the announcements in its own bucket.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from fractions import Fraction
from typing import Any

from sqlalchemy import Integer, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.db.models import Enterprise, GradeStep, ReportSummary
from registry.domain.reports.monthly import LEVELS, MonthlyReport, assemble, levels
from registry.domain.reports.periods import Cut, Month, cut
from registry.domain.reports.tally import Buckets, bucket_le, year_cuts
from registry.domain.reports.targets import TargetPolicy, TargetReport, rank, standing

#: prefix length -> summary depth (a county is not summarised)
DEPTH = {0: 0, 2: 1, 4: 2}


async def covers(session: AsyncSession, prefix: str, as_of: dt.datetime, *, children: bool = False) -> bool:
    """Whether the summary answers a report on ``prefix`` (its subordinate areas with ``children``)
    as recorded by ``as_of``: every grade step and registration recorded by then."""
    depth = DEPTH.get(len(prefix))
    if depth is None or (children and depth + 1 not in DEPTH.values()):
        return False
    last_step = await session.scalar(select(func.max(GradeStep.recorded_at)))
    last_unit = await session.scalar(select(func.max(Enterprise.created_at)))
    return all(t is None or t <= as_of for t in (last_step, last_unit))


def _changes(depth: int, prefix: str, cuts: list[Cut], above_scale_only: bool, *, children: bool) -> Any:
    bucket = bucket_le(ReportSummary.day, [c.day for c in cuts]).label("bucket")
    where = [ReportSummary.day <= cuts[-1].day]
    if children:
        where.append(ReportSummary.depth == depth + 1)
        if prefix:  # the subtree as a key range (a LIKE may not use the index under a collation)
            after = prefix[:-1] + chr(ord(prefix[-1]) + 1)
            where += [ReportSummary.area >= prefix, ReportSummary.area < after]
        key = ReportSummary.area
    else:
        where += [ReportSummary.depth == depth, ReportSummary.area == prefix]
        key = ReportSummary.industry
    if above_scale_only:
        where.append(ReportSummary.above_scale.is_(True))
    return (
        select(key, ReportSummary.level, ReportSummary.kind, bucket, func.sum(ReportSummary.n, type_=Integer))
        .where(*where)
        .group_by(key, ReportSummary.level, ReportSummary.kind, bucket)
    )


async def _figures(session: AsyncSession, stmt: Any, n: int) -> tuple[Buckets, dict[str, list[int]]]:
    """Cells per bucket and key; above-scale units per key and bucket (counts up to the bucket)."""
    starts: Buckets = [defaultdict(levels) for _ in range(n + 1)]
    units: dict[str, list[int]] = defaultdict(lambda: [0] * (n + 1))
    for key, level, kind, bucket, count in await session.execute(stmt):
        if kind == "unit":
            for m in range(bucket, n + 1):
                units[key][m] += count
        elif level in LEVELS and kind == "announced":
            if bucket >= 1:
                starts[bucket][key][level].completed += count
        elif level in LEVELS:
            for m in range(max(bucket, 1), n + 1):
                cells = starts[m][key][level]
                if kind == "valid":
                    cells.cumulative += count
                else:
                    cells.in_review += count
    return starts, units


async def monthly(session: AsyncSession, prefix: str, month: Month, as_of: dt.datetime) -> MonthlyReport:
    """``tally`` (the monthly report and its series) from the summary; see :func:`covers`."""
    cuts = year_cuts(month.year, month, as_of)
    n = len(cuts) - 1
    figures, _ = await _figures(session, _changes(DEPTH[len(prefix)], prefix, cuts, False, children=False), n)
    series = [assemble(m, cuts[i + 1].day, figures[i + 1]) for i, m in enumerate(month.months_of_year())]
    return MonthlyReport(series[-1], series)


async def targets(
    session: AsyncSession, prefix: str, year: int, as_of: dt.datetime, policy: TargetPolicy
) -> TargetReport:
    """``tally_targets`` from the summary, by subordinate area; see :func:`covers`."""
    final = cut(dt.date(year, 12, 31), dt.date(year, 1, 1), as_of, "year")
    cuts = year_cuts(year, Month(year, final.day.month), as_of)
    n = len(cuts) - 1
    stmt = _changes(DEPTH[len(prefix)], prefix, cuts, True, children=True)
    graded, units = await _figures(session, stmt, n)

    def valid(m: int, key: str) -> int:
        return sum(c.cumulative for c in graded[m][key].values()) if key in graded[m] else 0

    def total(m: int) -> tuple[int, int]:
        return sum(u[m] for u in units.values()), sum(valid(m, k) for k in units)

    goal = policy.target(year)
    above, ok = total(n)
    whole = standing(policy, goal, prefix, above, ok)
    ranking = rank([standing(policy, goal, k, u[n], valid(n, k)) for k, u in units.items() if u[n]])
    progress = []
    for m in range(1, n + 1):
        a, g = total(m)
        progress.append((Month(year, m), Fraction(100 * g, a) if a else None))
    return TargetReport(year, final.day, goal, whole, ranking, progress)

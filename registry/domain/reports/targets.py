"""Targets and ranking (seeds 001 and 004), pure.

The share is that of above-scale enterprises (规模以上企业) with a grade of 三级 or better valid at
the year's end ("按照安全生产标准化三级以上标准有效运行"), against the year's target; each full
10 percentage points short cost 0.5 points ("每少10个百分点扣除0.5分", seed 004). Both numbers and
whether a started step counts as a full one are settings (``TargetPolicy``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from registry.domain.reports.periods import Cut, Month, cut
from registry.domain.reports.standing import GradeHistory, Unit, counted, status_on

#: seed 001 (二七安监管[2016]8号): 50% by the end of 2016, 70% of 2017, all by 2018; seed 004
#: (惠安监管〔2017〕10号) repeats 70% for 2017
DEFAULT_TARGETS: dict[int, Decimal] = {2016: Decimal(50), 2017: Decimal(70), 2018: Decimal(100)}


@dataclass(frozen=True, slots=True)
class TargetPolicy:
    targets: tuple[tuple[int, Decimal], ...] = tuple(sorted(DEFAULT_TARGETS.items()))
    #: points deducted per step short, and the step in percentage points
    points_per_step: Decimal = Decimal("0.5")
    step_points: Decimal = Decimal(10)
    #: "whole": only full steps count (15 points short: one step); "started": any started step
    steps: str = "whole"

    def target(self, year: int) -> Decimal | None:
        """The year's target; after the last year set, the last target holds; before the first, none."""
        known = [value for y, value in self.targets if y <= year]
        return known[-1] if known else None


@dataclass(frozen=True, slots=True)
class Standing:
    code: str
    above_scale: int
    graded: int
    #: percent, exact (None when the area has no above-scale enterprise)
    share: Fraction | None
    shortfall: Fraction
    deduction: Decimal
    rank: int | None = None


@dataclass(frozen=True, slots=True)
class TargetReport:
    year: int
    day: dt.date
    target: Decimal | None
    whole: Standing
    ranking: list[Standing]
    #: (month, share in percent or None) at the end of each month of the year up to the cut
    progress: list[tuple[Month, Fraction | None]]


def child_prefix(prefix: str, code: str) -> str | None:
    """The subordinate division of ``prefix`` that ``code`` lies in (None below county level)."""
    width = {0: 2, 2: 4, 4: 6}.get(len(prefix))
    return None if width is None else code[:width]


def deduction(policy: TargetPolicy, target: Decimal | None, share: Fraction | None) -> tuple[Fraction, Decimal]:
    if target is None or share is None:
        return Fraction(0), Decimal(0)
    short = max(Fraction(0), Fraction(target) - share)
    steps_exact = short / Fraction(policy.step_points)
    steps = math.floor(steps_exact) if policy.steps == "whole" else math.ceil(steps_exact)
    return short, policy.points_per_step * steps


def standing(policy: TargetPolicy, target: Decimal | None, code: str, above: int, graded: int) -> Standing:
    share = Fraction(100 * graded, above) if above else None
    short, points = deduction(policy, target, share)
    return Standing(code, above, graded, share, short, points)


def _graded_units(grades: Iterable[GradeHistory], at: Cut) -> set[int]:
    return {g.enterprise_id for g in grades if g.level in (1, 2, 3) and status_on(g, at.day, at.as_of) == "valid"}


def _above(units: Mapping[int, Unit], at: Cut) -> list[Unit]:
    return [u for u in units.values() if u.scale == "above_scale" and counted(u, at)]


def rank(standings: list[Standing]) -> list[Standing]:
    """Highest share first; equal shares share a rank (1, 1, 3); areas without above-scale
    enterprises last, unranked; ties in order of code."""
    ranked = sorted(
        (s for s in standings if s.share is not None), key=lambda s: (-(s.share or 0), -s.above_scale, s.code)
    )
    out: list[Standing] = []
    for i, s in enumerate(ranked):
        place = out[-1].rank if out and out[-1].share == s.share else i + 1
        out.append(dataclasses.replace(s, rank=place))
    return out + sorted((s for s in standings if s.share is None), key=lambda s: s.code)


def targets(
    units: Mapping[int, Unit],
    grades: Iterable[GradeHistory],
    prefix: str,
    year: int,
    as_of: dt.datetime,
    policy: TargetPolicy,
) -> TargetReport:
    history = list(grades)
    goal = policy.target(year)
    at = cut(dt.date(year, 12, 31), dt.date(year, 1, 1), as_of, "year")
    above = _above(units, at)
    graded = _graded_units(history, at)
    children: dict[str, list[int]] = {}
    for u in above:
        child = child_prefix(prefix, u.division_code)
        if child is not None:
            counts = children.setdefault(child, [0, 0])
            counts[0] += 1
            counts[1] += u.id in graded
    whole = standing(policy, goal, prefix, len(above), sum(u.id in graded for u in above))
    ranking = rank([standing(policy, goal, code, a, g) for code, (a, g) in children.items()])
    progress = []
    for m in Month(year, 12).months_of_year():
        if m.first > at.day:
            break
        month_cut = cut(m.last, m.first, as_of, "year")
        month_above = _above(units, month_cut)
        month_graded = _graded_units(history, month_cut)
        n = len(month_above)
        progress.append((m, Fraction(100 * sum(u.id in month_graded for u in month_above), n) if n else None))
    return TargetReport(year, at.day, goal, whole, ranking, progress)

"""The figures of seed 001's 《工贸企业安全生产标准化月度报表》, from grade histories (pure).

For each industry row and each grade level: 当月完成 (grades announced in the month, renewals
included: a renewal is a grading completed again), 累计完成 (grades valid on the month's last day:
announced and neither expired, revoked nor superseded by then) and 正在评审 (applications under
review that day). Figures count enterprises registered by the month's end and facts recorded by
``as_of`` (``registry.domain.reports.standing``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from registry.domain.reports.industries import FORM_ROWS, industry_name, row_order
from registry.domain.reports.periods import Cut, Month, cut
from registry.domain.reports.standing import IN_REVIEW, GradeHistory, Unit, announced_on, counted, status_on

LEVELS = (1, 2, 3)


@dataclass(slots=True)
class Cells:
    completed: int = 0  # 当月完成（家）
    cumulative: int = 0  # 累计完成（家）
    in_review: int = 0  # 正在评审（家）

    def add(self, other: Cells) -> None:
        self.completed += other.completed
        self.cumulative += other.cumulative
        self.in_review += other.in_review


def levels() -> dict[int, Cells]:
    return {level: Cells() for level in LEVELS}


@dataclass(frozen=True, slots=True)
class Row:
    industry: str
    name: str
    on_form: bool
    levels: dict[int, Cells]


@dataclass(frozen=True, slots=True)
class MonthFigures:
    """One month's rows and total (the form); ``others``: industries outside the form's eight."""

    month: Month
    day: dt.date
    rows: list[Row]
    total: dict[int, Cells]
    others: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class MonthlyReport:
    figures: MonthFigures
    #: January .. the month: the total of each month (the monthly series of the charts)
    series: list[MonthFigures]


def month_figures(units: Mapping[int, Unit], grades: Iterable[GradeHistory], month: Month, at: Cut) -> MonthFigures:
    by_industry: dict[str, dict[int, Cells]] = {}
    for grade in grades:
        unit = units.get(grade.enterprise_id)
        if not counted(unit, at) or grade.level not in LEVELS:
            continue
        assert unit is not None
        cells = by_industry.setdefault(unit.industry, levels())[grade.level]
        announced = announced_on(grade, at.as_of)
        if announced is not None and month.first <= announced <= at.day:
            cells.completed += 1
        status = status_on(grade, at.day, at.as_of)
        if status == "valid":
            cells.cumulative += 1
        elif status in IN_REVIEW:
            cells.in_review += 1
    return assemble(month, at.day, by_industry)


def assemble(month: Month, day: dt.date, by_industry: Mapping[str, dict[int, Cells]]) -> MonthFigures:
    """The form's rows (the eight, then other industries with figures) and 合计."""
    order = row_order({code for code, levels in by_industry.items() if _any(levels)})
    rows = [Row(code, industry_name(code), code in FORM_ROWS, by_industry.get(code) or levels()) for code in order]
    total = levels()
    for row in rows:
        for level in LEVELS:
            total[level].add(row.levels[level])
    others = [row.industry for row in rows if not row.on_form]
    return MonthFigures(month, day, rows, total, others)


def _any(levels: Mapping[int, Cells]) -> bool:
    return any(dataclasses.astuple(c) != (0, 0, 0) for c in levels.values())


def monthly(
    units: Mapping[int, Unit], grades: Iterable[GradeHistory], month: Month, as_of: dt.datetime
) -> MonthlyReport:
    """The report for ``month`` and the series of its year up to it, as recorded by ``as_of``."""
    history = list(grades)
    series = [month_figures(units, history, m, cut(m.last, m.first, as_of, "month")) for m in month.months_of_year()]
    return MonthlyReport(series[-1], series)

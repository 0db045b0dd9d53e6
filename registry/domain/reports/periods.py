"""The periods a report covers, and the two times every figure is taken at.

A report has a valid time (the day its figures describe: a month's or year's last day) and a
record time (``as_of``: what the register had recorded by then). Facts recorded after ``as_of``
are ignored, so a report re-issued with the same inputs and ``as_of`` is the same, whatever was
entered late since; an enterprise counts from the moment it was registered (``created_at``), so
one registered after the period never changes it.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from registry.errors import FieldProblem, ValidationFailed
from registry.lib.clock import CST

_MONTH = re.compile(r"(\d{4})-(\d{2})")


@dataclass(frozen=True, slots=True)
class Month:
    year: int
    month: int

    @property
    def first(self) -> dt.date:
        return dt.date(self.year, self.month, 1)

    @property
    def last(self) -> dt.date:
        return dt.date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    def months_of_year(self) -> list[Month]:
        """January .. this month: the monthly series of the report."""
        return [Month(self.year, m) for m in range(1, self.month + 1)]


def parse_month(field: str, value: str) -> Month:
    found = _MONTH.fullmatch(value.strip())
    if found is None or not 1 <= int(found.group(2)) <= 12 or int(found.group(1)) < 1949:
        raise ValidationFailed(
            [FieldProblem(field, "month", "月份格式应为 YYYY-MM，如 2026-03", "a month is YYYY-MM, e.g. 2026-03")]
        )
    return Month(int(found.group(1)), int(found.group(2)))


def parse_year(field: str, value: str) -> int:
    text = value.strip()
    if not re.fullmatch(r"\d{4}", text) or int(text) < 1949:
        raise ValidationFailed([FieldProblem(field, "year", "年份格式应为 YYYY，如 2026", "a year is YYYY, e.g. 2026")])
    return int(text)


def end_instant(day: dt.date) -> dt.datetime:
    """The end of a Beijing calendar day: the first instant not in it (exclusive bound)."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), CST).astimezone(dt.UTC)


def beijing_date(at: dt.datetime) -> dt.date:
    return at.astimezone(CST).date()


@dataclass(frozen=True, slots=True)
class Cut:
    """When a report's figures are taken: on ``day`` (valid time), as recorded by ``as_of``.

    ``day`` is the period's last day, or ``as_of``'s own date for a period not over yet (a report
    on the running month says where things stand today, not what they will be at its end)."""

    day: dt.date
    as_of: dt.datetime

    @property
    def day_ends(self) -> dt.datetime:
        """Enterprises registered before this instant (and by ``as_of``) count."""
        return end_instant(self.day)

    def registered(self, at: dt.datetime) -> bool:
        return at < self.day_ends and at <= self.as_of


def cut(period_last: dt.date, period_first: dt.date, as_of: dt.datetime, field: str) -> Cut:
    """The cut of a period; 422 when the period starts after ``as_of`` (nothing to report yet)."""
    today = beijing_date(as_of)
    if period_first > today:
        raise ValidationFailed(
            [
                FieldProblem(
                    field,
                    "period_in_future",
                    f"报告期 {period_first} 起尚未开始（截至 {today}）",
                    f"the period starting {period_first} has not begun (as of {today})",
                )
            ]
        )
    return Cut(min(period_last, today), as_of)

"""Calendar periods for the rules, on the standard library alone.

``registry.domain.calendar`` does the same with dateutil; the rules package may import only the
standard library, msgspec and the YAML parser (the issue's purity contract), so the two-line clamp
is written here. Both must agree: tests/unit/rules/test_calendar_rules.py checks them against each other.
"""

from __future__ import annotations

import calendar
import datetime as dt


def add_months(day: dt.date, months: int) -> dt.date:
    """Calendar months; the day is clamped to the month's end (2024-01-31 + 1 month = 2024-02-29)."""
    total = day.year * 12 + day.month - 1 + months
    year, month = divmod(total, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def add_years(day: dt.date, years: int) -> dt.date:
    return add_months(day, 12 * years)


def full_months(start: dt.date, end: dt.date) -> int:
    """Whole calendar months from ``start`` to ``end`` ("满12个月": end >= start + 12 months)."""
    if end < start:
        return 0
    months = (end.year - start.year) * 12 + end.month - start.month
    if add_months(start, months) > end:
        months -= 1
    return months

"""The rules' stdlib calendar must clamp like the dateutil one the domain uses, or terms would differ."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from registry.domain import calendar as domain_calendar
from registry.rules.calendar import add_months, add_years, full_months

D = dt.date


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (D(2024, 1, 31), 1, D(2024, 2, 29)),  # leap year: clamped to the 29th
        (D(2023, 1, 31), 1, D(2023, 2, 28)),  # common year: clamped to the 28th
        (D(2100, 1, 31), 1, D(2100, 2, 28)),  # century, not a leap year
        (D(2000, 1, 31), 1, D(2000, 2, 29)),  # 400-year rule, a leap year
        (D(2024, 3, 31), 1, D(2024, 4, 30)),
        (D(2024, 1, 15), 0, D(2024, 1, 15)),
        (D(2024, 12, 15), 1, D(2025, 1, 15)),  # across the year end
        (D(2024, 11, 30), 14, D(2026, 1, 30)),
        (D(2025, 1, 15), -1, D(2024, 12, 15)),  # back across the year end
        (D(2027, 5, 31), -3, D(2027, 2, 28)),
        (D(2028, 5, 31), -3, D(2028, 2, 29)),
        (D(2024, 8, 31), -6, D(2024, 2, 29)),
        (D(2025, 3, 31), -25, D(2023, 2, 28)),
        (D(2024, 5, 31), 12, D(2025, 5, 31)),
        (D(2024, 12, 31), -12, D(2023, 12, 31)),
    ],
)
def test_add_months_clamps_to_the_month_end(day: dt.date, months: int, expected: dt.date) -> None:
    assert add_months(day, months) == expected


@pytest.mark.parametrize(
    ("day", "years", "expected"),
    [
        (D(2024, 2, 29), 1, D(2025, 2, 28)),
        (D(2024, 2, 29), 3, D(2027, 2, 28)),
        (D(2024, 2, 29), 4, D(2028, 2, 29)),
        (D(2024, 2, 29), -1, D(2023, 2, 28)),
        (D(2024, 2, 29), -4, D(2020, 2, 29)),
        (D(2023, 10, 1), 3, D(2026, 10, 1)),
        (D(2023, 3, 1), 1, D(2024, 3, 1)),  # a calendar year, not 365 days (2024-02-29)
    ],
)
def test_add_years_from_leap_day_and_ordinary_days(day: dt.date, years: int, expected: dt.date) -> None:
    assert add_years(day, years) == expected


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (D(2024, 5, 1), D(2024, 4, 30), 0),  # end before start
        (D(2024, 5, 1), D(2023, 5, 1), 0),
        (D(2024, 5, 1), D(2024, 5, 1), 0),  # the same day
        (D(2024, 5, 1), D(2025, 5, 1), 12),  # exactly 12 months: "满12个月"
        (D(2024, 5, 1), D(2025, 4, 30), 11),  # one day short
        (D(2024, 5, 1), D(2024, 5, 31), 0),
        (D(2024, 5, 1), D(2024, 6, 1), 1),
        (D(2024, 1, 31), D(2024, 2, 29), 1),  # the clamped day counts as the month's anniversary
        (D(2024, 1, 31), D(2024, 2, 28), 0),
        (D(2024, 2, 29), D(2025, 2, 28), 12),
        (D(2024, 2, 29), D(2024, 3, 28), 0),
        (D(2024, 2, 29), D(2024, 3, 29), 1),
        (D(2023, 12, 15), D(2024, 1, 14), 0),  # across the year end
        (D(2023, 12, 15), D(2024, 1, 15), 1),
    ],
)
def test_full_months(start: dt.date, end: dt.date, expected: int) -> None:
    assert full_months(start, end) == expected


dates = st.dates(min_value=D(1900, 1, 1), max_value=D(2200, 12, 31))


@given(dates, st.integers(-1200, 1200))
def test_add_months_agrees_with_the_domain_calendar(day: dt.date, months: int) -> None:
    assert add_months(day, months) == domain_calendar.add_months(day, months)


@given(dates, st.integers(-100, 100))
def test_add_years_agrees_with_the_domain_calendar(day: dt.date, years: int) -> None:
    assert add_years(day, years) == domain_calendar.add_years(day, years)


@given(dates, dates)
def test_full_months_is_the_largest_whole_number_of_calendar_months(start: dt.date, end: dt.date) -> None:
    months = full_months(start, end)
    if end < start:
        assert months == 0
        return
    assert months >= 0
    assert domain_calendar.add_months(start, months) <= end
    assert domain_calendar.add_months(start, months + 1) > end

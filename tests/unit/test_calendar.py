"""Legal periods are calendar periods: months and years clamp to the month's end, never count days."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from registry.domain.calendar import add_months, add_years, within

D = dt.date


@pytest.mark.parametrize(
    ("day", "years", "expected"),
    [
        (D(2024, 2, 29), 3, D(2027, 2, 28)),
        (D(2024, 2, 29), 4, D(2028, 2, 29)),
        (D(2024, 2, 29), 1, D(2025, 2, 28)),
        (D(2024, 2, 29), -1, D(2023, 2, 28)),
        (D(2024, 2, 29), -4, D(2020, 2, 29)),
        (D(2023, 3, 1), 1, D(2024, 3, 1)),  # not 365 days (that would be 2024-02-29)
        (D(2021, 10, 27), 3, D(2024, 10, 27)),
        (D(2024, 12, 31), 0, D(2024, 12, 31)),
    ],
)
def test_add_years(day, years, expected):
    assert add_years(day, years) == expected


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (D(2027, 5, 31), -3, D(2027, 2, 28)),
        (D(2028, 5, 31), -3, D(2028, 2, 29)),
        (D(2027, 2, 28), -3, D(2026, 11, 28)),
        (D(2024, 1, 31), 1, D(2024, 2, 29)),
        (D(2023, 1, 31), 1, D(2023, 2, 28)),
        (D(2024, 3, 31), 1, D(2024, 4, 30)),
        (D(2024, 12, 15), 1, D(2025, 1, 15)),
        (D(2025, 1, 15), -1, D(2024, 12, 15)),
        (D(2024, 8, 31), -6, D(2024, 2, 29)),
        (D(2024, 5, 31), 12, D(2025, 5, 31)),
        (D(2024, 5, 31), 0, D(2024, 5, 31)),
    ],
)
def test_add_months(day, months, expected):
    assert add_months(day, months) == expected


@pytest.mark.parametrize(
    ("day", "inside"),
    [
        (D(2024, 1, 1), True),  # the first day is inside
        (D(2024, 6, 15), True),
        (D(2024, 12, 31), True),  # the last day is inside
        (D(2023, 12, 31), False),
        (D(2025, 1, 1), False),
    ],
)
def test_within_includes_both_ends(day, inside):
    assert within(day, D(2024, 1, 1), D(2024, 12, 31)) is inside


def test_within_a_one_day_window_and_an_inverted_one():
    assert within(D(2024, 2, 29), D(2024, 2, 29), D(2024, 2, 29)) is True
    assert within(D(2024, 3, 1), D(2024, 3, 2), D(2024, 2, 28)) is False


def test_renewal_window_of_a_grade_announced_on_leap_day():
    # valid 3 years from 2024-02-29, renewal window opens 3 months before expiry
    end = add_years(D(2024, 2, 29), 3)
    start = add_months(end, -3)
    assert (start, end) == (D(2026, 11, 28), D(2027, 2, 28))
    assert within(D(2026, 11, 28), start, end)
    assert not within(D(2026, 11, 27), start, end)
    assert within(D(2027, 2, 28), start, end)
    assert not within(D(2027, 3, 1), start, end)


dates = st.dates(min_value=D(1950, 1, 1), max_value=D(2150, 12, 31))


@given(dates, st.integers(-50, 50))
def test_years_are_twelve_months(day, years):
    assert add_years(day, years) == add_months(day, 12 * years)


@given(dates, st.integers(-600, 600))
def test_months_keep_the_day_or_clamp_to_the_month_end(day, months):
    result = add_months(day, months)
    assert (result.year * 12 + result.month) - (day.year * 12 + day.month) == months
    if result.day != day.day:
        assert result.day < day.day
        assert (result + dt.timedelta(days=1)).day == 1  # clamped to the last day of the month


@given(dates, dates, dates)
def test_within_is_the_closed_interval(day, start, end):
    assert within(day, start, end) == (start <= day and day <= end)

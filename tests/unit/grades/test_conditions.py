"""Application conditions on the accident record: windows in calendar months ending the day before
the application, deaths summed, grades compared by rank."""

from __future__ import annotations

import datetime as dt

import pytest

from registry.domain.grades.conditions import Accident, Condition, unmet

D = dt.date
APPLIED = D(2025, 3, 31)


def acc(i: int, day: dt.date, deaths: int = 0, grade: str = "ordinary") -> Accident:
    return Accident(i, day, deaths, grade)


def broken(conditions, accidents, applied=APPLIED):
    return [(u.condition, u.accidents) for u in unmet(conditions, accidents, applied)]


def test_deaths_are_summed_inside_the_window():
    three_level = [Condition(12, max_deaths=2)]
    assert broken(three_level, [acc(1, D(2024, 6, 1), 1), acc(2, D(2025, 1, 1), 1)]) == []
    assert broken(three_level, [acc(1, D(2024, 6, 1), 1), acc(2, D(2025, 1, 1), 2)]) == [(three_level[0], (1, 2))]


@pytest.mark.parametrize(
    ("day", "counted"),
    [
        (D(2024, 3, 30), False),  # the day before the window opens
        (D(2024, 3, 31), True),  # 12 calendar months before the application: inside
        (D(2025, 3, 30), True),  # the day before the application
        (D(2025, 3, 31), False),  # the application day itself is not "before applying"
    ],
)
def test_window_edges(day, counted):
    result = broken([Condition(12, max_deaths=0)], [acc(7, day, 1)])
    assert bool(result) is counted


def test_month_end_window_on_29_february():
    # applied 2025-02-28: 12 months back is 2024-02-28; 29 February 2024 is inside
    assert broken([Condition(12, max_deaths=0)], [acc(1, D(2024, 2, 29), 1)], D(2025, 2, 28))
    assert not broken([Condition(12, max_deaths=0)], [acc(1, D(2024, 2, 27), 1)], D(2025, 2, 28))


def test_grades_above_the_limit_break_it_whatever_the_deaths():
    no_larger = Condition(12, max_grade="ordinary")
    assert broken([no_larger], [acc(1, D(2025, 1, 1), 0, "ordinary")]) == []
    assert broken([no_larger], [acc(2, D(2025, 1, 1), 0, "larger")]) == [(no_larger, (2,))]
    assert broken([Condition(60, max_grade="larger")], [acc(3, D(2020, 3, 30), 12, "major")]) == []  # before 5 years
    assert broken([Condition(60, max_grade="larger")], [acc(3, D(2020, 3, 31), 12, "major")])
    assert broken([Condition(None, max_grade="major")], [acc(4, D(1999, 1, 1), 40, "especially_major")])


def test_several_conditions_report_each_broken_one():
    level_one = [Condition(None, max_grade="major"), Condition(60, max_grade="larger"), Condition(24, max_deaths=0)]
    record = [acc(1, D(2022, 5, 5), 11, "major"), acc(2, D(2024, 8, 8), 1, "ordinary")]
    assert broken(level_one, record) == [(level_one[1], (1,)), (level_one[2], (2,))]


def test_texts_name_the_limit_in_both_languages():
    assert Condition(24, max_deaths=0).text() == (
        "申请前24个月内不得发生死亡事故",
        "no fatal accident in the 24 months before applying",
    )
    zh, en = Condition(None, max_grade="major").text()
    assert "特别重大" not in zh
    assert "重大事故以上" in zh
    assert en == "no accident above major ever"

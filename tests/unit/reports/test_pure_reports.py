"""The pure report functions on small histories: what a grade was on a day, as recorded by a
moment; the targets' deduction; the credit events of a listing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest

from registry.domain.reports.credit import ListingHistory, ListingStep, events
from registry.domain.reports.monthly import monthly
from registry.domain.reports.periods import Month
from registry.domain.reports.standing import GradeHistory, Step, Unit, status_on
from registry.domain.reports.targets import TargetPolicy, deduction, rank, targets
from registry.errors import ValidationFailed

D = dt.date
T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
LATE = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)


def grade(
    gid: int, unit: int, level: int, steps: list[tuple[str, dt.date, str]], until: dt.date | None = None
) -> GradeHistory:
    return GradeHistory(
        gid, unit, level, until, tuple(Step(gid * 100 + i, n, on, st, T0) for i, (n, on, st) in enumerate(steps))
    )


def test_status_follows_the_steps_dated_by_the_day_and_expiry_by_valid_until() -> None:
    g = grade(
        1,
        1,
        3,
        [
            ("application", D(2025, 1, 5), "applied"),
            ("review", D(2025, 2, 1), "reviewed"),
            ("announce", D(2025, 3, 10), "valid"),
            ("revoke", D(2025, 6, 2), "revoked"),
        ],
        until=D(2028, 3, 9),
    )
    assert status_on(g, D(2025, 1, 4), T0) is None
    assert status_on(g, D(2025, 1, 31), T0) == "applied"
    assert status_on(g, D(2025, 3, 31), T0) == "valid"
    assert status_on(g, D(2025, 6, 1), T0) == "valid"
    assert status_on(g, D(2025, 6, 30), T0) == "revoked"
    expiring = grade(2, 1, 3, [("announce", D(2022, 1, 10), "valid")], until=D(2025, 1, 9))
    assert status_on(expiring, D(2025, 1, 9), T0) == "valid"
    assert status_on(expiring, D(2025, 1, 10), T0) == "expired"


def test_a_step_recorded_after_as_of_is_not_known_then() -> None:
    late = Step(5, "revoke", D(2025, 2, 1), "revoked", LATE)
    g = GradeHistory(1, 1, 3, D(2028, 1, 1), (Step(4, "announce", D(2025, 1, 2), "valid", T0), late))
    assert status_on(g, D(2025, 3, 31), LATE - dt.timedelta(seconds=1)) == "valid"
    assert status_on(g, D(2025, 3, 31), LATE) == "revoked"


def test_monthly_skips_units_registered_after_the_month_and_puts_other_industries_last() -> None:
    units = {
        1: Unit(1, "410103", "chemical", "above_scale", T0),
        2: Unit(2, "410103", "metallurgy", "above_scale", dt.datetime(2026, 3, 31, 16, tzinfo=dt.UTC)),  # 4-01 CST
    }
    grades = [
        grade(1, 1, 2, [("announce", D(2026, 3, 3), "valid")], D(2029, 3, 2)),
        grade(2, 2, 3, [("announce", D(2026, 3, 3), "valid")], D(2029, 3, 2)),
    ]
    report = monthly(units, grades, Month(2026, 3), LATE)
    codes = [r.industry for r in report.figures.rows]
    assert codes[:8] == [
        "metallurgy",
        "machinery",
        "light_industry",
        "nonferrous",
        "textile",
        "building_materials",
        "commerce",
        "tobacco",
    ]
    assert codes[8:] == ["chemical"]
    assert report.figures.others == ["chemical"]
    assert report.figures.rows[0].levels[3].cumulative == 0  # registered on 1 April, Beijing time
    assert report.figures.total[2].completed == 1
    assert report.figures.total[2].cumulative == 1
    assert [s.total[2].cumulative for s in report.series] == [0, 0, 1]
    with pytest.raises(ValidationFailed):
        monthly(units, grades, Month(2027, 1), LATE)


def test_deduction_counts_whole_steps_of_ten_points_by_default() -> None:
    policy = TargetPolicy()
    assert policy.target(2015) is None
    assert policy.target(2017) == 70
    assert policy.target(2026) == 100
    assert deduction(policy, Decimal(70), Fraction(55)) == (Fraction(15), Decimal("0.5"))
    assert deduction(policy, Decimal(70), Fraction(50)) == (Fraction(20), Decimal("1.0"))
    assert deduction(policy, Decimal(70), Fraction(71)) == (Fraction(0), Decimal(0))
    started = TargetPolicy(steps="started")
    assert deduction(started, Decimal(70), Fraction(69)) == (Fraction(1), Decimal("0.5"))


def test_ranking_shares_places_and_puts_areas_without_enterprises_last() -> None:
    units = {
        i: Unit(i, code, "machinery", "above_scale", T0)
        for i, code in enumerate(["410102", "410102", "410103", "410103", "410105", "410105"], start=1)
    }
    units[7] = Unit(7, "410106", "machinery", "below_scale", T0)
    valid = [("announce", D(2026, 2, 1), "valid")]
    grades = [
        grade(1, 1, 3, valid, D(2029, 1, 1)),
        grade(3, 3, 3, valid, D(2029, 1, 1)),
        grade(5, 5, 1, valid, D(2029, 1, 1)),
        grade(6, 6, 2, valid, D(2029, 1, 1)),
    ]
    report = targets(units, grades, "4101", 2026, LATE, TargetPolicy())
    assert report.whole.above_scale == 6
    assert report.whole.graded == 4
    assert [(s.code, s.rank) for s in report.ranking] == [("410105", 1), ("410102", 2), ("410103", 2)]
    assert rank([]) == []


def test_listing_events_read_off_the_steps() -> None:
    steps = (
        ListingStep(1, "propose", D(2026, 1, 5), "proposed", {}, T0),
        ListingStep(2, "notify", D(2026, 1, 6), "notified", {}, T0),
        ListingStep(3, "decide", D(2026, 1, 20), "listed", {}, T0),
        ListingStep(4, "approve_grant_repair", D(2026, 4, 2), "removed", {}, T0),
        ListingStep(5, "approve_revoke_repair", D(2026, 5, 2), "listed", {}, T0),
        ListingStep(6, "expire", D(2026, 9, 3), "removed", {"expires_on": "2026-09-01"}, T0),
    )
    listing = ListingHistory(1, "SERIOUS_DISHONEST_2023", ("11-1",), "郑州市应急管理局", D(2026, 1, 5), steps)
    got = [(e.kind, e.on, e.removal_type, e.days_to_decision) for e in events(listing, LATE)]
    assert got == [
        ("proposed", D(2026, 1, 5), None, None),
        ("decided", D(2026, 1, 20), None, 15),
        ("removed", D(2026, 4, 2), "early", None),
        ("removed_early", D(2026, 4, 2), "early", None),
        ("restored", D(2026, 5, 2), None, None),
        ("removed", D(2026, 9, 2), "expiry", None),
    ]


def test_target_settings_are_read_and_bad_ones_stop_the_start() -> None:
    from registry.domain.reports.service import policy_of
    from registry.settings import ReportSettings, Settings, parse_targets

    settings = Settings.from_env(
        {"REGISTRY_REPORT_TARGETS": "2019:60,2020:80", "REGISTRY_REPORT_DEDUCTION_STEPS": "started"}
    )
    policy = policy_of(settings.reports)
    assert policy.target(2018) is None
    assert policy.target(2021) == 80
    assert policy.steps == "started"
    assert policy_of(Settings.from_env({}).reports).target(2017) == 70
    with pytest.raises(ValueError, match="year:percent"):
        parse_targets("2019=60")
    with pytest.raises(ValueError, match="whole or started"):
        policy_of(ReportSettings(steps="rounded"))
    with pytest.raises(ValueError, match=r"0\.\.100"):
        policy_of(ReportSettings(targets=((2020, "120"),)))

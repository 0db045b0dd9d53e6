"""The monthly report and the targets of a small area, cell by cell, against figures worked out by
hand (issue 21). The data is made once per backend (module fixture), through the services with the
clock set to the day each thing happened (or was entered late), in 喀什地区 (6531), which no other
test uses.

Who is there (all registered 2024-12-02 unless said; 653101 喀什市, 653121 疏附县, 653122 疏勒县):

- A 653101 冶金, above scale: 三级 announced 2025-03-03.
- B 653101 机械, above scale: 三级 announced 2025-05-06, revoked 2026-04-20 (after March).
- C 653121 轻工, above scale: 三级 announced 2023-03-20 (entered late, at registration), valid to
  2026-03-20; its renewal applied 2025-12-22, announced 2026-03-10 (supersedes the old one).
- D 653121 化工 (outside the form's eight), above scale: 二级 applied 2025-10-09, announced 2026-03-05.
- E 653122 机械, above scale: 三级 applied 2026-03-20, reviewed 2026-04-02.
- F 653122 纺织, below scale: 三级 announced 2022-12-20 (entered late), expired 2025-12-20.
- G 653101 商贸, above scale, registered 2026-04-10 (after March) with a 三级 announced 2026-03-15
  (entered then).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec
import pytest

from registry.domain.actors import system_actor
from registry.domain.enterprises import schemas as es
from registry.domain.grades import schemas as gs
from tests import factories as f

ACTOR = system_actor("report-fixture")
D = dt.date
FORM = ["冶金", "机械", "轻工", "有色", "纺织", "建材", "商贸", "烟草"]


def on_day(clock: Any, day: dt.date) -> None:
    clock.at = dt.datetime(day.year, day.month, day.day, 4, tzinfo=dt.UTC)  # noon in Beijing


async def register(services: Any, clock: Any, day: dt.date, division: str, industry: str, scale: str) -> str:
    on_day(clock, day)
    body = f.enterprise(division, industry=industry, scale=scale)
    created = await services.enterprises.create(ACTOR, msgspec.convert(body, es.EnterpriseCreate))
    return str(created.uscc)


async def grade(
    services: Any,
    clock: Any,
    uscc: str,
    level: int,
    steps: list[tuple[str, dt.date]],
    *,
    entered: dt.date | None = None,
    renewal_of: int | None = None,
) -> int:
    """Apply, then each (action, day); with ``entered``, everything is recorded on that day."""
    applied = steps[0][1]
    on_day(clock, entered or applied)
    g = await services.grades.apply(
        ACTOR,
        uscc,
        gs.GradeApply(
            level=level,  # type: ignore[arg-type]
            scheme="yj-2021-83",
            standard="工贸企业安全生产标准化定级标准（测试）",
            self_score={1: 92.0, 2: 84.5, 3: 76.0}[level],
            self_assessed_on=applied - dt.timedelta(days=10),
            applied_on=applied,
            renewal_of=renewal_of,
        ),
    )
    version = g.version
    for action, day in steps[1:]:
        on_day(clock, entered or day)
        body: dict[str, Any] = {"on": day, "version": version}
        if action == "review":
            body |= {"passed": True, "score": {1: 93.0, 2: 86.0, 3: 80.0}[level]}
        elif action == "audit":
            body |= {"passed": True}
        elif action == "announce":
            body |= {"announcement_no": f"喀应急标〔{day.year}〕{day.month}{day.day}号"}
        elif action == "revoke":
            body |= {"reason": "system_ineffective", "decision_no": f"喀应急标撤〔{day.year}〕1号"}
        data = msgspec.convert(body, gs.ACTION_BODIES[action], strict=False)
        version = (await services.grades.act(ACTOR, uscc, g.id, action, data)).version
    return int(g.id)


def passed(applied: dt.date, review: dt.date, audit: dt.date, announce: dt.date) -> list[tuple[str, dt.date]]:
    return [("apply", applied), ("review", review), ("audit", audit), ("announce", announce)]


@pytest.fixture(scope="module")
async def area(services: Any, clock: Any) -> dict[str, str]:
    reg = D(2024, 12, 2)
    u = {
        "A": await register(services, clock, reg, "653101", "metallurgy", "above_scale"),
        "B": await register(services, clock, reg, "653101", "machinery", "above_scale"),
        "C": await register(services, clock, reg, "653121", "light_industry", "above_scale"),
        "D": await register(services, clock, reg, "653121", "chemical", "above_scale"),
        "E": await register(services, clock, reg, "653122", "machinery", "above_scale"),
        "F": await register(services, clock, reg, "653122", "textile", "below_scale"),
    }
    old_c = await grade(
        services, clock, u["C"], 3, passed(D(2022, 12, 1), D(2023, 1, 10), D(2023, 2, 20), D(2023, 3, 20)), entered=reg
    )
    await grade(
        services,
        clock,
        u["F"],
        3,
        passed(D(2022, 9, 1), D(2022, 10, 10), D(2022, 11, 20), D(2022, 12, 20)),
        entered=reg,
    )
    await grade(services, clock, u["A"], 3, passed(D(2025, 1, 6), D(2025, 2, 10), D(2025, 2, 20), D(2025, 3, 3)))
    b = await grade(services, clock, u["B"], 3, passed(D(2025, 3, 3), D(2025, 4, 7), D(2025, 4, 21), D(2025, 5, 6)))
    await grade(services, clock, u["D"], 2, passed(D(2025, 10, 9), D(2025, 11, 10), D(2025, 12, 1), D(2026, 3, 5)))
    await grade(
        services,
        clock,
        u["C"],
        3,
        passed(D(2025, 12, 22), D(2026, 1, 20), D(2026, 2, 10), D(2026, 3, 10)),
        renewal_of=old_c,
    )
    await grade(services, clock, u["E"], 3, [("apply", D(2026, 3, 20)), ("review", D(2026, 4, 2))])
    u["G"] = await register(services, clock, D(2026, 4, 10), "653101", "commerce", "above_scale")
    await grade(
        services,
        clock,
        u["G"],
        3,
        passed(D(2025, 12, 1), D(2026, 1, 10), D(2026, 2, 1), D(2026, 3, 15)),
        entered=D(2026, 4, 10),
    )
    on_day(clock, D(2026, 4, 20))
    version = (await services.grades.get(ACTOR, u["B"], b)).version
    revocation = {
        "on": D(2026, 4, 20),
        "version": version,
        "reason": "system_ineffective",
        "decision_no": "喀应急标撤〔2026〕1号",
    }
    await services.grades.act(ACTOR, u["B"], b, "revoke", msgspec.convert(revocation, gs.ACTION_BODIES["revoke"]))
    on_day(clock, D(2026, 5, 1))
    return u


def cells(payload: dict[str, Any]) -> dict[str, list[int]]:
    """Row name -> the nine cells in the form's order (一级 当月/累计/在审, 二级 ..., 三级 ...)."""
    out = {}
    for row in [*payload["rows"], payload["total"]]:
        out[row["name"]] = [lv[k] for lv in row["levels"] for k in ("completed", "cumulative", "in_review")]
    return out


ZERO = [0] * 9


def form(**rows: list[int]) -> dict[str, list[int]]:
    return {name: rows.get(name, ZERO) for name in FORM}


async def test_march_2026_cell_by_cell(services: Any, area: dict[str, str]) -> None:
    got = await services.reports.monthly(ACTOR, "6531", "2026-03", None)
    # by hand, on 2026-03-31:
    # 冶金 A valid (三级 cumulative 1).
    # 机械 B valid (revoked only on 20 April): cumulative 1; E applied on 20 March: in review 1.
    # 轻工 C: the renewal announced 10 March is completed this month and valid; the old grade is
    #     superseded (not counted twice): completed 1, cumulative 1.
    # 纺织 F: expired on 2025-12-20: nothing. 商贸 G: registered on 10 April: nothing.
    # 化工 D (outside the eight, after them): 二级 announced 5 March: completed 1, cumulative 1.
    expected = form(
        冶金=[0, 0, 0, 0, 0, 0, 0, 1, 0], 机械=[0, 0, 0, 0, 0, 0, 0, 1, 1], 轻工=[0, 0, 0, 0, 0, 0, 1, 1, 0]
    )
    expected["化工（含石油化工）"] = [0, 0, 0, 1, 1, 0, 0, 0, 0]
    expected["合计"] = [0, 0, 0, 1, 1, 0, 1, 3, 1]
    assert cells(got) == expected
    assert [r["name"] for r in got["rows"]] == [*FORM, "化工（含石油化工）"]
    assert got["others"] == ["chemical"]
    assert any("化工" in n and "表外" in n for n in got["notes"])
    assert (got["area"], got["month"], got["day"]) == (
        {"prefix": "6531", "name": "新疆维吾尔自治区喀什地区"},
        "2026-03",
        "2026-03-31",
    )
    # the series, by hand: January (A, B, C old valid; D, C's renewal under review), February (the same)
    assert [(m["month"], m["completed"], m["cumulative"], m["in_review"]) for m in got["series"]] == [
        ("2026-01", 0, 3, 2),
        ("2026-02", 0, 3, 2),
        ("2026-03", 2, 4, 1),
    ]


async def test_march_2026_reads_the_same_before_the_revocation_and_registration_were_recorded(
    services: Any, area: dict[str, str]
) -> None:
    now = await services.reports.monthly(ACTOR, "6531", "2026-03", "2026-05-01T04:00:00Z")
    then = await services.reports.monthly(ACTOR, "6531", "2026-03", "2026-04-05T04:00:00Z")
    assert cells(now) == cells(then)
    again = await services.reports.monthly(ACTOR, "6531", "2026-03", "2026-05-01T04:00:00Z")
    assert services.reports.render(again, "xlsx").body == services.reports.render(now, "xlsx").body


async def test_april_2026_cell_by_cell(services: Any, area: dict[str, str]) -> None:
    got = await services.reports.monthly(ACTOR, "6531", "2026-04", None)
    # by hand, on 2026-04-30: A valid; B revoked; C's renewal valid; E reviewed (in review);
    # G registered on 10 April with its grade announced in March: cumulative, not completed in April
    expected = form(
        冶金=[0, 0, 0, 0, 0, 0, 0, 1, 0], 机械=[0, 0, 0, 0, 0, 0, 0, 0, 1], 轻工=[0, 0, 0, 0, 0, 0, 0, 1, 0]
    )
    expected["商贸"] = [0, 0, 0, 0, 0, 0, 0, 1, 0]
    expected["化工（含石油化工）"] = [0, 0, 0, 0, 1, 0, 0, 0, 0]
    expected["合计"] = [0, 0, 0, 0, 1, 0, 0, 3, 1]
    assert cells(got) == expected


async def test_one_county_and_a_month_before_anything(services: Any, area: dict[str, str]) -> None:
    got = await services.reports.monthly(ACTOR, "653121", "2026-03", None)
    expected = form(轻工=[0, 0, 0, 0, 0, 0, 1, 1, 0])
    expected["化工（含石油化工）"] = [0, 0, 0, 1, 1, 0, 0, 0, 0]
    expected["合计"] = [0, 0, 0, 1, 1, 0, 1, 1, 0]
    assert cells(got) == expected
    # November 2024: nobody was registered yet (C's old grade was valid, but entered in December)
    empty = await services.reports.monthly(ACTOR, "6531", "2024-11", None)
    assert cells(empty) == {**form(), "合计": ZERO}


async def test_targets_2025_and_ranking_by_hand(services: Any, area: dict[str, str]) -> None:
    got = await services.reports.targets(ACTOR, "6531", "2025", None)
    # above scale on 2025-12-31: A, B, C, D, E (G registered in 2026, F below scale); valid then:
    # A, B, C's old grade (to 2026-03-20); D under review, E nothing: 3 of 5 = 60%.
    # Target 2025: 100% (2018's target holds after it): 40 points short, 4 steps of 10: 2.0 points.
    assert got["target_percent"] == 100.0
    whole = got["whole"]
    assert (whole["above_scale"], whole["graded"], whole["share_percent"]) == (5, 3, 60.0)
    assert (whole["shortfall_points"], whole["deduction_points"]) == (40.0, 2.0)
    # 喀什市 A, B: 2 of 2; 疏附县 C, D: 1 of 2 (50 short: 2.5); 疏勒县 E: 0 of 1 (100 short: 5.0)
    assert [
        (r["rank"], r["prefix"], r["name"], r["above_scale"], r["graded"], r["share_percent"], r["deduction_points"])
        for r in got["ranking"]
    ] == [
        (1, "653101", "喀什市", 2, 2, 100.0, 0.0),
        (2, "653121", "疏附县", 2, 1, 50.0, 2.5),
        (3, "653122", "疏勒县", 1, 0, 0.0, 5.0),
    ]


async def test_targets_2026_as_of_the_first_of_may(services: Any, area: dict[str, str]) -> None:
    got = await services.reports.targets(ACTOR, "6531", "2026", "2026-05-01T04:00:00Z")
    # on 2026-05-01: A, C (renewed), D, G valid; B revoked, E under review: 4 of 6
    assert got["day"] == "2026-05-01"
    assert (got["whole"]["above_scale"], got["whole"]["graded"], got["whole"]["share_percent"]) == (6, 4, 66.67)
    # end of January: A, B, C old valid of A..E (G not yet registered): 3 of 5; April: A, C, D, G of 6
    progress = {m["month"]: m["share_percent"] for m in got["progress"]}
    assert (progress["2026-01"], progress["2026-03"], progress["2026-04"]) == (60.0, 80.0, 66.67)


async def test_the_database_tally_equals_the_recount_from_every_history(services: Any, area: dict[str, str]) -> None:
    """``monthly`` answers from SQL intervals (``tally``); the pure definition must agree on every
    month, area and record time of the fixture, renewals, revocations and late entries included."""
    for prefix in ("6531", "653101", "653121", "653122"):
        for month in ("2024-12", "2025-03", "2025-12", "2026-02", "2026-03", "2026-04", "2026-11"):
            for as_of in (
                "2025-01-01T00:00:00Z",
                "2026-04-05T04:00:00Z",
                "2026-04-20T03:59:59Z",
                "2026-12-01T00:00:00Z",
            ):
                if month > as_of[:7]:
                    continue
                fast = await services.reports.monthly(ACTOR, prefix, month, as_of)
                slow = await services.reports.monthly_recount(prefix, month, as_of)
                assert fast == slow, (prefix, month, as_of)


async def test_the_database_targets_equal_the_recount(services: Any, area: dict[str, str]) -> None:
    for prefix in ("", "65", "6531", "653121"):
        for year, as_of in (
            ("2024", "2025-01-01T00:00:00Z"),
            ("2025", "2026-04-05T04:00:00Z"),
            ("2026", "2026-04-20T03:59:59Z"),
            ("2026", "2026-05-01T04:00:00Z"),
        ):
            fast = await services.reports.targets(ACTOR, prefix, year, as_of)
            slow = await services.reports.targets_recount(prefix, year, as_of)
            assert fast == slow, (prefix, year, as_of)

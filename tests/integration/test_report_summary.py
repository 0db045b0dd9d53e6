"""The report summary (``report_summary``, migration 0011) is kept by the writes themselves: after
grades announced, revoked, expired by the sweep and renewed, and units registered, moved to another
prefecture, given another industry and another scale, all through the services, the table equals a
recount from the facts, and the reports read from it equal the ones counted from the facts (the
database tally and the pure definition), for the country, a province and two prefectures. In
塔城地区 (6542) and 阿勒泰地区 (6543), which no other test uses."""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec
from sqlalchemy import func, select

from registry.db import report_summary
from registry.db.models import Enterprise, GradeStep, ReportSummary
from registry.domain.enterprises import schemas as es
from registry.domain.grades import schemas as gs
from registry.domain.reports import summary
from registry.domain.reports.area import as_of as report_as_of
from tests.integration import test_listing_workflow as lw
from tests.integration.test_grades import valid_grade
from tests.integration.test_reports_fixture import ACTOR, grade, on_day, passed, register

D = dt.date
PREFECTURES = ("6542", "6543")
#: the listing test's decision day, and the first day after its grade's validity (valid to 2029-06-01)
DECIDED, EXPIRY = D(2026, 12, 2), D(2029, 6, 2)


async def move(services: Any, clock: Any, day: dt.date, uscc: str, **change: Any) -> None:
    on_day(clock, day)
    current = await services.enterprises.get(ACTOR, uscc)
    patch = msgspec.convert({"version": current.version, **change}, es.EnterpriseUpdate)
    await services.enterprises.update(ACTOR, uscc, patch)


async def kept_rows(services: Any) -> dict[tuple[Any, ...], int]:
    async with services.db.read() as session:
        rows = await session.execute(
            select(ReportSummary).where(ReportSummary.depth == 2, ReportSummary.area.in_(PREFECTURES))
        )
        return {
            (r.depth, r.area, r.day, r.industry, r.above_scale, r.level, r.kind): r.n
            for (r,) in rows
            if r.n  # a change undone leaves a row of 0
        }


async def recounted_rows(services: Any) -> dict[tuple[Any, ...], int]:
    async with services.db.read() as session:
        marks = await session.run_sync(lambda s: report_summary.recount(s.connection()))
    return {k: n for k, n in marks.items() if k[0] == 2 and k[1] in PREFECTURES}


async def test_the_summary_follows_every_write_and_equals_a_recount(services: Any, clock: Any) -> None:
    reg = D(2025, 1, 6)
    u = {
        "A": await register(services, clock, reg, "654201", "metallurgy", "above_scale"),
        "B": await register(services, clock, reg, "654202", "machinery", "above_scale"),
        "C": await register(services, clock, reg, "654221", "chemical", "below_scale"),
        "E": await register(services, clock, reg, "654201", "commerce", "above_scale"),
    }
    await grade(services, clock, u["A"], 3, passed(D(2025, 1, 10), D(2025, 2, 10), D(2025, 3, 3), D(2025, 4, 1)))
    b = await grade(services, clock, u["B"], 2, passed(D(2025, 1, 8), D(2025, 2, 5), D(2025, 2, 20), D(2025, 3, 10)))
    # announced in 2022, entered at registration: valid to 2025-06-01, then expired by the sweep
    await grade(
        services, clock, u["C"], 3, passed(D(2022, 3, 1), D(2022, 4, 1), D(2022, 5, 1), D(2022, 6, 2)), entered=reg
    )
    old_e = await grade(
        services, clock, u["E"], 3, passed(D(2022, 6, 1), D(2022, 7, 1), D(2022, 8, 1), D(2022, 9, 1)), entered=reg
    )
    # registered after its grade's announcement in the same month: 当月完成 in that month all the same
    u["G"] = await register(services, clock, D(2025, 3, 20), "654202", "tobacco", "above_scale")
    await grade(
        services,
        clock,
        u["G"],
        1,
        passed(D(2024, 11, 4), D(2024, 12, 20), D(2025, 2, 1), D(2025, 3, 5)),
        entered=D(2025, 3, 20),
    )
    assert await kept_rows(services) == await recounted_rows(services)
    # the renewal of E's grade supersedes the old one when announced
    await grade(
        services,
        clock,
        u["E"],
        3,
        passed(D(2025, 6, 10), D(2025, 7, 1), D(2025, 7, 20), D(2025, 8, 20)),
        renewal_of=old_e,
    )
    on_day(clock, D(2025, 6, 5))
    assert await services.grades.sweep() >= 1
    on_day(clock, D(2025, 9, 15))
    version = (await services.grades.get(ACTOR, u["B"], b)).version
    revocation = {"on": D(2025, 9, 15), "version": version, "reason": "system_ineffective", "decision_no": "塔撤1号"}
    await services.grades.act(ACTOR, u["B"], b, "revoke", msgspec.convert(revocation, gs.ACTION_BODIES["revoke"]))
    u["F"] = await register(services, clock, D(2025, 5, 12), "654201", "textile", "above_scale")
    await grade(services, clock, u["F"], 3, [("apply", D(2025, 5, 20)), ("review", D(2025, 6, 16))])
    assert await kept_rows(services) == await recounted_rows(services)
    # moves: another prefecture, another industry, another scale, another county of the prefecture
    await move(services, clock, D(2025, 10, 9), u["A"], division_code="654301")
    await move(services, clock, D(2025, 10, 10), u["B"], industry="building_materials")
    await move(services, clock, D(2025, 10, 11), u["C"], scale="above_scale")
    await move(services, clock, D(2025, 10, 12), u["F"], division_code="654202", industry="light_industry")
    kept = await kept_rows(services)
    assert kept == await recounted_rows(services)
    assert {area for _, area, *_ in kept} == {"6542", "6543"}

    # past every fact recorded in this worker's database (other tests move the shared clock ahead)
    async with services.db.read() as session:
        latest = [
            await session.scalar(select(func.max(GradeStep.recorded_at))),
            await session.scalar(select(func.max(Enterprise.created_at))),
        ]
    clock.at = max([dt.datetime.now(dt.UTC), *(t for t in latest if t is not None)]) + dt.timedelta(seconds=5)
    recorded = report_as_of(None, clock)
    async with services.db.read() as session:
        for prefix in ("", "65", *PREFECTURES):
            assert await summary.covers(session, prefix, recorded), prefix
        assert not await summary.covers(session, "654201", recorded)
        assert not await summary.covers(session, "6542", dt.datetime(2025, 9, 1, tzinfo=dt.UTC))
    at = recorded.isoformat()
    compared = 0
    for prefix in ("", "65", *PREFECTURES):
        for month in ("2025-01", "2025-03", "2025-06", "2025-08", "2025-09", "2025-11", "2026-02"):
            kept_report = await services.reports.monthly(ACTOR, prefix, month, at)
            assert kept_report == await services.reports.monthly_counted(prefix, month, at), (prefix, month)
            if prefix in PREFECTURES:
                assert kept_report == await services.reports.monthly_recount(prefix, month, at), (prefix, month)
            compared += 1
        for year in ("2025", "2026"):
            kept_targets = await services.reports.targets(ACTOR, prefix, year, at)
            assert kept_targets == await services.reports.targets_counted(prefix, year, at), (prefix, year)
            if prefix in PREFECTURES:
                assert kept_targets == await services.reports.targets_recount(prefix, year, at), (prefix, year)
    assert compared == 28
    # not trivially equal: the prefecture's 2025 series has grades in each column
    tacheng = await services.reports.monthly(ACTOR, "6542", "2025-11", at)
    assert all(sum(m[k] for m in tacheng["series"]) > 0 for k in ("completed", "cumulative", "in_review"))


async def every_row(services: Any) -> dict[tuple[Any, ...], int]:
    async with services.db.read() as session:
        rows = await session.execute(select(ReportSummary))
        return {(r.depth, r.area, r.day, r.industry, r.above_scale, r.level, r.kind): r.n for (r,) in rows}


async def every_mark(services: Any) -> dict[tuple[Any, ...], int]:
    async with services.db.read() as session:
        return dict(await session.run_sync(lambda s: report_summary.recount(s.connection())))


def change(after: dict[tuple[Any, ...], int], before: dict[tuple[Any, ...], int]) -> dict[tuple[Any, ...], int]:
    keys = after.keys() | before.keys()
    return {k: after.get(k, 0) - before.get(k, 0) for k in keys if after.get(k, 0) != before.get(k, 0)}


async def test_a_listing_that_revokes_a_grade_changes_the_summary_as_the_recount(
    client: Any, services: Any, clock: Any
) -> None:
    """The listing decision revokes the unit's grade in its own transaction (R12, the listing
    effects): the summary changes by what the recount changes by (compared as changes, so rows of
    other tests' areas do not matter)."""
    lw.set_day(clock, lw.TODAY)
    a, b = await lw.officer(client, services), await lw.officer(client, services)
    city = await lw.officer(client, services, division="410100", level="prefectural")
    unit = await lw.t.create(client, a.h)
    await valid_grade(client, a.h, unit["uscc"], "2026-06-01", grader=city.h)
    acc = await lw.record(client, a.h, lw.accident(unit["uscc"], "2026-09-01", deaths=12))
    await lw.record(client, a.h, lw.penalty(unit["uscc"], "2026-10-15", links=[acc["id"]]))
    kept, counted = await every_row(services), await every_mark(services)
    await lw.decided(client, clock, a, b, unit["uscc"])
    moved = change(await every_row(services), kept)
    assert moved == change(await every_mark(services), counted)
    # the valid interval now ends on the day of the decision instead of after valid_until
    ends = {(k[1], k[2], n) for k, n in moved.items() if k[6] == "valid"}
    assert ends == {(area, day, n) for area in ("", "41", "4101") for day, n in ((DECIDED, -1), (EXPIRY, 1))}
    assert len(moved) == 6

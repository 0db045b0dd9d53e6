"""The database tally and the pure recount agree on random grade histories (issue 21): steps in any
order the state machine allows (suspensions and resumptions, rejections, revocations, reinstatement,
supersession, recorded expiry, several steps on one day), expiries inside the year, entries recorded
late, units registered in the middle of the year. Rows are written as the services store them, in
伊犁州 (6540), which no other test uses."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from sqlalchemy import select

from registry.db import report_summary
from registry.db.models import Authority, Enterprise, Grade, GradeStep
from registry.domain.actors import system_actor
from tests import factories as f

ACTOR = system_actor("report-random")
COUNTIES = ["654002", "654003", "654021"]
INDUSTRIES = ["metallurgy", "machinery", "chemical", "commerce", "textile"]
START = dt.date(2024, 10, 1)


def at(day: dt.date, hours: int = 4) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC) + dt.timedelta(hours=hours)


def walk(rng: random.Random, applied: dt.date) -> list[tuple[str, dt.date, str]]:
    """A random history: (step, day, status after)."""
    day, status = applied, "applied"
    steps = [("application", day, status)]
    for _ in range(rng.randint(1, 7)):
        day += dt.timedelta(days=rng.choice([0, 0, 3, 20, 45, 90]))
        if status in ("applied", "reviewed", "audited"):
            options = {"applied": "reviewed", "reviewed": "audited", "audited": "valid"}
            move = rng.choice(["next", "next", "next", "suspend", "reject"])
            if move == "suspend":
                steps.append(("suspend", day, "suspended"))
                day += dt.timedelta(days=rng.choice([0, 10, 40]))
                steps.append(("resume", day, status))
                continue
            status = "rejected" if move == "reject" else options[status]
            steps.append(("announce" if status == "valid" else "review", day, status))
        elif status == "valid":
            status = rng.choice(["valid", "revoked", "superseded", "expired"])
            steps.append(
                (
                    {"valid": "annual_check", "revoked": "revoke", "superseded": "superseded", "expired": "expiry"}[
                        status
                    ],
                    day,
                    status,
                )
            )
        elif status == "revoked" and rng.random() < 0.5:
            status = "valid"  # a revocation undone (the listing behind it corrected)
            steps.append(("reinstate", day, status))
        else:
            break
    return steps


async def test_tally_equals_recount_on_random_histories(services: Any) -> None:
    rng = random.Random(20261207)
    await f.account(services, "bureau", level="county", division="654002")
    async with services.db.write() as session:
        authority = await session.scalar(select(Authority.id).where(Authority.division_code == "654002"))
        for i in range(60):
            registered = START + dt.timedelta(days=rng.randint(0, 600))
            unit = Enterprise(
                uscc=f.uscc(COUNTIES[i % 3]),
                name=f"随机企业{i}",
                division_code=COUNTIES[i % 3],
                reg_division=COUNTIES[i % 3],
                industry=rng.choice(INDUSTRIES),
                scale=rng.choice(["above_scale", "below_scale"]),
                status="active",
                flags=[],
                version=1,
                data_version=0,
                created_at=at(registered, rng.randint(0, 23)),
                updated_at=at(registered),
            )
            session.add(unit)
            await session.flush()
            applied = START + dt.timedelta(days=rng.randint(-300, 500))
            steps = walk(rng, applied)
            announced = next((d for s, d, _ in steps if s == "announce"), None)
            grade = Grade(
                enterprise_id=unit.id,
                level=rng.choice([1, 2, 3, 3]),
                scheme="yj-2021-83",
                standard="随机",
                procedure="standard",
                grading_authority_id=authority,
                status="withdrawn",
                self_score=80.0,
                self_assessed_on=applied,
                applied_on=applied,
                announced_on=announced,
                valid_until=announced + dt.timedelta(days=rng.choice([60, 200, 1095])) if announced else None,
                version=len(steps),
                created_at=at(applied),
                updated_at=at(applied),
            )
            session.add(grade)
            await session.flush()
            for name, day, status in steps:
                late = dt.timedelta(days=rng.choice([0, 0, 0, 15, 120]), hours=rng.randint(0, 20))
                session.add(
                    GradeStep(
                        grade_id=grade.id,
                        step=name,
                        on=day,
                        data={},
                        status_after=status,
                        actor="test",
                        recorded_at=at(day) + late,
                    )
                )
    async with services.db.write() as session:
        # rows written directly, as migration 0011 finds the facts: the summary is filled from them
        await session.run_sync(lambda s: report_summary.rebuild(s.connection()))
    compared = 0
    for prefix in ("6540", "654003"):
        for month in ("2025-01", "2025-06", "2025-12", "2026-03", "2026-08"):
            for as_of in ("2025-07-01T00:00:00Z", "2026-02-15T10:00:00Z", "2026-12-01T00:00:00Z"):
                if month > as_of[:7]:
                    continue
                fast = await services.reports.monthly(ACTOR, prefix, month, as_of)
                slow = await services.reports.monthly_recount(prefix, month, as_of)
                assert fast == slow, (prefix, month, as_of)
                compared += 1
        for year, as_of in (("2025", "2026-02-15T10:00:00Z"), ("2026", "2026-12-01T00:00:00Z")):
            assert await services.reports.targets(ACTOR, prefix, year, as_of) == await services.reports.targets_recount(
                prefix, year, as_of
            )
    assert compared == 20
    # the data is not trivial: something counted in each column
    whole = await services.reports.monthly(ACTOR, "6540", "2026-03", "2026-12-01T00:00:00Z")
    assert all(sum(m[k] for m in whole["series"]) > 0 for k in ("completed", "cumulative", "in_review"))

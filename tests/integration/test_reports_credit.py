"""Credit statistics from stored listings, their steps, partner feedback and partner answers,
against figures worked out by hand. The rows are written as the services store them (the listing
workflow's own tests cover how they get there), in 和田地区 (6532), which no other test uses."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import msgspec
from sqlalchemy import select

from registry.db.models import Authority, Enterprise, Listing, ListingStep, PartnerFeedback, PartnerQuery
from registry.domain.actors import system_actor
from registry.domain.enterprises import schemas as es
from tests import factories as f

ACTOR = system_actor("report-credit")
D = dt.date
AS_OF = "2026-03-31T12:00:00Z"


def at(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, 4, tzinfo=dt.UTC)


async def unit(services: Any, division: str) -> tuple[int, str]:
    created = await services.enterprises.create(ACTOR, msgspec.convert(f.enterprise(division), es.EnterpriseCreate))
    async with services.db.read() as session:
        found = await session.scalar(select(Enterprise.id).where(Enterprise.uscc == created.uscc))
    return int(found), str(created.uscc)


async def authority(services: Any, division: str, level: str) -> int:
    await f.account(services, "bureau", level=level, division=division)
    async with services.db.read() as session:
        return int(await session.scalar(select(Authority.id).where(Authority.division_code == division)))


def listing(
    unit_id: int, division: str, list_type: str, criteria: list[str], authority_id: int, steps: list[Any]
) -> Listing:
    first = steps[0][1]
    row = Listing(
        list_type=list_type,
        criteria=criteria,
        subject_type="enterprise",
        subject_key=f"e:{unit_id}",
        enterprise_id=unit_id,
        division_code=division,
        deciding_authority_id=authority_id,
        status=steps[-1][2],
        source="rules",
        basis=[],
        because=[],
        evidence=[],
        proposed_by="officer:1",
        proposed_on=first,
        published_channels=[],
        version=len(steps),
        created_at=at(first),
        updated_at=at(steps[-1][1]),
    )
    row.steps = [  # type: ignore[attr-defined]
        ListingStep(step=name, on=on, data=data, status_after=status, actor="officer:1", recorded_at=recorded or at(on))
        for name, on, status, data, recorded in steps
    ]
    return row


async def test_credit_statistics_by_hand(services: Any) -> None:
    x_id, x = await unit(services, "653201")
    y_id, y = await unit(services, "653221")
    out_id, out = await unit(services, "653122")  # 喀什: outside the area
    city = await authority(services, "653200", "prefectural")
    county = await authority(services, "653201", "county")
    rows = [
        # X: proposed 5 Jan, decided 26 Jan (21 days), removed early (credit repair) 10 March
        listing(
            x_id,
            "653201",
            "SERIOUS_DISHONEST_2023",
            ["11-1", "11-3"],
            county,
            [
                ("propose", D(2026, 1, 5), "proposed", {}, None),
                ("notify", D(2026, 1, 6), "notified", {}, None),
                ("decide", D(2026, 1, 26), "listed", {}, None),
                ("approve_grant_repair", D(2026, 3, 10), "removed", {}, None),
            ],
        ),
        # Y: proposed 3 Feb, decided 14 Feb (11 days), expired on 1 March (removed on the 2nd, the sweep
        # ran on the 20th); a court removal recorded in April is after as_of
        listing(
            y_id,
            "653221",
            "BLACKLIST_2017",
            ["49-1"],
            city,
            [
                ("propose", D(2026, 2, 3), "proposed", {}, None),
                ("notify", D(2026, 2, 4), "notified", {}, None),
                ("decide", D(2026, 2, 14), "listed", {}, None),
                ("expire", D(2026, 3, 20), "removed", {"expires_on": "2026-03-01"}, None),
                ("approve_revoke_repair", D(2026, 4, 1), "listed", {}, at(D(2026, 4, 2))),
            ],
        ),
        # outside the area: not counted
        listing(out_id, "653122", "BLACKLIST_2017", ["49-1"], city, [("propose", D(2026, 1, 7), "proposed", {}, None)]),
    ]
    feedback = [
        (x, "mof", "restrict_procurement", "restricted", at(D(2026, 2, 10)), at(D(2026, 2, 10))),
        (y, "ndrc", "=HYPERLINK(1)", "noted", at(D(2026, 3, 5)), at(D(2026, 3, 6))),
        (out, "mof", "restrict_procurement", "restricted", at(D(2026, 2, 10)), at(D(2026, 2, 10))),
        (x, "mof", "restrict_procurement", "restricted", at(D(2026, 3, 30)), at(D(2026, 4, 1))),  # recorded later
    ]
    queries = [
        ("mof", [[x, 3], [out, 1]], at(D(2026, 2, 11))),
        ("ndrc", [[y, 2], [x, 2]], at(D(2026, 3, 1))),
        ("ndrc", [[out, 1]], at(D(2026, 3, 2))),
    ]
    async with services.db.write() as session:
        for row in rows:
            steps = row.steps  # type: ignore[attr-defined]
            session.add(row)
            await session.flush()
            for step in steps:
                step.listing_id = row.id
                session.add(step)
        for uscc, dept, measure, handle, executed, recorded in feedback:
            session.add(
                PartnerFeedback(
                    request_id=str(uuid.uuid4()),
                    client=f"demo-{dept}",
                    department=dept,
                    uscc=uscc,
                    measure=measure,
                    handle_type=handle,
                    executed_at=executed,
                    officer="张三",
                    recorded_at=recorded,
                )
            )
        for dept, subjects, recorded in queries:
            session.add(
                PartnerQuery(
                    request_id=str(uuid.uuid4()),
                    client=f"demo-{dept}",
                    department=dept,
                    subjects=subjects,
                    jws_sha256="0" * 64,
                    recorded_at=recorded,
                )
            )

    got = await services.reports.credit(ACTOR, "6532", "2026", AS_OF)

    def months(counts: dict[str, Any]) -> dict[str, tuple[int, ...]]:
        keys = ("proposed", "decided", "removed", "removed_early", "restored")
        return {m["month"]: tuple(m[k] for k in keys) for m in counts["months"] if any(m[k] for k in keys)}

    assert [m["month"] for m in got["total"]["months"]] == ["2026-01", "2026-02", "2026-03"]
    assert months(got["total"]) == {"2026-01": (1, 1, 0, 0, 0), "2026-02": (1, 1, 0, 0, 0), "2026-03": (0, 0, 2, 1, 0)}
    by_type = {g["key"]: months(g) for g in got["by_list_type"]}
    assert by_type == {
        "SERIOUS_DISHONEST_2023": {"2026-01": (1, 1, 0, 0, 0), "2026-03": (0, 0, 1, 1, 0)},
        "BLACKLIST_2017": {"2026-02": (1, 1, 0, 0, 0), "2026-03": (0, 0, 1, 0, 0)},
    }
    by_criterion = {g["key"]: months(g) for g in got["by_criterion"]}
    assert by_criterion["11-1"] == by_criterion["11-3"] == by_type["SERIOUS_DISHONEST_2023"]
    assert by_criterion["49-1"] == by_type["BLACKLIST_2017"]
    by_authority = {g["key"].split()[0]: months(g) for g in got["by_authority"]}
    assert by_authority == {"653201": by_type["SERIOUS_DISHONEST_2023"], "653200": by_type["BLACKLIST_2017"]}
    median = got["median_days_to_decision"]
    assert median["year"] == 16.0  # median of 21 and 11
    assert {m["month"]: m["days"] for m in median["months"]} == {"2026-01": 21.0, "2026-02": 11.0, "2026-03": None}
    measures = {
        (m["department"], m["measure"]): {c["month"]: c["count"] for c in m["months"] if c["count"]}
        for m in got["measures"]
    }
    assert measures == {("mof", "restrict_procurement"): {"2026-02": 1}, ("ndrc", "=HYPERLINK(1)"): {"2026-03": 1}}
    answers = {
        a["department"]: [(c["month"], c["answers"], c["subjects"]) for c in a["months"] if c["answers"]]
        for a in got["answers"]
    }
    assert answers == {"mof": [("2026-02", 1, 1)], "ndrc": [("2026-03", 1, 2)]}
    # the partner's text reaches the CSV as text, never as a formula
    body = services.reports.render(got, "csv").body.decode("utf-8-sig")
    assert "'=HYPERLINK(1)" in body
    assert ",=HYPERLINK" not in body

"""Standardization grades (安全生产标准化 一级/二级/三级): application with the self-assessment, review,
audit, announcement, certificate, annual checks, renewal, suspension, withdrawal and revocation, and
which authority may take each step.

Every test pins "today" (the clock the app reads) to noon in Beijing on 2026-11-26, so the dates
below do not depend on when the suite runs. Tokens are issued against that clock: a test that moves
the clock gets new headers afterwards.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import httpx
import pytest

from tests import factories as f
from tests.integration import support as t

AQJG = "aqjg-2011-84"
YJ = "yj-2021-83"
STANDARD = "机械制造企业安全生产标准化评定标准 2021版"
TODAY = dt.date(2026, 11, 26)
EVENTS = "/api/v1/events"
#: the step an action path records
STEP_OF = {"annual-checks": "annual_check"}


# ---- helpers (test_grade_windows.py uses them too) --------------------------------------------


def set_today(clock: Any, day: dt.date | str) -> None:
    """Noon in Beijing on ``day``."""
    d = dt.date.fromisoformat(day) if isinstance(day, str) else day
    clock.at = dt.datetime(d.year, d.month, d.day, 4, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _pinned_today(_reset_clock: None, clock: Any) -> None:
    set_today(clock, TODAY)


def shift(day: str, days: int) -> str:
    return (dt.date.fromisoformat(day) + dt.timedelta(days=days)).isoformat()


async def officer(client: httpx.AsyncClient, services: Any, division: str | None, level: str) -> tuple[dict, str]:
    """Headers of a new bureau officer account, and its client_id (the ``actor`` of its steps)."""
    # tokens are issued and checked against the app's clock: made under the pinned date, good under it
    cid, secret = await f.account(services, "bureau", level=level, division=division, kind="officer")
    token = await f.token(client, cid, secret)
    return {"Authorization": f"Bearer {token}"}, cid


async def bureau(client: httpx.AsyncClient, services: Any, division: str = "410103", level: str = "county") -> dict:
    return (await officer(client, services, division, level))[0]


async def admin(client: httpx.AsyncClient, services: Any) -> dict[str, str]:
    return await f.headers(client, services, "admin")


def url(uscc: str, grade_id: int | None = None, action: str | None = None) -> str:
    out = f"/api/v1/enterprises/{uscc}/grades"
    if grade_id is not None:
        out += f"/{grade_id}"
    if action is not None:
        out += f"/{action}"
    return out


def application(
    *,
    level: int = 3,
    scheme: str = YJ,
    self_score: float = 85.0,
    assessed: str = "2024-01-05",
    applied: str = "2024-01-10",
    **over: Any,
) -> dict[str, Any]:
    body = {
        "level": level,
        "scheme": scheme,
        "standard": STANDARD,
        "self_score": self_score,
        "self_assessed_on": assessed,
        "applied_on": applied,
    }
    body.update(over)
    return body


async def apply(client: httpx.AsyncClient, h: dict, uscc: str, **kw: Any) -> httpx.Response:
    return await client.post(url(uscc), json=application(**kw), headers=h)


async def applied(client: httpx.AsyncClient, h: dict, uscc: str, **kw: Any) -> dict[str, Any]:
    r = await apply(client, h, uscc, **kw)
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


async def act(client: httpx.AsyncClient, h: dict, grade: dict, action: str, **body: Any) -> httpx.Response:
    body.setdefault("version", grade["version"])
    return await client.post(url(grade["uscc"], grade["id"], action), json=body, headers=h)


async def step(client: httpx.AsyncClient, h: dict, grade: dict, action: str, **body: Any) -> dict[str, Any]:
    """An action that must succeed: 200, version + 1, one more step of that name."""
    r = await act(client, h, grade, action, **body)
    assert r.status_code == 200, r.text
    got = r.json()
    assert got["version"] == grade["version"] + 1
    assert len(got["steps"]) == len(grade["steps"]) + 1
    assert got["steps"][-1]["step"] == STEP_OF.get(action, action)
    assert got["steps"][-1]["on"] == body["on"]
    return got  # type: ignore[no-any-return]


async def read(client: httpx.AsyncClient, h: dict, grade: dict) -> dict[str, Any]:
    r = await client.get(url(grade["uscc"], grade["id"]), headers=h)
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


async def listing(client: httpx.AsyncClient, h: dict, uscc: str) -> dict[str, Any]:
    r = await client.get(url(uscc), headers=h)
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


async def valid_grade(
    client: httpx.AsyncClient,
    h: dict,
    uscc: str,
    announce_on: str,
    *,
    level: int = 3,
    scheme: str = YJ,
    grader: dict | None = None,
) -> dict[str, Any]:
    """Apply (with ``h``), review, audit (standard procedure) and announce on ``announce_on``."""
    grader = grader or h
    g = await applied(
        client,
        h,
        uscc,
        level=level,
        scheme=scheme,
        self_score=95,
        assessed=shift(announce_on, -45),
        applied=shift(announce_on, -40),
    )
    g = await step(client, grader, g, "review", on=shift(announce_on, -20), passed=True, score=95)
    if g["procedure"] == "standard":
        g = await step(client, grader, g, "audit", on=shift(announce_on, -10), passed=True)
    g = await step(client, grader, g, "announce", on=announce_on, announcement_no=f"公告{t.rand('0123456789', 8)}")
    assert g["status"] == "valid"
    return g


async def assert_unchanged(client: httpx.AsyncClient, h: dict, before: dict) -> None:
    """The grade reads exactly as before: same status, version and steps."""
    after = await read(client, h, before)
    assert (after["status"], after["version"], len(after["steps"])) == (
        before["status"],
        before["version"],
        len(before["steps"]),
    )
    assert after == before


PROBLEM_MEMBERS = {"type", "title", "status", "detail", "instance", "code", "request_id", "errors"}


def assert_conflict(r: httpx.Response, status: str, version: int) -> dict[str, Any]:
    """409 that tells the grade's current status and version in the extension member ``current``
    (RFC 9457's own ``status`` member is the HTTP status)."""
    body = t.assert_problem(r, 409, "conflict")
    assert body["current"] == {"status": status, "version": version}, body
    return body


async def record_event(
    client: httpx.AsyncClient, h: dict, uscc: str, kind: str, occurred_on: str, details: dict[str, Any]
) -> dict[str, Any]:
    body = {
        "kind": kind,
        "subject": {"type": "enterprise", "uscc": uscc},
        "occurred_on": occurred_on,
        "source_document": f"文书{t.rand('0123456789', 6)}",
        "details": details,
    }
    r = await client.post(EVENTS, json=body, headers=h)
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


def accident(deaths: int) -> dict[str, Any]:
    return {
        "deaths": deaths,
        "serious_injuries": 0 if deaths else 1,
        "direct_loss_cny": 1_200_000,
        "responsible": True,
        "summary": "机械伤害事故",
    }


def hazard(deadline: str, rectified_on: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "description": "涉爆粉尘除尘系统未按规定设置锁气卸灰装置",
        "rectification_deadline": deadline,
    }
    if rectified_on is not None:
        out["rectified_on"] = rectified_on
        out["five_in_place"] = ["measures", "responsibility", "funds", "time_limit", "contingency_plan"]
    return out


def agency_body(division: str = "410103") -> dict[str, Any]:
    return {
        "uscc": f.uscc(division),
        "name": f"河南{t.cjk(2)}安全评价有限公司",
        "division_code": division,
        "kinds": ["safety_assessment"],
        "qualifications": [
            {
                "kind": "safety_assessment",
                "certificate_no": f"APJ-(豫)-{t.rand('0123456789', 3)}",
                "issued_by": "河南省应急管理厅",
                "valid_from": "2022-01-01",
            }
        ],
    }


# ---- schemes -----------------------------------------------------------------------------------


async def test_schemes_list_thresholds_periods_and_verified_flags(client, services):
    h = await bureau(client, services)
    r = await client.get("/api/v1/grading/schemes", headers=h)
    assert r.status_code == 200, r.text
    schemes = {s["code"]: s for s in r.json()}
    assert set(schemes) == {AQJG, YJ}
    old, new = schemes[AQJG], schemes[YJ]
    assert {int(k): v for k, v in old["thresholds"].items()} == {1: 90, 2: 75, 3: 60}
    assert {int(k): v for k, v in new["thresholds"].items()} == {1: 90, 2: 80, 3: 70}
    assert (old["effective_from"], old["effective_to"], old["verified"]) == ("2011-06-09", "2021-10-26", True)
    assert (new["effective_from"], new["effective_to"], new["verified"]) == ("2021-10-27", None, False)
    assert old["title"]
    assert old["source"]
    assert new["source"]
    t.assert_problem(await client.get("/api/v1/grading/schemes"), 401, "not_authenticated")


# ---- the standard procedure, start to renewal ---------------------------------------------------


async def test_standard_lifecycle_through_renewal_that_supersedes_the_old_grade(client, services):
    county, county_id = await officer(client, services, "410103", "county")
    city, city_id = await officer(client, services, "410100", "prefectural")
    e = await t.create(client, county)
    uscc = e["uscc"]
    reviewer = agency_body()
    r = await client.post("/api/v1/agencies", json=reviewer, headers=county)
    assert r.status_code == 201, r.text

    # 自评 + 申请 by the county bureau (it covers the enterprise; it is not the grading authority)
    g = await applied(client, county, uscc, level=3, self_score=86.5, assessed="2023-08-01", applied="2023-08-10")
    assert (g["uscc"], g["level"], g["level_label"], g["scheme"], g["scheme_verified"]) == (uscc, 3, "三级", YJ, False)
    assert (g["status"], g["version"], g["procedure"], g["standard"]) == ("applied", 1, "standard", STANDARD)
    assert (g["grading_authority"]["division_code"], g["grading_authority"]["level"]) == ("410100", "prefectural")
    assert (g["self_score"], g["self_assessed_on"], g["applied_on"]) == (86.5, "2023-08-01", "2023-08-10")
    assert g["valid_until"] is None
    assert g["renewal_window"] is None
    assert g["renewal_of"] is None
    [first] = g["steps"]
    assert (first["step"], first["on"], first["status_after"], first["actor"]) == (
        "application",
        "2023-08-10",
        "applied",
        county_id,
    )
    assert first["data"]["self_score"] == 86.5
    authority = g["grading_authority"]["name"]
    assert first["authority"]
    assert first["authority"] != authority

    g = await step(
        client,
        city,
        g,
        "review",
        on="2023-09-01",
        passed=True,
        score=88,
        reviewer_uscc=reviewer["uscc"],
        report_ref="评审报告〔2023〕117号",
    )
    assert (g["status"], g["review_score"], g["reviewed_on"], g["reviewer_uscc"]) == (
        "reviewed",
        88,
        "2023-09-01",
        reviewer["uscc"],
    )
    g = await step(client, city, g, "audit", on="2023-09-15", passed=True, remarks="资料齐全")
    assert g["status"] == "audited"
    g = await step(client, city, g, "announce", on="2023-12-01", announcement_no="豫应急公告〔2023〕31号")
    assert (g["status"], g["status_label"], g["announced_on"], g["valid_until"]) == (
        "valid",
        "有效",
        "2023-12-01",
        "2026-12-01",
    )
    assert g["announcement_no"] == "豫应急公告〔2023〕31号"
    assert g["renewal_window"] == {"opens_on": "2026-09-01", "closes_on": "2026-12-01"}
    assert g["steps"][-1]["data"]["valid_until"] == "2026-12-01"
    g = await step(client, city, g, "certificate", on="2023-12-10", certificate_no="AQBIIIJX豫202300457")
    assert (g["certificate_no"], g["status"]) == ("AQBIIIJX豫202300457", "valid")

    # annual checks: a pass, then findings with a deadline, then the rectification
    g = await step(
        client, city, g, "annual-checks", on="2024-11-20", kind="self_assessment", result="pass", report_ref="自评报告"
    )
    assert (g["status"], g["findings_deadline"]) == ("valid", None)
    g = await step(
        client,
        city,
        g,
        "annual-checks",
        on="2025-11-18",
        kind="inspection",
        result="findings",
        findings="应急预案未按期演练",
        rectification_deadline="2026-01-31",
    )
    assert (g["status"], g["findings_deadline"]) == ("valid", "2026-01-31")
    g = await step(client, city, g, "rectify", on="2026-01-20", evidence="演练记录及照片")
    assert (g["status"], g["findings_deadline"]) == ("valid", None)
    assert (g["steps"][-1]["data"]["deadline"], g["steps"][-1]["data"]["late"]) == ("2026-01-31", False)

    got = await listing(client, county, uscc)
    assert got["current"]["id"] == g["id"]

    # 复评 inside the window (2026-09-01 .. 2026-12-01); the old grade stays current until the new one is announced
    renewal = await applied(
        client, county, uscc, level=3, self_score=91, assessed="2026-10-25", applied="2026-11-02", renewal_of=g["id"]
    )
    assert (renewal["status"], renewal["renewal_of"]) == ("applied", g["id"])
    got = await listing(client, county, uscc)
    assert got["current"]["id"] == g["id"]
    assert [x["id"] for x in got["grades"]] == [renewal["id"], g["id"]]
    renewal = await step(client, city, renewal, "review", on="2026-11-10", passed=True, score=92)
    renewal = await step(client, city, renewal, "audit", on="2026-11-16", passed=True)
    renewal = await step(client, city, renewal, "announce", on="2026-11-20", announcement_no="豫应急公告〔2026〕9号")
    assert (renewal["status"], renewal["valid_until"]) == ("valid", "2029-11-20")

    got = await listing(client, county, uscc)
    assert got["uscc"] == uscc
    assert got["current"]["id"] == renewal["id"]
    assert [x["id"] for x in got["grades"]] == [renewal["id"], g["id"]]  # newest first
    old = got["grades"][1]
    assert (old["status"], old["superseded_by"], old["ended_on"], old["version"]) == (
        "superseded",
        renewal["id"],
        "2026-11-20",
        g["version"] + 1,
    )
    assert old["certificate_no"] == "AQBIIIJX豫202300457"
    steps = [(s["step"], s["on"], s["status_after"], s["actor"]) for s in old["steps"]]
    assert steps == [
        ("application", "2023-08-10", "applied", county_id),
        ("review", "2023-09-01", "reviewed", city_id),
        ("audit", "2023-09-15", "audited", city_id),
        ("announce", "2023-12-01", "valid", city_id),
        ("certificate", "2023-12-10", "valid", city_id),
        ("annual_check", "2024-11-20", "valid", city_id),
        ("annual_check", "2025-11-18", "valid", city_id),
        ("rectify", "2026-01-20", "valid", city_id),
        ("superseded", "2026-11-20", "superseded", "system:grading"),
    ]
    assert [s["authority"] for s in old["steps"][1:-1]] == [authority] * 7
    assert old["steps"][-1]["data"] == {"by": renewal["id"]}
    for s in old["steps"]:
        assert dt.datetime.fromisoformat(s["recorded_at"]) == dt.datetime(2026, 11, 26, 4, tzinfo=dt.UTC)
        assert "version" not in s["data"]
    assert [(s["step"], s["actor"]) for s in got["grades"][0]["steps"]] == [
        ("application", county_id),
        ("review", city_id),
        ("audit", city_id),
        ("announce", city_id),
    ]
    # target ids are per type (an event may share the number): only this grade's entries
    actions = [a.action for a in await t.audit_for(services, str(g["id"])) if a.target_type == "grade"]
    assert actions[:8] == [
        "grade.application",
        "grade.review",
        "grade.audit",
        "grade.announce",
        "grade.certificate",
        "grade.annual_check",
        "grade.annual_check",
        "grade.rectify",
    ]


async def test_simplified_procedure_in_shenzhen_has_no_audit_and_no_certificate(client, services):
    district, _ = await officer(client, services, "440305", "county")
    city, city_id = await officer(client, services, "440300", "prefectural")
    e = await t.create(client, district, division="440305")
    g = await applied(client, district, e["uscc"], level=3, self_score=78, assessed="2024-03-01", applied="2024-03-05")
    assert g["procedure"] == "simplified"
    assert (g["grading_authority"]["division_code"], g["grading_authority"]["level"]) == ("440300", "prefectural")

    g = await step(client, city, g, "review", on="2024-04-01", passed=True, score=80)
    assert g["status"] == "reviewed"
    r = await act(client, city, g, "audit", on="2024-04-10", passed=True)
    assert_conflict(r, "reviewed", g["version"])
    await assert_unchanged(client, city, g)

    g = await step(client, city, g, "announce", on="2024-04-20", announcement_no="深应急公告〔2024〕5号")
    assert (g["status"], g["valid_until"]) == ("valid", "2027-04-20")
    r = await act(client, city, g, "certificate", on="2024-05-01", certificate_no="SZ-2024-1")
    t.assert_problem(r, 409, "conflict")
    await assert_unchanged(client, city, g)
    assert g["certificate_no"] is None
    assert [(s["step"], s["actor"]) for s in g["steps"]] == [
        ("application", g["steps"][0]["actor"]),
        ("review", city_id),
        ("announce", city_id),
    ]
    got = await listing(client, city, e["uscc"])
    assert got["current"]["id"] == g["id"]


# ---- rejection, withdrawal, suspension ----------------------------------------------------------


async def test_rejection_at_review_ends_the_application_and_frees_the_enterprise(client, services):
    h = await admin(client, services)
    e = await t.create(client, h)
    g = await applied(client, h, e["uscc"])
    g = await step(client, h, g, "review", on="2024-02-01", passed=False, score=61, remarks="现场评审未达标")
    assert (g["status"], g["status_label"], g["ended_on"], g["review_score"]) == (
        "rejected",
        "未通过",
        "2024-02-01",
        61,
    )
    assert g["steps"][-1]["status_after"] == "rejected"
    for action, body in (
        ("audit", {"passed": True}),
        ("announce", {"announcement_no": "X1"}),
        ("review", {"passed": True, "score": 90}),
        ("withdraw", {"reason": "撤回"}),
    ):
        r = await act(client, h, g, action, on="2024-02-10", **body)
        assert_conflict(r, "rejected", g["version"])
    await assert_unchanged(client, h, g)
    got = await listing(client, h, e["uscc"])
    assert got["current"] is None
    assert [x["status"] for x in got["grades"]] == ["rejected"]
    # the enterprise may apply again
    again = await applied(client, h, e["uscc"], assessed="2024-05-01", applied="2024-05-02")
    assert again["status"] == "applied"


async def test_rejection_at_audit(client, services):
    h = await admin(client, services)
    e = await t.create(client, h)
    g = await applied(client, h, e["uscc"])
    g = await step(client, h, g, "review", on="2024-02-01", passed=True, score=80)
    g = await step(client, h, g, "audit", on="2024-02-15", passed=False, remarks="评审报告与现场不符")
    assert (g["status"], g["ended_on"]) == ("rejected", "2024-02-15")
    r = await act(client, h, g, "announce", on="2024-02-20", announcement_no="X2")
    assert_conflict(r, "rejected", g["version"])


async def test_withdrawal_from_applied_and_from_suspended(client, services):
    h = await admin(client, services)
    e = await t.create(client, h)
    g = await applied(client, h, e["uscc"])
    g = await step(client, h, g, "withdraw", on="2024-01-20", reason="企业撤回申请", reference="撤回函")
    assert (g["status"], g["status_label"], g["ended_on"]) == ("withdrawn", "已撤回申请", "2024-01-20")
    for action, body in (("review", {"passed": True, "score": 80}), ("resume", {"reason": "x"})):
        r = await act(client, h, g, action, on="2024-01-25", **body)
        assert_conflict(r, "withdrawn", g["version"])
    await assert_unchanged(client, h, g)

    g = await applied(client, h, e["uscc"], assessed="2024-03-01", applied="2024-03-02")
    g = await step(client, h, g, "review", on="2024-03-20", passed=True, score=80)
    g = await step(client, h, g, "suspend", on="2024-03-25", reason="企业被列入严重失信主体名单")
    g = await step(client, h, g, "withdraw", on="2024-04-01", reason="企业撤回申请")
    assert (g["status"], g["ended_on"]) == ("withdrawn", "2024-04-01")
    r = await act(client, h, g, "resume", on="2024-04-02", reason="移出名单")
    assert_conflict(r, "withdrawn", g["version"])
    got = await listing(client, h, e["uscc"])
    assert [x["status"] for x in got["grades"]] == ["withdrawn", "withdrawn"]


async def test_suspend_and_resume_return_to_the_interrupted_status(client, services):
    h = await admin(client, services)
    e = await t.create(client, h)
    g = await applied(client, h, e["uscc"])
    g = await step(client, h, g, "suspend", on="2024-01-15", reason="企业被列入严重失信主体名单", reference="决定书")
    assert (g["status"], g["status_label"]) == ("suspended", "评审中止")
    for action, body in (("review", {"passed": True, "score": 80}), ("suspend", {"reason": "再次"})):
        r = await act(client, h, g, action, on="2024-01-16", **body)
        assert_conflict(r, "suspended", g["version"])
    g = await step(client, h, g, "resume", on="2024-01-20", reason="已移出名单")
    assert g["status"] == "applied"

    g = await step(client, h, g, "review", on="2024-02-01", passed=True, score=80)
    g = await step(client, h, g, "suspend", on="2024-02-02", reason="列入名单")
    g = await step(client, h, g, "resume", on="2024-02-05", reason="移出名单")
    assert g["status"] == "reviewed"

    g = await step(client, h, g, "audit", on="2024-02-10", passed=True)
    g = await step(client, h, g, "suspend", on="2024-02-11", reason="列入名单")
    g = await step(client, h, g, "resume", on="2024-02-12", reason="移出名单")
    assert g["status"] == "audited"
    g = await step(client, h, g, "announce", on="2024-02-20", announcement_no="豫公告1")
    assert g["status"] == "valid"
    assert [(s["step"], s["status_after"]) for s in g["steps"]] == [
        ("application", "applied"),
        ("suspend", "suspended"),
        ("resume", "applied"),
        ("review", "reviewed"),
        ("suspend", "suspended"),
        ("resume", "reviewed"),
        ("audit", "audited"),
        ("suspend", "suspended"),
        ("resume", "audited"),
        ("announce", "valid"),
    ]
    # a grade in force is not suspended by this action, and there is nothing to resume
    for action in ("suspend", "resume", "withdraw"):
        r = await act(client, h, g, action, on="2024-03-01", reason="x")
        assert_conflict(r, "valid", g["version"])
    await assert_unchanged(client, h, g)


# ---- conflicts -------------------------------------------------------------------------------


async def test_illegal_transitions_answer_409_with_the_current_status(client, services):
    h = await admin(client, services)
    e = await t.create(client, h)
    g = await applied(client, h, e["uscc"])
    on = "2024-02-01"
    attempts = {
        "audit": {"passed": True},
        "announce": {"announcement_no": "X"},
        "certificate": {"certificate_no": "C"},
        "annual-checks": {"kind": "inspection", "result": "pass"},
        "rectify": {"evidence": "E"},
        "revoke": {"reason": "application_fraud", "decision_no": "D"},
        "resume": {"reason": "R"},
    }
    for action, body in attempts.items():
        r = await act(client, h, g, action, on=on, **body)
        assert_conflict(r, "applied", 1)
    await assert_unchanged(client, h, g)

    g = await step(client, h, g, "review", on=on, passed=True, score=80)
    for action, body in (("review", {"passed": True, "score": 80}), ("announce", {"announcement_no": "X"})):
        r = await act(client, h, g, action, on=on, **body)
        assert_conflict(r, "reviewed", 2)
    await assert_unchanged(client, h, g)


async def test_stale_version_is_409_and_changes_nothing(client, services):
    h = await admin(client, services)
    e = await t.create(client, h)
    g = await applied(client, h, e["uscc"])
    r = await act(client, h, g, "review", on="2024-02-01", passed=True, score=80, version=2)
    assert_conflict(r, "applied", 1)
    await assert_unchanged(client, h, g)
    g = await step(client, h, g, "review", on="2024-02-01", passed=True, score=80)
    r = await act(client, h, g, "audit", on="2024-02-02", passed=True, version=1)
    assert_conflict(r, "reviewed", 2)
    await assert_unchanged(client, h, g)


async def test_second_pending_application_is_409(client, services):
    h = await admin(client, services)
    e = await t.create(client, h)
    g = await applied(client, h, e["uscc"])
    t.assert_problem(await apply(client, h, e["uscc"], level=2, self_score=85), 409, "conflict")
    g = await step(client, h, g, "review", on="2024-02-01", passed=True, score=80)
    t.assert_problem(await apply(client, h, e["uscc"]), 409, "conflict")
    g = await step(client, h, g, "suspend", on="2024-02-02", reason="列入名单")
    t.assert_problem(await apply(client, h, e["uscc"]), 409, "conflict")
    assert [x["id"] for x in (await listing(client, h, e["uscc"]))["grades"]] == [g["id"]]
    g = await step(client, h, g, "withdraw", on="2024-02-03", reason="撤回")
    assert (await apply(client, h, e["uscc"], assessed="2024-03-01", applied="2024-03-02")).status_code == 201


async def test_a_grade_is_read_and_acted_on_only_under_its_own_enterprise(client, services):
    h = await admin(client, services)
    a, b = await t.create(client, h), await t.create(client, h)
    g = await applied(client, h, a["uscc"])
    t.assert_problem(await client.get(url(b["uscc"], g["id"]), headers=h), 404, "not_found")
    r = await client.post(
        url(b["uscc"], g["id"], "review"), json={"version": 1, "on": "2024-02-01", "passed": False}, headers=h
    )
    t.assert_problem(r, 404, "not_found")
    await assert_unchanged(client, h, g)
    t.assert_problem(await client.get(url(f.uscc()), headers=h), 404, "not_found")


async def test_concurrent_reviews_from_the_same_version_one_wins(client, services, settings):
    if not settings.database.url.startswith("postgresql"):
        pytest.skip("PostgreSQL only: SQLite serialises writers")
    h = await admin(client, services)
    e = await t.create(client, h)
    g = await applied(client, h, e["uscc"])
    results = await asyncio.gather(
        act(client, h, g, "review", on="2024-02-01", passed=True, score=80),
        act(client, h, g, "review", on="2024-02-02", passed=False, score=50),
    )
    assert sorted(r.status_code for r in results) == [200, 409], [r.text for r in results]
    [winner] = [r.json() for r in results if r.status_code == 200]
    [loser] = [r for r in results if r.status_code == 409]
    t.assert_problem(loser, 409, "conflict")
    got = await read(client, h, g)
    assert got["version"] == 2
    assert got["status"] == winner["status"]
    assert [s["step"] for s in got["steps"]] == ["application", "review"]
    assert len(await t.audit_for(services, str(g["id"]), "grade.review")) == 1


# ---- who may take a step ------------------------------------------------------------------------


async def test_each_level_is_graded_by_its_authority_only(client, services):
    county, _ = await officer(client, services, "410103", "county")
    city, _ = await officer(client, services, "410100", "prefectural")
    province, _ = await officer(client, services, "410000", "provincial")
    nation, _ = await officer(client, services, None, "national")
    expected = {
        3: ("410100", "prefectural", city),
        2: ("410000", "provincial", province),
        1: ("000000", "national", nation),
    }
    for level, (division, authority_level, grader) in expected.items():
        e = await t.create(client, county)
        g = await applied(client, county, e["uscc"], level=level, self_score=95)
        assert (g["grading_authority"]["division_code"], g["grading_authority"]["level"]) == (
            division,
            authority_level,
        )
        for other in (county, city, province, nation):
            if other is grader:
                continue
            r = await act(client, other, g, "review", on="2024-02-01", passed=True, score=95)
            t.assert_problem(r, 403, "not_grading_authority")
        await assert_unchanged(client, county, g)
        await step(client, grader, g, "review", on="2024-02-01", passed=True, score=95)


async def test_outside_the_division_is_403_and_audited_as_denied(client, services):
    county, _ = await officer(client, services, "410103", "county")
    shenzhen, _ = await officer(client, services, "440300", "prefectural")
    e = await t.create(client, county)
    r = await apply(client, shenzhen, e["uscc"])
    t.assert_problem(r, 403, "outside_jurisdiction")
    assert (await listing(client, county, e["uscc"]))["grades"] == []
    [denied] = await t.audit_for(services, e["uscc"], "grade.apply")
    assert denied.outcome == "denied"

    g = await applied(client, county, e["uscc"])
    r = await act(client, shenzhen, g, "review", on="2024-02-01", passed=True, score=90)
    t.assert_problem(r, 403, "outside_jurisdiction")
    await assert_unchanged(client, county, g)
    [denied] = await t.audit_for(services, str(g["id"]), "grade.review")
    assert denied.outcome == "denied"
    assert "outside jurisdiction" in (denied.detail or "")


async def test_shandong_delegates_micro_enterprises_at_level_3_to_the_county(client, services):
    district, _ = await officer(client, services, "370102", "county")
    jinan, _ = await officer(client, services, "370100", "prefectural")
    micro = await t.create(client, district, division="370102", scale="micro")
    g = await applied(client, district, micro["uscc"], level=3)
    assert (g["grading_authority"]["division_code"], g["grading_authority"]["level"]) == ("370102", "county")
    r = await act(client, jinan, g, "review", on="2024-02-01", passed=True, score=80)
    t.assert_problem(r, 403, "not_grading_authority")
    await assert_unchanged(client, district, g)
    g = await step(client, district, g, "review", on="2024-02-01", passed=True, score=80)
    g = await step(client, district, g, "audit", on="2024-02-10", passed=True)
    g = await step(client, district, g, "announce", on="2024-02-20", announcement_no="历下应急公告1号")
    assert g["status"] == "valid"

    # not micro, or not level 3, or not Shandong: the default authorities
    cases = [
        ("370102", "above_scale", 3, ("370100", "prefectural")),
        ("370102", "micro", 2, ("370000", "provincial")),
        ("410103", "micro", 3, ("410100", "prefectural")),
    ]
    h = await admin(client, services)
    for division, scale, level, authority in cases:
        e = await t.create(client, h, division=division, scale=scale)
        other = await applied(client, h, e["uscc"], level=level, self_score=85)
        assert (other["grading_authority"]["division_code"], other["grading_authority"]["level"]) == authority


# ---- bad input: 422 naming the field and the rule, nothing stored ------------------------------

APPLICATION_RULES = [
    ("level3-yj", {"level": 3, "self_score": 69.9}, "self_score", "below_threshold"),
    ("level2-yj", {"level": 2, "self_score": 79.5}, "self_score", "below_threshold"),
    ("level1-yj", {"level": 1, "self_score": 89.99}, "self_score", "below_threshold"),
    (
        "level2-aqjg",
        {"level": 2, "scheme": AQJG, "self_score": 74.9, "assessed": "2020-05-01", "applied": "2020-05-10"},
        "self_score",
        "below_threshold",
    ),
    (
        "level3-aqjg",
        {"level": 3, "scheme": AQJG, "self_score": 59, "assessed": "2020-05-01", "applied": "2020-05-10"},
        "self_score",
        "below_threshold",
    ),
    ("unknown-scheme", {"scheme": "gbt-33000-2016"}, "scheme", "unknown_scheme"),
    (
        "aqjg-after-2021-10-26",
        {"scheme": AQJG, "assessed": "2021-10-20", "applied": "2021-10-27"},
        "scheme",
        "scheme_not_in_force",
    ),
    (
        "aqjg-before-2011-06-09",
        {"scheme": AQJG, "assessed": "2011-06-01", "applied": "2011-06-08"},
        "scheme",
        "scheme_not_in_force",
    ),
    ("yj-before-2021-10-27", {"assessed": "2021-10-20", "applied": "2021-10-26"}, "scheme", "scheme_not_in_force"),
    ("applied-tomorrow", {"assessed": "2026-11-20", "applied": "2026-11-27"}, "applied_on", "future_date"),
    ("assessed-tomorrow", {"assessed": "2026-11-27", "applied": "2026-11-27"}, "self_assessed_on", "future_date"),
    (
        "assessed-after-applied",
        {"assessed": "2024-01-11", "applied": "2024-01-10"},
        "self_assessed_on",
        "after_application",
    ),
    ("unknown-renewal", {"renewal_of": 2_000_000_000}, "renewal_of", "unknown_grade"),
]


@pytest.mark.parametrize(("case", "over", "field", "code"), APPLICATION_RULES, ids=[c[0] for c in APPLICATION_RULES])
async def test_application_rules(client, services, case, over, field, code):
    h = await bureau(client, services)
    e = await t.create(client, h)
    before = await listing(client, h, e["uscc"])
    audited = len(await t.audit_for(services, e["uscc"]))
    r = await apply(client, h, e["uscc"], **over)
    t.assert_field(r, field, code)
    assert await listing(client, h, e["uscc"]) == before
    assert len(await t.audit_for(services, e["uscc"])) == audited


async def test_application_bad_shapes_are_422(client, services):
    h = await bureau(client, services)
    e = await t.create(client, h)
    for over in ({"level": 4}, {"self_score": 100.5}, {"self_score": -1}, {"standard": ""}, {"applied": "2024-02-30"}):
        r = await apply(client, h, e["uscc"], **over)
        body = t.assert_problem(r, 422)
        assert body["errors"], body
    r = await client.post(url(e["uscc"]), json={**application(), "surprise": 1}, headers=h)
    t.assert_problem(r, 422)
    assert (await listing(client, h, e["uscc"]))["grades"] == []


async def test_thresholds_and_scheme_periods_include_their_edges(client, services):
    h = await admin(client, services)
    accepted = [
        ({"level": 3, "self_score": 70}, YJ, False),
        ({"level": 2, "self_score": 80}, YJ, False),
        ({"level": 1, "self_score": 90}, YJ, False),
        ({"level": 2, "scheme": AQJG, "self_score": 75, "assessed": "2021-10-01", "applied": "2021-10-26"}, AQJG, True),
        ({"level": 3, "scheme": AQJG, "self_score": 60, "assessed": "2011-06-09", "applied": "2011-06-09"}, AQJG, True),
        ({"level": 3, "self_score": 70, "assessed": "2021-10-27", "applied": "2021-10-27"}, YJ, False),
    ]
    for over, scheme, verified in accepted:
        e = await t.create(client, h)
        g = await applied(client, h, e["uscc"], **over)
        assert (g["scheme"], g["scheme_verified"], g["self_score"]) == (scheme, verified, over["self_score"])


async def test_review_rules(client, services):
    h = await admin(client, services)
    e = await t.create(client, h)
    plain = await t.create(client, h)
    g = await applied(client, h, e["uscc"])  # level 3, yj: 70
    cases = [
        ({"on": "2024-02-01", "passed": True, "score": 69.5}, "score", "below_threshold"),
        ({"on": "2024-02-01", "passed": True}, "score", "below_threshold"),
        ({"on": "2024-01-09", "passed": True, "score": 80}, "on", "before_previous_step"),
        ({"on": "2026-11-27", "passed": True, "score": 80}, "on", "future_date"),
        (
            {"on": "2024-02-01", "passed": True, "score": 80, "reviewer_uscc": plain["uscc"]},
            "reviewer_uscc",
            "not_an_agency",
        ),
    ]
    for body, field, code in cases:
        r = await act(client, h, g, "review", **body)
        t.assert_field(r, field, code)
        await assert_unchanged(client, h, g)
    for body in ({"on": "2024-02-01", "passed": True, "score": 100.5}, {"on": "2024-02-01", "passed": "yes"}):
        t.assert_problem(await act(client, h, g, "review", **body), 422)
    await assert_unchanged(client, h, g)
    g = await step(client, h, g, "review", on="2024-01-10", passed=True, score=70)
    assert g["review_score"] == 70

    # the 2011 scheme's level-2 line is 75
    e2 = await t.create(client, h)
    old = await applied(
        client, h, e2["uscc"], level=2, scheme=AQJG, self_score=80, assessed="2020-05-01", applied="2020-05-10"
    )
    r = await act(client, h, old, "review", on="2020-06-01", passed=True, score=74.5)
    t.assert_field(r, "score", "below_threshold")
    await assert_unchanged(client, h, old)
    await step(client, h, old, "review", on="2020-06-01", passed=True, score=75)


async def test_annual_check_rules(client, services):
    h = await admin(client, services)
    e = await t.create(client, h)
    g = await valid_grade(client, h, e["uscc"], "2024-03-01")
    cases = [
        ({"on": "2024-02-29", "kind": "inspection", "result": "pass"}, "on", "outside_validity"),
        ({"on": "2026-11-27", "kind": "inspection", "result": "pass"}, "on", "future_date"),
        (
            {"on": "2025-03-01", "kind": "inspection", "result": "findings", "findings": "台账缺失"},
            "rectification_deadline",
            "required",
        ),
        (
            {"on": "2025-03-01", "kind": "inspection", "result": "findings", "rectification_deadline": "2025-04-01"},
            "findings",
            "required",
        ),
        (
            {
                "on": "2025-03-01",
                "kind": "inspection",
                "result": "findings",
                "findings": "台账缺失",
                "rectification_deadline": "2025-02-28",
            },
            "rectification_deadline",
            "before_finding",
        ),
        (
            {"on": "2025-03-01", "kind": "inspection", "result": "pass", "rectification_deadline": "2025-04-01"},
            "rectification_deadline",
            "not_allowed",
        ),
    ]
    for body, field, code in cases:
        r = await act(client, h, g, "annual-checks", **body)
        t.assert_field(r, field, code)
        await assert_unchanged(client, h, g)
    r = await act(client, h, g, "annual-checks", on="2025-03-01", kind="audit", result="pass")
    t.assert_problem(r, 422)
    await assert_unchanged(client, h, g)

    # the first day of the validity counts; a deadline on the day of the check is allowed
    g = await step(client, h, g, "annual-checks", on="2024-03-01", kind="self_assessment", result="pass")
    g = await step(
        client,
        h,
        g,
        "annual-checks",
        on="2025-03-01",
        kind="inspection",
        result="findings",
        findings="台账缺失",
        rectification_deadline="2025-03-01",
    )
    assert g["findings_deadline"] == "2025-03-01"
    # rectification: not before the check, late is recorded as late
    r = await act(client, h, g, "rectify", on="2025-02-28", evidence="补建台账")
    t.assert_field(r, "on", "before_previous_step")
    await assert_unchanged(client, h, g)
    g = await step(client, h, g, "rectify", on="2025-03-05", evidence="补建台账")
    assert g["findings_deadline"] is None
    assert g["steps"][-1]["data"]["late"] is True
    r = await act(client, h, g, "rectify", on="2025-03-06", evidence="再次")
    t.assert_problem(r, 409, "conflict")
    await assert_unchanged(client, h, g)


async def test_certificate_and_revocation_not_before_the_announcement(client, services):
    h = await admin(client, services)
    e = await t.create(client, h)
    g = await valid_grade(client, h, e["uscc"], "2024-03-01")
    r = await act(client, h, g, "certificate", on="2024-02-28", certificate_no="C1")
    t.assert_field(r, "on", "before_previous_step")
    r = await act(client, h, g, "revoke", on="2024-02-28", reason="application_fraud", decision_no="D1")
    t.assert_field(r, "on", "before_previous_step")
    await assert_unchanged(client, h, g)


async def test_announcement_not_before_the_audit(client, services):
    """Each step is dated no earlier than the step before it: the audit precedes the announcement."""
    h = await admin(client, services)
    e = await t.create(client, h)
    g = await applied(client, h, e["uscc"])
    g = await step(client, h, g, "review", on="2024-02-01", passed=True, score=80)
    g = await step(client, h, g, "audit", on="2024-03-01", passed=True)
    r = await act(client, h, g, "announce", on="2024-02-15", announcement_no="豫公告早")
    t.assert_field(r, "on", "before_previous_step")
    await assert_unchanged(client, h, g)


async def test_withdrawal_and_suspension_not_before_the_application(client, services):
    h = await admin(client, services)
    e = await t.create(client, h)
    g = await applied(client, h, e["uscc"])  # applied 2024-01-10
    for action in ("suspend", "withdraw"):
        r = await act(client, h, g, action, on="2023-12-01", reason="早于申请")
        t.assert_field(r, "on", "before_previous_step")
    await assert_unchanged(client, h, g)


# ---- revocation ---------------------------------------------------------------------------------


async def revoke(client, h, g, reason: str, on: str, event_ids: list[int] | None = None) -> httpx.Response:
    return await act(
        client, h, g, "revoke", on=on, reason=reason, decision_no="豫应急撤〔2025〕1号", event_ids=event_ids or []
    )


async def test_revocation_for_a_fatal_accident_needs_the_accident(client, services):
    county, _ = await officer(client, services, "410103", "county")
    h = await admin(client, services)
    e = await t.create(client, county)
    other = await t.create(client, county)
    g = await valid_grade(client, h, e["uscc"], "2024-03-01")
    no_deaths = await record_event(client, county, e["uscc"], "accident", "2024-06-01", accident(0))
    before_validity = await record_event(client, county, e["uscc"], "accident", "2024-02-20", accident(1))
    elsewhere = await record_event(client, county, other["uscc"], "accident", "2024-07-01", accident(1))
    wrong_kind = await record_event(client, county, e["uscc"], "major_hazard", "2024-05-01", hazard("2024-06-01"))
    withdrawn = await record_event(client, county, e["uscc"], "accident", "2024-08-01", accident(1))
    r = await client.post(
        f"{EVENTS}/{withdrawn['id']}/amendments", json={"code": "withdrawal", "reason": "误录"}, headers=county
    )
    assert r.status_code in (200, 201), r.text

    for ids in (
        [],
        [no_deaths["id"]],
        [before_validity["id"]],
        [elsewhere["id"]],
        [wrong_kind["id"]],
        [withdrawn["id"]],
    ):
        r = await revoke(client, h, g, "fatal_accident", "2025-05-10", ids)
        t.assert_field(r, "event_ids", "no_grounds")
        await assert_unchanged(client, h, g)
    ids = [no_deaths["id"], before_validity["id"], elsewhere["id"], wrong_kind["id"], withdrawn["id"]]
    t.assert_field(await revoke(client, h, g, "fatal_accident", "2025-05-10", ids), "event_ids", "no_grounds")

    fatal = await record_event(client, county, e["uscc"], "accident", "2025-04-02", accident(2))
    g = await step(
        client, h, g, "revoke", on="2025-05-10", reason="fatal_accident", decision_no="豫撤1", event_ids=[fatal["id"]]
    )
    assert (g["status"], g["status_label"], g["revocation_reason"], g["ended_on"]) == (
        "revoked",
        "已撤销",
        "fatal_accident",
        "2025-05-10",
    )
    data = g["steps"][-1]["data"]
    assert (data["event_ids"], data["reason_label"]) == ([fatal["id"]], "有效期内发生生产安全死亡事故")
    got = await listing(client, h, e["uscc"])
    assert got["current"] is None
    r = await revoke(client, h, g, "application_fraud", "2025-06-01")
    assert_conflict(r, "revoked", g["version"])


async def test_revocation_cannot_rest_on_an_accident_after_its_date(client, services):
    """A decision dated 2025-05-01 cannot be grounded on an accident of 2025-06-01."""
    county, _ = await officer(client, services, "410103", "county")
    h = await admin(client, services)
    e = await t.create(client, county)
    g = await valid_grade(client, h, e["uscc"], "2024-03-01")
    later = await record_event(client, county, e["uscc"], "accident", "2025-06-01", accident(1))
    r = await revoke(client, h, g, "fatal_accident", "2025-05-01", [later["id"]])
    t.assert_field(r, "event_ids", "no_grounds")
    await assert_unchanged(client, h, g)


async def test_revocation_for_an_unrectified_major_hazard(client, services):
    county, _ = await officer(client, services, "410103", "county")
    h = await admin(client, services)
    e = await t.create(client, county)
    g = await valid_grade(client, h, e["uscc"], "2024-03-01")
    not_due = await record_event(client, county, e["uscc"], "major_hazard", "2025-01-10", hazard("2025-12-31"))
    on_time = await record_event(
        client, county, e["uscc"], "major_hazard", "2024-05-01", hazard("2024-08-01", rectified_on="2024-07-20")
    )
    accident_event = await record_event(client, county, e["uscc"], "accident", "2024-09-01", accident(1))
    for ids in ([], [not_due["id"]], [on_time["id"]], [accident_event["id"]]):
        r = await revoke(client, h, g, "major_hazard_unrectified", "2025-06-01", ids)
        t.assert_field(r, "event_ids", "no_grounds")
        await assert_unchanged(client, h, g)
    overdue = await record_event(client, county, e["uscc"], "major_hazard", "2024-10-08", hazard("2025-01-31"))
    # the deadline day itself is not yet overdue
    r = await revoke(client, h, g, "major_hazard_unrectified", "2025-01-31", [overdue["id"]])
    t.assert_field(r, "event_ids", "no_grounds")
    await assert_unchanged(client, h, g)
    g = await step(
        client,
        h,
        g,
        "revoke",
        on="2025-02-01",
        reason="major_hazard_unrectified",
        decision_no="豫撤2",
        event_ids=[not_due["id"], overdue["id"]],
    )
    assert (g["status"], g["revocation_reason"]) == ("revoked", "major_hazard_unrectified")


async def test_a_hazard_rectified_late_before_the_grade_was_announced_is_no_ground(client, services):
    """R18: the hazard must be left unrectified past its deadline during the validity; one settled
    (late) before the grade was even announced was known when it was granted."""
    county, _ = await officer(client, services, "410103", "county")
    h = await admin(client, services)
    e = await t.create(client, county)
    old = await record_event(
        client, county, e["uscc"], "major_hazard", "2022-01-10", hazard("2022-03-01", rectified_on="2022-05-01")
    )
    g = await valid_grade(client, h, e["uscc"], "2024-03-01")
    r = await revoke(client, h, g, "major_hazard_unrectified", "2025-06-01", [old["id"]])
    t.assert_field(r, "event_ids", "no_grounds")
    await assert_unchanged(client, h, g)


async def test_revocation_for_annual_check_findings_left_unrectified(client, services):
    h = await admin(client, services)
    e = await t.create(client, h)
    g = await valid_grade(client, h, e["uscc"], "2024-03-01")
    r = await revoke(client, h, g, "annual_check_unrectified", "2025-06-01", [])
    t.assert_field(r, "reason", "no_grounds")
    await assert_unchanged(client, h, g)
    g = await step(
        client,
        h,
        g,
        "annual-checks",
        on="2025-02-01",
        kind="inspection",
        result="findings",
        findings="安全培训记录缺失",
        rectification_deadline="2025-03-31",
    )
    r = await revoke(client, h, g, "annual_check_unrectified", "2025-03-31", [])
    t.assert_field(r, "reason", "no_grounds")
    await assert_unchanged(client, h, g)
    g = await step(client, h, g, "revoke", on="2025-04-01", reason="annual_check_unrectified", decision_no="豫撤3")
    assert (g["status"], g["revocation_reason"], g["ended_on"]) == ("revoked", "annual_check_unrectified", "2025-04-01")

    # findings rectified (even late) leave nothing to revoke for
    e2 = await t.create(client, h)
    g2 = await valid_grade(client, h, e2["uscc"], "2024-03-01")
    g2 = await step(
        client,
        h,
        g2,
        "annual-checks",
        on="2025-02-01",
        kind="inspection",
        result="findings",
        findings="x",
        rectification_deadline="2025-03-31",
    )
    g2 = await step(client, h, g2, "rectify", on="2025-04-10", evidence="整改报告")
    t.assert_field(await revoke(client, h, g2, "annual_check_unrectified", "2025-05-01"), "reason", "no_grounds")
    await assert_unchanged(client, h, g2)


@pytest.mark.parametrize("reason", ["system_ineffective", "application_fraud", "listed_seriously_dishonest"])
async def test_revocation_for_reasons_that_cite_no_event(client, services, reason):
    h = await admin(client, services)
    e = await t.create(client, h)
    g = await valid_grade(client, h, e["uscc"], "2024-03-01")
    g = await step(client, h, g, "revoke", on="2025-01-15", reason=reason, decision_no="豫撤4", remarks="经核查")
    assert (g["status"], g["revocation_reason"], g["ended_on"]) == ("revoked", reason, "2025-01-15")
    assert [x["id"] for x in (await listing(client, h, e["uscc"]))["grades"]] == [g["id"]]


async def test_revocation_reason_outside_the_closed_list_is_422(client, services):
    h = await admin(client, services)
    e = await t.create(client, h)
    g = await valid_grade(client, h, e["uscc"], "2024-03-01")
    for reason in ("bad_attitude", ""):
        r = await revoke(client, h, g, reason, "2025-01-15")
        body = t.assert_problem(r, 422)
        assert [x["field"] for x in body["errors"]] == ["reason"], body
    r = await act(client, h, g, "revoke", on="2025-01-15", reason="application_fraud")  # no decision_no
    t.assert_problem(r, 422)
    await assert_unchanged(client, h, g)


async def test_an_enterprise_that_is_not_active_cannot_apply(client, services):
    h = await admin(client, services)
    e = await t.create(client, h)
    r = await client.patch(f"/api/v1/enterprises/{e['uscc']}", json={"version": 1, "status": "deregistered"}, headers=h)
    assert r.status_code == 200, r.text
    r = await apply(client, h, e["uscc"])
    t.assert_field(r, "uscc", "not_active")
    assert (await listing(client, h, e["uscc"]))["grades"] == []

"""Credit events: every kind, accident grades, bad input, amendments, filters, jurisdiction, append-only."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from registry.db.models import AuditEntry, CreditEvent, GradeStep
from registry.lib.clock import today
from tests.integration import support as t
from tests.integration.test_jurisdiction import client_id

EVENTS = "/api/v1/events"
DIGITS = "0123456789"
ALL_FIVE = ["measures", "responsibility", "funds", "time_limit", "contingency_plan"]


# ---- helpers -----------------------------------------------------------------------------------


async def event_counts(services: Any) -> tuple[int, int]:
    """(credit_events rows, audit entries): tests of one worker and backend run one at a time."""
    async with services.db.read() as session:
        events = await session.scalar(select(func.count()).select_from(CreditEvent))
        audits = await session.scalar(select(func.count()).select_from(AuditEntry))
    return int(events or 0), int(audits or 0)


def doc_no(office: str = "郑二应急") -> str:
    return f"（{office}）应急罚〔2026〕{t.rand(DIGITS, 6)}号"


def unit(uscc: str, kind: str = "enterprise") -> dict[str, Any]:
    return {"type": kind, "uscc": uscc}


def someone(person_id: int) -> dict[str, Any]:
    return {"type": "person", "person_id": person_id}


def accident(deaths: int = 1, serious_injuries: int = 2, direct_loss_cny: int = 3_600_000, **over: Any) -> dict:
    details = {
        "deaths": deaths,
        "serious_injuries": serious_injuries,
        "direct_loss_cny": direct_loss_cny,
        "responsible": True,
        "summary": "冲压车间操作工更换模具时被压伤致死，安全联锁装置被人为短接。",
    }
    details.update(over)
    return details


def penalty(**over: Any) -> dict:
    details = {
        "decision_no": doc_no(),
        "legal_basis": "《中华人民共和国安全生产法》第九十七条第一项",
        "fine_cny": 50_000,
    }
    details.update(over)
    return details


def hazard(**over: Any) -> dict:
    details = {
        "description": "液氨储罐区可燃有毒气体检测报警装置失效，未与紧急切断装置联锁",
        "rectification_deadline": "2026-04-30",
    }
    details.update(over)
    return details


def event(kind: str, subject: dict, details: dict, occurred_on: str = "2026-03-18", **over: Any) -> dict[str, Any]:
    body = {
        "kind": kind,
        "subject": subject,
        "occurred_on": occurred_on,
        "source_document": f"郑州市二七区应急管理局文书〔2026〕{t.rand(DIGITS, 5)}号",
        "details": details,
    }
    body.update(over)
    return body


async def record(client, h, body: dict) -> dict[str, Any]:
    r = await client.post(EVENTS, json=body, headers=h)
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


async def person(client, h, name: str = "张建国") -> dict[str, Any]:
    r = await client.post("/api/v1/persons", json={"id_number": t.person_id(), "name": name}, headers=h)
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


async def agency(client, h, division: str = "410103") -> dict[str, Any]:
    from tests import factories as f

    body = {
        "uscc": f.uscc(division),
        "name": f"河南{t.cjk(2)}安全评价有限公司",
        "division_code": division,
        "kinds": ["safety_assessment"],
        "qualifications": [
            {
                "kind": "safety_assessment",
                "certificate_no": f"APJ-(豫)-{t.rand(DIGITS, 3)}",
                "issued_by": "河南省应急管理厅",
                "valid_from": "2022-01-01",
                "valid_to": "2027-01-01",
            }
        ],
    }
    r = await client.post("/api/v1/agencies", json=body, headers=h)
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


async def amend(client, h, event_id: int, code: str, reason: str, new: dict | None = None):
    body: dict[str, Any] = {"code": code, "reason": reason}
    if new is not None:
        body["event"] = new
    return await client.post(f"{EVENTS}/{event_id}/amendments", json=body, headers=h)


async def listed(client, h, **params: Any) -> dict[str, Any]:
    r = await client.get(EVENTS, params=params, headers=h)
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def ids(page: dict) -> list[int]:
    return [e["id"] for e in page["items"]]


def cursor_of(key: str) -> str:
    return base64.urlsafe_b64encode(key.encode()).decode().rstrip("=")


# ---- every kind --------------------------------------------------------------------------------

#: case -> (kind, subject type, details)
KIND_CASES: dict[str, tuple[str, str, Callable[[], dict]]] = {
    "accident": (
        "accident",
        "enterprise",
        lambda: accident(investigation_report_ref="郑二事调〔2026〕3号"),
    ),
    "penalty": (
        "penalty",
        "enterprise",
        lambda: penalty(
            art114_multiplier=2,
            execution="executed",
            executed_on="2026-03-25",
            published_on="2026-03-20",
            serious_circumstances=True,
        ),
    ),
    "penalty_person": (
        "penalty",
        "person",
        lambda: penalty(legal_basis="《中华人民共和国安全生产法》第九十五条第一项", fine_cny=120_000),
    ),
    "major_hazard": (
        "major_hazard",
        "enterprise",
        lambda: hazard(
            five_in_place=["measures", "funds"],
            evidence=["现场检查记录郑二应急检〔2026〕12号"],
            order_no="郑二应急责改〔2026〕12号",
        ),
    ),
    "reporting_violation": (
        "reporting_violation",
        "enterprise",
        lambda: {"type": "late_report", "description": "事故发生后超过1小时未向区应急管理局报告，迟报3小时"},
    ),
    "licence_violation": (
        "licence_violation",
        "enterprise",
        lambda: {
            "type": "while_suspended",
            "description": "安全生产许可证暂扣期间擅自组织生产",
            "licence": "（豫）WH安许证字〔2024〕000123",
        },
    ),
    "intermediary_fraud_agency": (
        "intermediary_fraud",
        "agency",
        lambda: {
            "type": "false_report",
            "description": "未到现场开展安全评价即出具安全现状评价报告",
            "serious": True,
            "report_ref": "豫安评报字〔2025〕第088号",
        },
    ),
    "intermediary_fraud_person": (
        "intermediary_fraud",
        "person",
        lambda: {"type": "renting_qualification", "description": "注册安全工程师将执业资格出租给评价机构挂名"},
    ),
    "obstruction": (
        "obstruction",
        "enterprise",
        lambda: {"type": "destroying_scene", "description": "事故发生后擅自清理现场、转移受损设备"},
    ),
    "flight": (
        "flight",
        "person",
        lambda: {"type": "fled", "description": "主要负责人在事故发生后关闭手机逃匿，次日被公安机关找到"},
    ),
    "criminal_liability": (
        "criminal_liability",
        "person",
        lambda: {
            "judgment_no": "（2026）豫0103刑初56号",
            "court": "郑州市二七区人民法院",
            "offence": "重大责任事故罪",
            "sentence": "有期徒刑三年，缓刑四年",
            "sentence_end_on": "2030-05-10",
        },
    ),
    "dismissal": (
        "dismissal",
        "person",
        lambda: {
            "decision_no": "郑二纪处〔2026〕7号",
            "decided_by": "郑州市二七区人民政府",
            "description": "对较大生产安全事故负有领导责任，给予撤职处分",
        },
    ),
    "enforcement_order": (
        "enforcement_order",
        "enterprise",
        lambda: {
            "type": "suspension_for_rectification",
            "order_no": "郑二应急停〔2026〕5号",
            "description": "责令停产停业整顿，整顿期间不得从事生产经营",
            "until": "2026-06-30",
        },
    ),
}


@pytest.mark.parametrize("case", list(KIND_CASES))
async def test_every_kind_is_recorded_and_read_back(client, services, case):
    kind, subject_type, make = KIND_CASES[case]
    h = await t.bureau(client, services)
    details = make()
    if subject_type == "enterprise":
        e = await t.create(client, h)
        subject, expected_subject = unit(e["uscc"]), {"type": "enterprise", "uscc": e["uscc"], "name": e["name"]}
        extra: dict[str, Any] = {}
    elif subject_type == "agency":
        a = await agency(client, h)
        subject, expected_subject = unit(a["uscc"], "agency"), {"type": "agency", "uscc": a["uscc"], "name": a["name"]}
        extra = {}
    else:
        p = await person(client, h, "王立新")
        subject = someone(p["id"])
        expected_subject = {"type": "person", "person_id": p["id"], "name": "王立新", "id_masked": p["id_masked"]}
        extra = {"division_code": "410103"}
    body = event(kind, subject, details, remarks="内部备注：已移送", **extra)
    before = await event_counts(services)
    got = await record(client, h, body)
    assert await event_counts(services) == (before[0] + 1, before[1] + 1)

    assert (got["kind"], got["occurred_on"], got["source_document"]) == (kind, "2026-03-18", body["source_document"])
    assert got["kind_label"]
    assert {k: v for k, v in got["subject"].items() if v is not None} == expected_subject
    assert got["division_code"] == "410103"
    assert got["recording_authority"]["division_code"] == "410103"
    assert "二七区" in got["recording_authority"]["name"]
    for key, value in details.items():
        assert got["details"][key] == value, (key, got["details"])
    assert (got["links"], got["remarks"], got["supersedes"], got["amendment"]) == ([], "内部备注：已移送", None, None)
    assert (got["superseded_by"], got["effective"]) == (None, True)
    assert got["recorded_by"] == client_id(h)
    assert [c["id"] for c in got["chain"]] == [got["id"]]
    if kind == "penalty":
        assert got["details"]["deciding_authority"] == "410103"  # defaults to the recording authority
    if kind == "accident":
        assert got["derived"] == {"computed_grade": "ordinary", "grade": "ordinary", "grade_label": "一般事故"}
    elif kind == "penalty":
        # 两书同达 (DOMAIN 8.10): a 2026-03-18 decision is published 1-3 years under 国家发展改革委令第58号
        notice = got["derived"]["repair_notice"]
        assert (notice["publicity_until"], notice["repair_from"]) == ("2029-03-18", "2027-03-18")
        assert notice["rules"] == ["publicity/2017#P58-safety"]
    else:
        assert got["derived"] == {}

    read = await client.get(f"{EVENTS}/{got['id']}", headers=h)
    assert read.status_code == 200, read.text
    assert read.json() == got
    [entry] = await t.audit_for(services, str(got["id"]), "event.record")
    assert (entry.outcome, entry.actor, entry.after["kind"]) == ("ok", client_id(h), kind)


async def test_subject_rules_per_kind(client, services):
    h = await t.bureau(client, services)
    e = await t.create(client, h)
    p = await person(client, h)
    a = await agency(client, h)
    cases = [
        (
            event("flight", unit(e["uscc"]), {"type": "fled", "description": "逃匿"}),
            "subject.type",
            "subject_not_allowed",
        ),
        (
            event("criminal_liability", unit(a["uscc"], "agency"), KIND_CASES["criminal_liability"][2]()),
            "subject.type",
            "subject_not_allowed",
        ),
        (
            event("major_hazard", someone(p["id"]), hazard(), division_code="410103"),
            "subject.type",
            "subject_not_allowed",
        ),
        (
            event("intermediary_fraud", unit(e["uscc"]), {"type": "affiliation", "description": "挂靠"}),
            "subject.type",
            "subject_not_allowed",
        ),
        # an agency subject must be a registered agency, not any enterprise
        (
            event("intermediary_fraud", unit(e["uscc"], "agency"), {"type": "affiliation", "description": "挂靠"}),
            "subject.uscc",
            "not_an_agency",
        ),
        (event("accident", {"type": "enterprise"}, accident()), "subject.uscc", "required"),
        (
            event("flight", {"type": "person"}, {"type": "fled", "description": "逃匿"}, division_code="410103"),
            "subject.person_id",
            "required",
        ),
        (
            event("flight", someone(2**40), {"type": "fled", "description": "逃匿"}, division_code="410103"),
            "subject.person_id",
            "unknown_person",
        ),
    ]
    before = await event_counts(services)
    for body, field, code in cases:
        r = await client.post(EVENTS, json=body, headers=h)
        t.assert_field(r, field, code)
    assert await event_counts(services) == before


# ---- accident grades -------------------------------------------------------------------------


GRADE_CASES = [
    # deaths, serious injuries, direct loss (元), computed grade
    (2, 0, 0, "ordinary"),
    (3, 0, 0, "larger"),
    (9, 0, 0, "larger"),
    (10, 0, 0, "major"),
    (29, 0, 0, "major"),
    (30, 0, 0, "especially_major"),
    (0, 9, 0, "ordinary"),
    (0, 10, 0, "larger"),
    (0, 49, 0, "larger"),
    (0, 50, 0, "major"),
    (0, 99, 0, "major"),
    (0, 100, 0, "especially_major"),
    (0, 0, 9_999_999, "ordinary"),
    (0, 0, 10_000_000, "larger"),
    (0, 0, 49_999_999, "larger"),
    (0, 0, 50_000_000, "major"),
    (0, 0, 99_999_999, "major"),
    (0, 0, 100_000_000, "especially_major"),
    (2, 9, 9_999_999, "ordinary"),
    (0, 10, 50_000_000, "major"),  # the highest axis wins
]


@pytest.mark.parametrize(("deaths", "injuries", "loss", "grade"), GRADE_CASES)
async def test_accident_grade_boundaries(client, services, deaths, injuries, loss, grade):
    h = await t.bureau(client, services)
    e = await t.create(client, h)
    got = await record(client, h, event("accident", unit(e["uscc"]), accident(deaths, injuries, loss)))
    assert got["derived"]["computed_grade"] == grade
    assert got["derived"]["grade"] == grade
    read = (await client.get(f"{EVENTS}/{got['id']}", headers=h)).json()
    assert read["derived"] == got["derived"]


async def test_declared_grade_below_the_numbers_is_refused(client, services):
    h = await t.bureau(client, services)
    e = await t.create(client, h)
    before = await event_counts(services)
    for numbers, declared in (((3, 0, 0), "ordinary"), ((0, 0, 50_000_000), "larger"), ((30, 0, 0), "major")):
        r = await client.post(
            EVENTS, json=event("accident", unit(e["uscc"]), accident(*numbers, declared_grade=declared)), headers=h
        )
        body = t.assert_field(r, "details.declared_grade", "below_implied_grade")
        assert "493" in body["errors"][0]["message_zh"]
    assert await event_counts(services) == before


async def test_declared_grade_above_the_numbers_is_kept_beside_the_computed_one(client, services):
    h = await t.bureau(client, services)
    e = await t.create(client, h)
    got = await record(
        client, h, event("accident", unit(e["uscc"]), accident(2, 5, 8_000_000, declared_grade="larger"))
    )
    assert got["derived"] == {"computed_grade": "ordinary", "grade": "larger", "grade_label": "较大事故"}
    assert got["details"]["declared_grade"] == "larger"
    same = await record(client, h, event("accident", unit(e["uscc"]), accident(3, 0, 0, declared_grade="larger")))
    assert same["derived"] == {"computed_grade": "larger", "grade": "larger", "grade_label": "较大事故"}
    async with services.db.read() as session:
        stored = await session.scalar(select(CreditEvent.accident_grade).where(CreditEvent.id == got["id"]))
    assert stored == "larger"


# ---- bad input -------------------------------------------------------------------------------


def _future(body: dict, today: dt.date) -> None:
    body["occurred_on"] = (today + dt.timedelta(days=1)).isoformat()


BAD_CASES: list[tuple[str, Callable[[dict, dict, dt.date], None], str, str]] = [
    ("future occurred_on", lambda b, ctx, today: _future(b, today), "occurred_on", "future_date"),
    ("negative deaths", lambda b, ctx, today: b["details"].update(deaths=-1), "details.deaths", "range"),
    ("unknown detail", lambda b, ctx, today: b["details"].update(weather="大雨"), "details.weather", "unknown_field"),
    ("missing detail", lambda b, ctx, today: b["details"].pop("summary"), "details.summary", "required"),
    (
        "multiplier 0.5",
        lambda b, ctx, today: b.update(kind="penalty", details=penalty(art114_multiplier=0.5)),
        "details.art114_multiplier",
        "range",
    ),
    (
        "multiplier 5.5",
        lambda b, ctx, today: b.update(kind="penalty", details=penalty(art114_multiplier=5.5)),
        "details.art114_multiplier",
        "range",
    ),
    (
        "executed_on without execution",
        lambda b, ctx, today: b.update(kind="penalty", details=penalty(executed_on="2026-03-20")),
        "details.executed_on",
        "not_executed",
    ),
    (
        "deadline before the finding",
        lambda b, ctx, today: b.update(kind="major_hazard", details=hazard(rectification_deadline="2026-03-17")),
        "details.rectification_deadline",
        "before_occurrence",
    ),
    (
        "rectified without five in place",
        lambda b, ctx, today: b.update(
            kind="major_hazard",
            details=hazard(rectified_on="2026-04-20", five_in_place=ALL_FIVE[:4]),
        ),
        "details.five_in_place",
        "five_in_place_incomplete",
    ),
    (
        "rectified in the future",
        lambda b, ctx, today: b.update(
            kind="major_hazard",
            details=hazard(
                rectification_deadline=(today + dt.timedelta(days=30)).isoformat(),
                rectified_on=(today + dt.timedelta(days=1)).isoformat(),
                five_in_place=ALL_FIVE,
            ),
        ),
        "details.rectified_on",
        "future_date",
    ),
    ("unknown kind", lambda b, ctx, today: b.update(kind="fire"), "kind", "enum"),
    ("link to nothing", lambda b, ctx, today: b.update(links=[2**40]), "links[0]", "unknown_event"),
    (
        "second link to nothing",
        lambda b, ctx, today: b.update(links=[ctx["existing"], 2**40 + 1]),
        "links[1]",
        "unknown_event",
    ),
    (
        "person without division",
        lambda b, ctx, today: b.update(
            kind="flight", subject=someone(ctx["person"]), details={"type": "no_rescue", "description": "未组织抢救"}
        ),
        "division_code",
        "required",
    ),
    ("malformed division", lambda b, ctx, today: b.update(division_code="41010"), "division_code", "division.format"),
    (
        "unknown uscc",
        lambda b, ctx, today: b.update(subject=unit(ctx["stranger"])),
        "subject.uscc",
        "unknown_enterprise",
    ),
    (
        "malformed uscc",
        lambda b, ctx, today: b.update(
            subject=unit(ctx["stranger"][:-1] + ("1" if ctx["stranger"][-1] != "1" else "2"))
        ),
        "subject.uscc",
        "uscc.check",
    ),
    ("short uscc", lambda b, ctx, today: b.update(subject=unit("91410103MA")), "subject.uscc", "uscc.length"),
    (
        "recording_authority from a bureau",
        lambda b, ctx, today: b.update(recording_authority="410103"),
        "recording_authority",
        "not_allowed",
    ),
    ("empty source", lambda b, ctx, today: b.update(source_document=" "), "source_document", "required"),
]


@pytest.mark.parametrize(("mutate", "field", "code"), [c[1:] for c in BAD_CASES], ids=[c[0] for c in BAD_CASES])
async def test_bad_input_is_a_problem_naming_field_and_rule_and_stores_nothing(
    client, services, clock, mutate, field, code
):
    from tests import factories as f

    h = await t.bureau(client, services)
    e = await t.create(client, h)
    existing = await record(client, h, event("accident", unit(e["uscc"]), accident()))
    p = await person(client, h)
    ctx = {"person": p["id"], "stranger": f.uscc(), "existing": existing["id"]}
    body = event("accident", unit(e["uscc"]), accident())
    mutate(body, ctx, today(clock))
    before = await event_counts(services)
    r = await client.post(EVENTS, json=body, headers=h)
    problem = t.assert_field(r, field, code)
    assert problem["code"] == "validation_failed"
    assert await event_counts(services) == before


async def test_art114_multiplier_bounds_are_inclusive(client, services):
    h = await t.bureau(client, services)
    e = await t.create(client, h)
    for multiplier in (1, 5, 2.5):
        got = await record(client, h, event("penalty", unit(e["uscc"]), penalty(art114_multiplier=multiplier)))
        assert got["details"]["art114_multiplier"] == multiplier


async def test_malformed_json_body_is_a_400_problem(client, services):
    h = await t.bureau(client, services)
    before = await event_counts(services)
    r = await client.post(EVENTS, content=b'{"kind": "accident", ', headers={**h, "content-type": "application/json"})
    assert 400 <= r.status_code < 500, r.text
    t.assert_problem(r, r.status_code)
    assert await event_counts(services) == before


async def test_duplicate_penalty_decision_of_the_same_authority_is_a_conflict(client, services):
    h = await t.bureau(client, services)
    other_officer = await t.bureau(client, services)  # same authority (410103), another account
    e1, e2 = await t.create(client, h), await t.create(client, h)
    number = doc_no()
    first = await record(client, h, event("penalty", unit(e1["uscc"]), penalty(decision_no=number)))
    before = await event_counts(services)
    r = await client.post(
        EVENTS, json=event("penalty", unit(e2["uscc"]), penalty(decision_no=number)), headers=other_officer
    )
    problem = t.assert_problem(r, 409, "conflict")
    assert problem["event_id"] == first["id"]
    assert number in problem["detail"]
    assert await event_counts(services) == before
    # the same number from another authority is another decision
    elsewhere = await t.bureau(client, services, "410105")
    e3 = await t.create(client, elsewhere, division_code="410105")
    got = await record(client, elsewhere, event("penalty", unit(e3["uscc"]), penalty(decision_no=number)))
    assert got["details"]["deciding_authority"] == "410105"
    # once the first is withdrawn, the number is free again
    r = await amend(client, h, first["id"], "withdrawal", "决定书已被行政复议撤销")
    assert r.status_code == 201, r.text
    await record(client, h, event("penalty", unit(e2["uscc"]), penalty(decision_no=number)))


async def test_penalty_decided_by_the_prefecture_is_checked_against_it(client, services):
    h = await t.bureau(client, services, "410100", "prefectural")
    county = await t.bureau(client, services)  # makes sure the 410103 authority exists
    e = await t.create(client, county)
    got = await record(client, county, event("penalty", unit(e["uscc"]), penalty(deciding_authority="410100")))
    assert got["details"]["deciding_authority"] == "410100"
    assert got["recording_authority"]["division_code"] == "410103"
    r = await client.post(
        EVENTS, json=event("penalty", unit(e["uscc"]), penalty(deciding_authority="410105")), headers=h
    )
    # 410105 may be unregistered (unknown_authority) or registered but not covering 410103
    body = t.assert_problem(r, 422)
    assert [x["field"] for x in body["errors"]] == ["details.deciding_authority"]
    assert body["errors"][0]["code"] in ("unknown_authority", "authority_not_covering")


# ---- amendments ------------------------------------------------------------------------------


async def test_correction_creates_a_chain(client, services):
    h = await t.bureau(client, services)
    e = await t.create(client, h)
    original = await record(client, h, event("accident", unit(e["uscc"]), accident(2, 3, 2_000_000)))
    corrected_body = event("accident", unit(e["uscc"]), accident(3, 3, 2_000_000), occurred_on="2026-03-17")
    r = await amend(client, h, original["id"], "correction", "调查报告核定死亡3人")
    t.assert_field(r, "event", "required")
    before = await event_counts(services)
    r = await amend(client, h, original["id"], "correction", "调查报告核定死亡3人", corrected_body)
    assert r.status_code == 201, r.text
    new = r.json()
    assert await event_counts(services) == (before[0] + 1, before[1] + 1)
    assert new["id"] != original["id"]
    assert (new["supersedes"], new["amendment"]) == (
        original["id"],
        {"code": "correction", "reason": "调查报告核定死亡3人"},
    )
    assert (new["effective"], new["superseded_by"]) == (True, None)
    assert (new["occurred_on"], new["details"]["deaths"]) == ("2026-03-17", 3)
    assert new["derived"]["grade"] == "larger"

    old = (await client.get(f"{EVENTS}/{original['id']}", headers=h)).json()
    assert (old["effective"], old["superseded_by"], old["details"]["deaths"]) == (False, new["id"], 2)
    assert [c["id"] for c in old["chain"]] == [original["id"], new["id"]]
    assert [c["id"] for c in new["chain"]] == [original["id"], new["id"]]
    assert [c["effective"] for c in new["chain"]] == [False, True]

    # a second correction extends the chain; every member shows all of it, oldest first
    third = await amend(
        client,
        h,
        new["id"],
        "correction",
        "直接经济损失核定",
        event("accident", unit(e["uscc"]), accident(3, 3, 2_500_000), occurred_on="2026-03-17"),
    )
    assert third.status_code == 201, third.text
    for member in (original["id"], new["id"], third.json()["id"]):
        chain = (await client.get(f"{EVENTS}/{member}", headers=h)).json()["chain"]
        assert [c["id"] for c in chain] == [original["id"], new["id"], third.json()["id"]]

    page = await listed(client, h, uscc=e["uscc"])
    assert ids(page) == [third.json()["id"]]
    history = await listed(client, h, uscc=e["uscc"], history="true")
    # newest first by (occurred_on, id): the original is dated a day later than its corrections
    assert ids(history) == [original["id"], third.json()["id"], new["id"]]

    [entry] = await t.audit_for(services, str(new["id"]), "event.correction")
    assert entry.before["details"]["deaths"] == 2
    assert entry.after["details"]["deaths"] == 3
    assert f"supersedes {original['id']}" in (entry.detail or "")


async def test_amending_a_superseded_or_missing_event(client, services):
    h = await t.bureau(client, services)
    e = await t.create(client, h)
    original = await record(client, h, event("accident", unit(e["uscc"]), accident()))
    body = event("accident", unit(e["uscc"]), accident(1, 3))
    r = await amend(client, h, original["id"], "correction", "重伤人数更正", body)
    assert r.status_code == 201, r.text
    successor = r.json()["id"]
    before = await event_counts(services)
    r = await amend(client, h, original["id"], "correction", "再次更正", body)
    problem = t.assert_problem(r, 409, "conflict")
    assert problem["superseded_by"] == successor
    old = (await client.get(f"{EVENTS}/{original['id']}", headers=h)).json()
    assert (old["superseded_by"], old["effective"]) == (successor, False)
    r = await amend(client, h, 2**40, "correction", "更正", body)
    t.assert_problem(r, 404, "not_found")
    r = await amend(client, h, 2**40, "withdrawal", "撤回")
    t.assert_problem(r, 404, "not_found")
    r = await client.get(f"{EVENTS}/{2**40}", headers=h)
    t.assert_problem(r, 404, "not_found")
    assert await event_counts(services) == before


async def test_withdrawal_leaves_the_effective_view_but_not_the_history(client, services):
    h = await t.bureau(client, services)
    e = await t.create(client, h)
    kept = await record(
        client, h, event("obstruction", unit(e["uscc"]), KIND_CASES["obstruction"][2](), occurred_on="2026-02-01")
    )
    wrong = await record(client, h, event("accident", unit(e["uscc"]), accident(3)))
    r = await amend(client, h, wrong["id"], "withdrawal", "误录：该事故发生在另一企业")
    assert r.status_code == 201, r.text
    withdrawal = r.json()
    assert (withdrawal["supersedes"], withdrawal["amendment"]["code"]) == (wrong["id"], "withdrawal")
    assert (withdrawal["effective"], withdrawal["details"], withdrawal["derived"]) == (False, {}, {})
    assert (withdrawal["kind"], withdrawal["subject"]["uscc"]) == ("accident", e["uscc"])

    assert ids(await listed(client, h, uscc=e["uscc"])) == [kept["id"]]
    assert ids(await listed(client, h, uscc=e["uscc"], kind="accident")) == []
    history = await listed(client, h, uscc=e["uscc"], history="true")
    assert ids(history) == [withdrawal["id"], wrong["id"], kept["id"]]
    flags = {x["id"]: (x["effective"], x["superseded_by"]) for x in history["items"]}
    assert flags[wrong["id"]] == (False, withdrawal["id"])
    assert flags[withdrawal["id"]] == (False, None)

    # a withdrawal is final: neither it nor what it withdrew can be amended again
    t.assert_problem(await amend(client, h, withdrawal["id"], "withdrawal", "撤回撤回"), 409, "conflict")
    t.assert_problem(await amend(client, h, wrong["id"], "withdrawal", "再次撤回"), 409, "conflict")
    [entry] = await t.audit_for(services, str(withdrawal["id"]), "event.withdrawal")
    assert entry.outcome == "ok"


async def test_follow_up_records_a_hazard_rectified(client, services):
    h = await t.bureau(client, services)
    e = await t.create(client, h)
    found = await record(client, h, event("major_hazard", unit(e["uscc"]), hazard(order_no="郑二应急责改〔2026〕31号")))
    incomplete = event(
        "major_hazard",
        unit(e["uscc"]),
        hazard(order_no="郑二应急责改〔2026〕31号", rectified_on="2026-04-25", five_in_place=ALL_FIVE[1:]),
    )
    before = await event_counts(services)
    r = await amend(client, h, found["id"], "follow_up", "整改完成", incomplete)
    t.assert_field(r, "event.details.five_in_place", "five_in_place_incomplete")
    assert await event_counts(services) == before

    done = event(
        "major_hazard",
        unit(e["uscc"]),
        hazard(
            order_no="郑二应急责改〔2026〕31号",
            rectified_on="2026-04-25",
            five_in_place=ALL_FIVE,
            evidence=["整改验收报告（2026年4月25日）"],
        ),
    )
    r = await amend(client, h, found["id"], "follow_up", "企业报送整改验收报告，复查合格", done)
    assert r.status_code == 201, r.text
    got = r.json()
    assert got["amendment"] == {"code": "follow_up", "reason": "企业报送整改验收报告，复查合格"}
    assert (got["details"]["rectified_on"], sorted(got["details"]["five_in_place"])) == ("2026-04-25", sorted(ALL_FIVE))
    assert ids(await listed(client, h, uscc=e["uscc"], kind="major_hazard")) == [got["id"]]


async def test_follow_up_may_not_change_the_subject_but_a_correction_may(client, services):
    h = await t.bureau(client, services)
    e, other = await t.create(client, h), await t.create(client, h)
    original = await record(
        client, h, event("enforcement_order", unit(e["uscc"]), KIND_CASES["enforcement_order"][2]())
    )
    moved = event("enforcement_order", unit(other["uscc"]), KIND_CASES["enforcement_order"][2]())
    before = await event_counts(services)
    r = await amend(client, h, original["id"], "follow_up", "整顿期满", moved)
    t.assert_field(r, "event.subject", "subject_changed")
    assert await event_counts(services) == before
    r = await amend(client, h, original["id"], "correction", "对象记错，应为另一企业", moved)
    assert r.status_code == 201, r.text
    assert r.json()["subject"]["uscc"] == other["uscc"]
    assert ids(await listed(client, h, uscc=e["uscc"])) == []
    assert ids(await listed(client, h, uscc=other["uscc"])) == [r.json()["id"]]


async def test_correction_may_not_change_the_kind(client, services):
    h = await t.bureau(client, services)
    e = await t.create(client, h)
    original = await record(client, h, event("accident", unit(e["uscc"]), accident()))
    before = await event_counts(services)
    r = await amend(
        client, h, original["id"], "correction", "应为行政处罚", event("penalty", unit(e["uscc"]), penalty())
    )
    t.assert_field(r, "event.kind", "kind_changed")
    r = await amend(
        client,
        h,
        original["id"],
        "correction",
        "日期写错",
        event("accident", unit(e["uscc"]), accident(), occurred_on="2099-01-01"),
    )
    t.assert_field(r, "event.occurred_on", "future_date")
    assert await event_counts(services) == before


async def test_withdrawal_carries_no_event_and_a_reason_is_required(client, services):
    h = await t.bureau(client, services)
    e = await t.create(client, h)
    original = await record(client, h, event("accident", unit(e["uscc"]), accident()))
    before = await event_counts(services)
    r = await amend(client, h, original["id"], "withdrawal", "误录", event("accident", unit(e["uscc"]), accident()))
    t.assert_field(r, "event", "not_allowed")
    r = await amend(client, h, original["id"], "withdrawal", "   ")
    t.assert_field(r, "reason", "required")
    r = await amend(client, h, original["id"], "retraction", "撤回")
    t.assert_field(r, "code", "enum")
    assert await event_counts(services) == before
    assert (await client.get(f"{EVENTS}/{original['id']}", headers=h)).json()["effective"] is True


async def test_correcting_a_penalty_keeps_its_decision_number(client, services):
    """A correction of a penalty (here: the fine) names the same decision; it is not a duplicate of itself."""
    h = await t.bureau(client, services)
    e = await t.create(client, h)
    details = penalty(fine_cny=30_000)
    original = await record(client, h, event("penalty", unit(e["uscc"]), details))
    fixed = event("penalty", unit(e["uscc"]), {**details, "fine_cny": 300_000})
    r = await amend(client, h, original["id"], "correction", "罚款金额录入错误，应为30万元", fixed)
    assert r.status_code == 201, r.text
    assert r.json()["details"]["fine_cny"] == 300_000
    executed = event(
        "penalty",
        unit(e["uscc"]),
        {**details, "fine_cny": 300_000, "execution": "executed", "executed_on": "2026-04-01"},
    )
    r = await amend(client, h, r.json()["id"], "follow_up", "罚款已缴纳", executed)
    assert r.status_code == 201, r.text
    assert r.json()["details"]["execution"] == "executed"


# ---- filters and paging ----------------------------------------------------------------------


async def test_filters_by_subject_kind_and_dates(client, services):
    h = await t.bureau(client, services)
    e = await t.create(client, h)
    p = await person(client, h, "刘振华")
    acc = await record(client, h, event("accident", unit(e["uscc"]), accident(), occurred_on="2026-01-10"))
    pen = await record(
        client, h, event("penalty", unit(e["uscc"]), penalty(), occurred_on="2026-02-20", links=[acc["id"]])
    )
    haz = await record(client, h, event("major_hazard", unit(e["uscc"]), hazard(), occurred_on="2026-03-18"))
    fled = await record(
        client,
        h,
        event("flight", someone(p["id"]), KIND_CASES["flight"][2](), occurred_on="2026-01-10", division_code="410103"),
    )
    assert pen["links"] == [acc["id"]]

    assert ids(await listed(client, h, uscc=e["uscc"])) == [haz["id"], pen["id"], acc["id"]]
    t.assert_field(await client.get(EVENTS, params={"uscc": e["uscc"].lower()}, headers=h), "uscc", "uscc.lowercase")
    assert ids(await listed(client, h, person_id=p["id"])) == [fled["id"]]
    assert ids(await listed(client, h, person_id=p["id"], kind="accident")) == []
    assert ids(await listed(client, h, uscc=e["uscc"], kind="penalty")) == [pen["id"]]
    assert ids(await listed(client, h, uscc=e["uscc"], **{"from": "2026-02-20"})) == [haz["id"], pen["id"]]
    assert ids(await listed(client, h, uscc=e["uscc"], to="2026-02-20")) == [pen["id"], acc["id"]]
    assert ids(await listed(client, h, uscc=e["uscc"], **{"from": "2026-01-11", "to": "2026-03-17"})) == [pen["id"]]
    assert ids(await listed(client, h, uscc=e["uscc"], **{"from": "2026-02-20", "to": "2026-02-20"})) == [pen["id"]]
    # unknown enterprise: an empty page, not everything
    from tests import factories as f

    assert ids(await listed(client, h, uscc=f.uscc())) == []
    page = await listed(client, h, uscc=e["uscc"])
    assert page["next_cursor"] is None
    assert all(x["subject"]["uscc"] == e["uscc"] for x in page["items"])


async def test_division_subtree_filter(client, services):
    h = await t.national(client, services)
    e = await t.create(client, h)
    at = {}
    for division in ("410103", "410105", "411502", "440305"):
        at[division] = (
            await record(client, h, event("accident", unit(e["uscc"]), accident(), division_code=division))
        )["id"]
    assert set(at.values()) == set(ids(await listed(client, h, uscc=e["uscc"])))
    cases = {
        "41": ["410103", "410105", "411502"],
        "4101": ["410103", "410105"],
        "410105": ["410105"],
        "4115": ["411502"],
        "44": ["440305"],
        "440305": ["440305"],
        "11": [],
        "4102": [],
    }
    for prefix, divisions in cases.items():
        got = await listed(client, h, uscc=e["uscc"], division=prefix)
        assert sorted(ids(got)) == sorted(at[d] for d in divisions), prefix
        assert all(x["division_code"].startswith(prefix) for x in got["items"])


async def test_cursor_walk_has_no_duplicates_or_gaps(client, services):
    h = await t.bureau(client, services)
    e = await t.create(client, h)
    days = [
        "2026-01-05",
        "2026-02-11",
        "2026-02-11",
        "2026-02-11",
        "2025-12-30",
        "2026-03-01",
        "2026-02-11",
        "2025-07-07",
    ]
    for day in days:
        await record(client, h, event("accident", unit(e["uscc"]), accident(), occurred_on=day))
    full = await listed(client, h, uscc=e["uscc"], limit=100)
    assert len(full["items"]) == len(days)
    keys = [(x["occurred_on"], x["id"]) for x in full["items"]]
    assert keys == sorted(keys, reverse=True)
    for limit in (1, 3, 4, 7):
        seen: list[int] = []
        cursor = None
        pages = 0
        while True:
            params: dict[str, Any] = {"uscc": e["uscc"], "limit": limit}
            if cursor:
                params["cursor"] = cursor
            page = await listed(client, h, **params)
            pages += 1
            assert len(page["items"]) <= limit
            seen += ids(page)
            cursor = page["next_cursor"]
            if cursor is None:
                break
            assert len(page["items"]) == limit
        assert seen == ids(full), limit
        assert pages == -(-len(days) // limit)


BAD_CURSORS = {
    "not base64": "not a cursor",
    "punctuation": "!!!!",
    "no id": cursor_of("2026-01-01"),
    "month 13": cursor_of("2026-13-01:5"),
    "id not a number": cursor_of("2026-01-01:x"),
    "no date": cursor_of("hello world"),
    "id of 20 digits": cursor_of("2026-01-01:99999999999999999999"),
    "id beyond int64": cursor_of("2026-01-01:9999999999999999999"),
    "base64 of cjk": "5Lit5paH",
    "cjk": "中文游标",
}


@pytest.mark.parametrize("cursor", list(BAD_CURSORS.values()), ids=list(BAD_CURSORS))
async def test_bad_cursor_is_422(client, services, cursor):
    h = await t.bureau(client, services)
    r = await client.get(EVENTS, params={"cursor": cursor}, headers=h)
    t.assert_field(r, "cursor", "cursor")


async def test_bad_query_parameters(client, services):
    h = await t.bureau(client, services)
    r = await client.get(EVENTS, params={"from": "2026-03-01", "to": "2026-02-01"}, headers=h)
    t.assert_field(r, "to", "before_start")
    for prefix in ("4", "410", "41010", "4101034", "41a1"):
        r = await client.get(EVENTS, params={"division": prefix}, headers=h)
        t.assert_field(r, "division", "division_prefix")
    for limit in (0, 10_000):
        t.assert_field(await client.get(EVENTS, params={"limit": limit}, headers=h), "limit", "range")
    r = await client.get(EVENTS, params={"uscc": "91410103MA"}, headers=h)
    t.assert_field(r, "uscc", "uscc.length")


async def test_invalid_date_parameter_is_named_as_on_the_wire(client, services):
    h = await t.bureau(client, services)
    t.assert_field(await client.get(EVENTS, params={"from": "2026-02-30"}, headers=h), "from", "date")
    t.assert_field(await client.get(EVENTS, params={"to": "2026-1-5"}, headers=h), "to", "date")


async def test_identifiers_beyond_64_bits_are_answered_not_crashed_on(client, services):
    """Ids are BIGINT: a larger number is refused as input naming the parameter (a 4xx), never a 500."""
    h = await t.bureau(client, services)
    e = await t.create(client, h)
    big = 2**63
    before = await event_counts(services)
    r = await client.get(f"{EVENTS}/{big}", headers=h)
    t.assert_field(r, "event_id", "range")
    r = await amend(client, h, big, "withdrawal", "撤回")
    t.assert_field(r, "event_id", "range")
    r = await client.get(f"{EVENTS}/{big - 1}", headers=h)
    t.assert_problem(r, 404, "not_found")
    r = await client.get(EVENTS, params={"person_id": big}, headers=h)
    assert r.status_code in (200, 422), r.text
    if r.status_code == 200:
        assert r.json()["items"] == []
    else:
        t.assert_problem(r, 422)
    r = await client.post(EVENTS, json=event("accident", unit(e["uscc"]), accident(), links=[big]), headers=h)
    t.assert_problem(r, 422)
    assert [x["field"] for x in r.json()["errors"]] == ["links[0]"]
    r = await client.post(
        EVENTS, json=event("flight", someone(big), KIND_CASES["flight"][2](), division_code="410103"), headers=h
    )
    t.assert_problem(r, 422)
    assert [x["field"] for x in r.json()["errors"]] == ["subject.person_id"]
    assert await event_counts(services) == before


# ---- jurisdiction ----------------------------------------------------------------------------


async def test_county_bureau_cannot_record_for_an_enterprise_elsewhere(client, services):
    national = await t.national(client, services)
    e = await t.create(client, national, division_code="440305")
    county = await t.bureau(client, services, "410103")
    before = await event_counts(services)
    r = await client.post(EVENTS, json=event("accident", unit(e["uscc"]), accident()), headers=county)
    problem = t.assert_problem(r, 403, "outside_jurisdiction")
    assert "440305" in problem["detail"]
    assert await event_counts(services) == (before[0], before[1] + 1)
    async with services.db.read() as session:
        entry = await session.scalar(
            select(AuditEntry).where(AuditEntry.actor == client_id(county)).order_by(AuditEntry.id.desc())
        )
    assert entry is not None
    assert (entry.action, entry.outcome) == ("event.record", "denied")
    assert "440305" in (entry.detail or "")


async def test_county_bureau_cannot_withdraw_an_event_elsewhere(client, services):
    national = await t.national(client, services)
    e = await t.create(client, national, division_code="440305")
    shenzhen = await t.bureau(client, services, "440305")
    got = await record(client, shenzhen, event("accident", unit(e["uscc"]), accident()))
    assert got["recording_authority"]["division_code"] == "440305"
    county = await t.bureau(client, services, "410103")
    before = await event_counts(services)
    r = await amend(client, county, got["id"], "withdrawal", "越权撤回")
    t.assert_problem(r, 403, "outside_jurisdiction")
    assert await event_counts(services) == (before[0], before[1] + 1)
    [entry] = await t.audit_for(services, str(got["id"]), "event.withdrawal")
    assert (entry.outcome, entry.actor) == ("denied", client_id(county))
    # read by the bureau of the place (the county may not read another area's events)
    assert (await client.get(f"{EVENTS}/{got['id']}", headers=shenzhen)).json()["effective"] is True


async def test_prefectural_bureau_records_inside_its_prefecture(client, services):
    h = await t.bureau(client, services, "410100", "prefectural")
    e = await t.create(client, h, division_code="410103")
    got = await record(client, h, event("accident", unit(e["uscc"]), accident()))
    assert (got["division_code"], got["recording_authority"]["division_code"]) == ("410103", "410100")
    p = await person(client, h)
    got = await record(client, h, event("flight", someone(p["id"]), KIND_CASES["flight"][2](), division_code="410122"))
    assert got["division_code"] == "410122"


async def test_admin_must_name_the_recording_authority(client, services):
    from tests import factories as f

    await t.bureau(client, services, "410103")  # the authority exists
    admin = await f.headers(client, services, "admin")
    bureau = await t.bureau(client, services)
    e = await t.create(client, bureau)
    before = await event_counts(services)
    r = await client.post(EVENTS, json=event("accident", unit(e["uscc"]), accident()), headers=admin)
    t.assert_field(r, "recording_authority", "required")
    r = await client.post(
        EVENTS, json=event("accident", unit(e["uscc"]), accident(), recording_authority="150102"), headers=admin
    )
    t.assert_field(r, "recording_authority", "unknown_authority")
    assert await event_counts(services) == before
    got = await record(client, admin, event("accident", unit(e["uscc"]), accident(), recording_authority="410103"))
    assert got["recording_authority"]["division_code"] == "410103"
    assert got["recorded_by"] == client_id(admin)


# ---- append-only -----------------------------------------------------------------------------


async def _refused(services: Any, statements: list[str], params: dict[str, Any]) -> None:
    for statement in statements:
        with pytest.raises(DBAPIError) as caught:
            async with services.db.write() as session:
                await session.execute(text(statement), params)
        assert "append-only" in str(caught.value), caught.value


async def test_the_database_refuses_to_change_credit_events(client, services):
    h = await t.bureau(client, services)
    e = await t.create(client, h)
    got = await record(client, h, event("accident", unit(e["uscc"]), accident(3)))
    await _refused(
        services,
        [
            "UPDATE credit_events SET source_document = 'rewritten' WHERE id = :id",
            "UPDATE credit_events SET kind = 'penalty', accident_grade = NULL WHERE id = :id",
            "DELETE FROM credit_events WHERE id = :id",
        ],
        {"id": got["id"]},
    )
    after = (await client.get(f"{EVENTS}/{got['id']}", headers=h)).json()
    assert after == got
    assert await event_counts(services) != (0, 0)


async def test_the_database_refuses_to_change_grade_steps(client, services):
    h = await t.bureau(client, services)
    e = await t.create(client, h)
    r = await client.post(
        f"/api/v1/enterprises/{e['uscc']}/grades",
        json={
            "level": 3,
            "scheme": "yj-2021-83",
            "standard": "机械制造",
            "self_score": 80,
            "self_assessed_on": "2026-01-05",
            "applied_on": "2026-01-06",
        },
        headers=h,
    )
    assert r.status_code == 201, r.text
    grade_id = r.json()["id"]
    async with services.db.read() as session:
        steps = list((await session.scalars(select(GradeStep).where(GradeStep.grade_id == grade_id))).all())
    assert steps, "applying writes the first step"
    snapshot = [(s.id, s.step, s.on, s.data, s.status_after) for s in steps]
    await _refused(
        services,
        [
            "UPDATE grade_steps SET status_after = 'valid' WHERE grade_id = :id",
            "DELETE FROM grade_steps WHERE grade_id = :id",
        ],
        {"id": grade_id},
    )
    async with services.db.read() as session:
        again = list((await session.scalars(select(GradeStep).where(GradeStep.grade_id == grade_id))).all())
    assert [(s.id, s.step, s.on, s.data, s.status_after) for s in again] == snapshot


# ---- concurrency (PostgreSQL) ----------------------------------------------------------------


async def test_two_concurrent_amendments_one_wins(client, services):
    if services.db.dialect != "postgresql":
        pytest.skip("row locks and concurrent writers: PostgreSQL only (SQLite serialises writers)")
    h = await t.bureau(client, services)
    e = await t.create(client, h)
    original = await record(client, h, event("accident", unit(e["uscc"]), accident(1)))
    bodies = [event("accident", unit(e["uscc"]), accident(n)) for n in (2, 4)]
    results = await asyncio.gather(
        *(amend(client, h, original["id"], "correction", f"死亡人数更正为{b['details']['deaths']}", b) for b in bodies)
    )
    assert sorted(r.status_code for r in results) == [201, 409], [r.text for r in results]
    [winner] = [r.json() for r in results if r.status_code == 201]
    [loser] = [r for r in results if r.status_code == 409]
    t.assert_problem(loser, 409, "conflict")
    got = (await client.get(f"{EVENTS}/{original['id']}", headers=h)).json()
    assert [c["id"] for c in got["chain"]] == [original["id"], winner["id"]]
    history = await listed(client, h, uscc=e["uscc"], history="true")
    assert len(history["items"]) == 2


async def test_two_concurrent_amendments_of_different_kinds_one_wins(client, services):
    if services.db.dialect != "postgresql":
        pytest.skip("PostgreSQL only")
    h = await t.bureau(client, services)
    e = await t.create(client, h)
    original = await record(client, h, event("major_hazard", unit(e["uscc"]), hazard()))
    done = event("major_hazard", unit(e["uscc"]), hazard(rectified_on="2026-04-20", five_in_place=ALL_FIVE))
    results = await asyncio.gather(
        amend(client, h, original["id"], "follow_up", "整改完成", done),
        amend(client, h, original["id"], "withdrawal", "误录"),
        amend(client, h, original["id"], "withdrawal", "误录"),
    )
    assert sorted(r.status_code for r in results) == [201, 409, 409], [r.text for r in results]


async def test_the_same_penalty_decision_recorded_twice_at_once(client, services):
    """One effective penalty per (deciding authority, decision number), whatever two officers do at once."""
    if services.db.dialect != "postgresql":
        pytest.skip("PostgreSQL only")
    h = await t.bureau(client, services)
    e = await t.create(client, h)
    number = doc_no()
    results = await asyncio.gather(
        *(
            client.post(EVENTS, json=event("penalty", unit(e["uscc"]), penalty(decision_no=number)), headers=h)
            for _ in range(3)
        )
    )
    assert sorted(r.status_code for r in results) == [201, 409, 409], [r.text for r in results]
    assert len(ids(await listed(client, h, uscc=e["uscc"], kind="penalty"))) == 1


async def test_bureau_where_the_enterprise_operates_records_an_event_there(client, services):
    national = await t.national(client, services)
    e = await t.create(client, national, division_code="440305", operating_divisions=["410103"])
    county = await t.bureau(client, services, "410103")
    got = await record(client, county, event("major_hazard", unit(e["uscc"]), hazard(), division_code="410103"))
    assert (got["division_code"], got["recording_authority"]["division_code"]) == ("410103", "410103")

"""Demo facts: standardization grades in every state and credit events of every kind.

Dates are fixed where they are history and relative to today where a state depends on it (a
renewal window that is open, findings whose deadline is ahead), so the demo reads the same
whenever it is loaded. Everything goes through the services, so the demo data obeys every rule
real data does, and loading twice adds nothing (the first event marks the facts as loaded).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec

from registry.demo.seed import AREAS, demo_uscc, person_specs
from registry.domain.actors import system_actor
from registry.domain.calendar import add_years
from registry.domain.events.schemas import AmendmentCreate, EventCreate
from registry.domain.grades import schemas as gs
from registry.lib.clock import today

ACTOR = system_actor("demo")
D = dt.date
#: recording authority (division of an authority the demo accounts create) per demo area
RECORDER = {"410103": "410103", "410108": "410100", "410122": "410100", "440305": "440300", "440306": "440300"}
REVIEW_AGENCY = demo_uscc(900_004, AREAS[4][0])  # the demo 标准化评审单位
ASSESSOR = demo_uscc(900_000, AREAS[0][0])  # the demo 安全评价机构


def unit(n: int) -> str:
    return demo_uscc(n, AREAS[n % len(AREAS)][0])


async def load_facts(services: Any) -> None:
    if (await services.grades.of_enterprise(ACTOR, unit(0))).grades:
        return  # loaded before (grades are written first)
    await _grades(services, today(services.clock))
    await _past_year(services, today(services.clock))
    await _events(services)
    await _credit_repair(services, today(services.clock))
    await services.grades.sweep()


# ---- grades ----------------------------------------------------------------------------------


async def _grade(
    services: Any, n: int, level: int, scheme: str, applied: dt.date, steps: list[tuple[str, dict[str, Any]]]
) -> int:
    grade = await services.grades.apply(
        ACTOR,
        unit(n),
        gs.GradeApply(
            level=level,  # type: ignore[arg-type]
            scheme=scheme,
            standard="工贸企业安全生产标准化定级标准（演示）",
            self_score={1: 92.0, 2: 84.5, 3: 76.0}[level],
            self_assessed_on=applied - dt.timedelta(days=10),
            applied_on=applied,
            renewal_of=None,
        ),
    )
    return await _steps(services, n, grade.id, steps)


async def _steps(services: Any, n: int, grade_id: int, steps: list[tuple[str, dict[str, Any]]]) -> int:
    version = (await services.grades.get(ACTOR, unit(n), grade_id)).version
    for action, body in steps:
        data = msgspec.convert({**body, "version": version}, gs.ACTION_BODIES[action], strict=False)
        version = (await services.grades.act(ACTOR, unit(n), grade_id, action, data)).version
    return grade_id


def _passed(review: dt.date, score: float, audit: dt.date | None, announce: dt.date, no: str) -> list[Any]:
    steps: list[tuple[str, dict[str, Any]]] = [
        ("review", {"on": review, "passed": True, "score": score, "reviewer_uscc": REVIEW_AGENCY})
    ]
    if audit is not None:
        steps.append(("audit", {"on": audit, "passed": True}))
    steps.append(("announce", {"on": announce, "announcement_no": no}))
    return steps


async def _grades(services: Any, on: dt.date) -> None:
    # n = 0 (二七区): valid 三级 announced on 29 February, certificate, two annual checks, findings rectified
    await _grade(
        services,
        0,
        3,
        "yj-2021-83",
        D(2023, 12, 1),
        [
            *_passed(D(2024, 1, 20), 82.0, D(2024, 2, 10), D(2024, 2, 29), "郑应急标〔2024〕3号"),
            ("certificate", {"on": D(2024, 3, 15), "certificate_no": "豫AQB410100GM2024000301"}),
            ("annual_check", {"on": D(2025, 3, 10), "kind": "self_assessment", "result": "pass"}),
            (
                "annual_check",
                {
                    "on": D(2026, 3, 15),
                    "kind": "inspection",
                    "result": "findings",
                    "findings": "有限空间作业审批记录不全",
                    "rectification_deadline": D(2026, 6, 30),
                },
            ),
            ("rectify", {"on": D(2026, 6, 20), "evidence": "整改报告及复查意见书（郑应急复查〔2026〕41号）"}),
        ],
    )
    # n = 8 (二七区): valid, findings open with a deadline ahead
    await _grade(
        services,
        8,
        3,
        "yj-2021-83",
        D(2024, 5, 6),
        [
            *_passed(D(2024, 6, 3), 79.5, D(2024, 6, 20), D(2024, 7, 1), "郑应急标〔2024〕9号"),
            (
                "annual_check",
                {
                    "on": on - dt.timedelta(days=10),
                    "kind": "inspection",
                    "result": "findings",
                    "findings": "重大危险源监测数据未接入",
                    "rectification_deadline": on + dt.timedelta(days=50),
                },
            ),
        ],
    )
    # n = 5 (北京海淀): 一级, by the national authority
    await _grade(
        services,
        5,
        1,
        "yj-2021-83",
        D(2024, 3, 1),
        _passed(D(2024, 5, 8), 93.0, D(2024, 6, 1), D(2024, 6, 28), "应急部标〔2024〕1号"),
    )
    # n = 2 (深圳南山): simplified procedure, reviewed by the bureau itself, no certificate
    await _grade(
        services,
        2,
        3,
        "yj-2021-83",
        D(2025, 3, 1),
        [
            ("review", {"on": D(2025, 4, 1), "passed": True, "score": 78.0, "remarks": "监管部门审查"}),
            ("announce", {"on": D(2025, 4, 15), "announcement_no": "深应急标〔2025〕5号"}),
        ],
    )
    # pending in every step: applied (24), reviewed (33), audited (9), suspended (17); unit 1's own
    # application in review is suspended by its listing (registry.demo.listings)
    await _grade(services, 24, 3, "yj-2021-83", D(2026, 10, 9), [])
    await _grade(services, 1, 3, "yj-2021-83", D(2026, 8, 3), [])
    await _grade(
        services,
        33,
        3,
        "yj-2021-83",
        D(2026, 8, 3),
        [("review", {"on": D(2026, 9, 1), "passed": True, "score": 77.0, "reviewer_uscc": REVIEW_AGENCY})],
    )
    await _grade(
        services,
        9,
        3,
        "yj-2021-83",
        D(2026, 7, 1),
        [
            ("review", {"on": D(2026, 8, 1), "passed": True, "score": 81.0, "reviewer_uscc": REVIEW_AGENCY}),
            ("audit", {"on": D(2026, 8, 20), "passed": True}),
        ],
    )
    await _grade(
        services,
        17,
        3,
        "yj-2021-83",
        D(2026, 6, 2),
        [("suspend", {"on": D(2026, 9, 20), "reason": "该企业正在列入严重失信主体名单程序中（1001号备忘录（一）4）"})],
    )
    # rejected (25), withdrawn (7)
    await _grade(
        services,
        25,
        3,
        "yj-2021-83",
        D(2026, 4, 1),
        [("review", {"on": D(2026, 5, 6), "passed": False, "score": 64.0, "remarks": "现场评审未达到三级要求"})],
    )
    await _grade(
        services,
        7,
        3,
        "yj-2021-83",
        D(2026, 3, 3),
        [("withdraw", {"on": D(2026, 3, 30), "reason": "企业申请撤回，拟整改后重新申请"})],
    )
    # expired (15): the 2011 scheme, 2020 announcement; the sweep records the expiry
    await _grade(
        services,
        15,
        3,
        "aqjg-2011-84",
        D(2020, 9, 1),
        _passed(D(2020, 10, 15), 71.0, D(2020, 11, 2), D(2020, 12, 1), "郑安监标〔2020〕18号"),
    )
    # superseded (23): 三级 of 2022 replaced by 二级 of 2024 (provincial) while still valid
    await _grade(
        services,
        23,
        3,
        "yj-2021-83",
        D(2022, 3, 2),
        _passed(D(2022, 4, 6), 72.0, D(2022, 5, 10), D(2022, 6, 18), "郑应急标〔2022〕7号"),
    )
    await _grade(
        services,
        23,
        2,
        "yj-2021-83",
        D(2024, 5, 6),
        _passed(D(2024, 7, 2), 86.0, D(2024, 8, 30), D(2024, 9, 30), "豫应急标〔2024〕21号"),
    )
    # n = 31 (中牟): valid, expiring within 3 months, renewal (复评) applied inside the window
    announced = add_years(on, -3) + dt.timedelta(days=20)
    held = await _grade(
        services,
        31,
        3,
        "yj-2021-83",
        announced - dt.timedelta(days=60),
        _passed(
            announced - dt.timedelta(days=30),
            80.0,
            announced - dt.timedelta(days=10),
            announced,
            "郑应急标〔2023〕30号",
        ),
    )
    await services.grades.apply(
        ACTOR,
        unit(31),
        gs.GradeApply(
            level=3,
            scheme="yj-2021-83",
            standard="工贸企业安全生产标准化定级标准（演示）",
            self_score=78.0,
            self_assessed_on=on - dt.timedelta(days=8),
            applied_on=on - dt.timedelta(days=3),
            renewal_of=held,
        ),
    )
    # n = 16 (二七区): revoked for a fatal accident in the validity period (the event is recorded first)
    grade = await _grade(
        services,
        16,
        3,
        "yj-2021-83",
        D(2024, 3, 1),
        _passed(D(2024, 4, 3), 75.5, D(2024, 4, 25), D(2024, 5, 10), "郑应急标〔2024〕12号"),
    )
    fatal = await _record(
        services,
        "accident",
        16,
        D(2025, 4, 2),
        "郑州市二七区事故调查报告〔2025〕2号",
        {
            "deaths": 1,
            "serious_injuries": 0,
            "direct_loss_cny": 1_350_000,
            "responsible": True,
            "summary": "机械伤害事故，冲压作业时1人死亡",
        },
    )
    await _steps(
        services,
        16,
        grade,
        [
            (
                "revoke",
                {
                    "on": D(2025, 5, 20),
                    "reason": "fatal_accident",
                    "decision_no": "郑应急标撤〔2025〕1号",
                    "event_ids": [fatal],
                },
            )
        ],
    )


#: units graded over the past year (n, level, days before the load it was announced): the monthly
#: report's series has a grade completed in most months, whenever the demo is loaded
PAST_YEAR = [
    (48, 3, 330),
    (56, 3, 300),
    (49, 3, 265),
    (57, 2, 230),
    (72, 3, 190),
    (63, 3, 150),
    (87, 3, 115),
    (88, 3, 80),
    (71, 3, 40),
]


async def _past_year(services: Any, on: dt.date) -> None:
    for n, level, days in PAST_YEAR:
        announced = on - dt.timedelta(days=days)
        steps = _passed(
            announced - dt.timedelta(days=45),
            {1: 92.0, 2: 86.0, 3: 78.5}[level],
            announced - dt.timedelta(days=20),
            announced,
            f"郑应急标〔{announced.year}〕{100 + n}号" if level == 3 else f"豫应急标〔{announced.year}〕{n}号",
        )
        await _grade(services, n, level, "yj-2021-83", announced - dt.timedelta(days=80), steps)
    # n = 79 (中牟): applied three weeks ago, in review
    await _grade(services, 79, 3, "yj-2021-83", on - dt.timedelta(days=21), [])


# ---- events ----------------------------------------------------------------------------------


async def _record(
    services: Any,
    kind: str,
    n: int | None,
    on: dt.date,
    source: str,
    details: dict[str, Any],
    *,
    person: int | None = None,
    agency: str | None = None,
    links: list[int] | None = None,
) -> int:
    if person is not None:
        found, _ = await services.persons.create(ACTOR, person_specs()[person])
        subject: dict[str, Any] = {"type": "person", "person_id": found.id}
        division = AREAS[person % len(AREAS)][0]
    elif agency is not None:
        subject = {"type": "agency", "uscc": agency}
        division = agency[2:8]
    else:
        assert n is not None
        subject = {"type": "enterprise", "uscc": unit(n)}
        division = AREAS[n % len(AREAS)][0]
    data = msgspec.convert(
        {
            "kind": kind,
            "subject": subject,
            "occurred_on": on,
            "source_document": source,
            "details": details,
            "division_code": division,
            "links": links or [],
            "recording_authority": RECORDER[division],
        },
        EventCreate,
        strict=False,
    )
    return int((await services.events.record(ACTOR, data)).id)


def _penalty(no: str, fine: int, basis: str, **more: Any) -> dict[str, Any]:
    return {"decision_no": no, "fine_cny": fine, "legal_basis": basis, **more}


async def _credit_repair(services: Any, day: dt.date) -> None:
    """A penalty whose publication the bureau ended early (信用修复, DOMAIN 8.10), n = 39 (中牟).

    Dated from ``day`` so it stays repairable whenever the demo is loaded: a 一般 penalty decided
    200 days ago (令36 with 国办发〔2025〕22号: published 3 months to 1 year), executed, repaired
    10 days ago after the shortest term."""
    decided = day - dt.timedelta(days=200)
    penalty = await _record(
        services,
        "penalty",
        39,
        decided,
        f"中牟应急罚〔{decided.year}〕12号",
        _penalty(
            f"中牟应急罚〔{decided.year}〕12号",
            20_000,
            "《安全生产法》第一百零一条",
            execution="executed",
            credit_class="general",
        ),
    )
    await _record(
        services,
        "credit_repair",
        39,
        day - dt.timedelta(days=10),
        f"中牟应急信修〔{day.year}〕3号",
        {
            "decision_no": f"中牟应急信修〔{day.year}〕3号",
            "legal_basis": "《信用修复管理办法》（国家发展改革委令第36号）第三条",
            "applied_on": day - dt.timedelta(days=20),
            "commitment_ref": f"信用承诺书〔{day.year}〕39号",
        },
        links=[penalty],
    )


async def _events(services: Any) -> None:
    # two 较大 accidents within 12 months (n = 8), each with its penalty (部令11号 case 2 material)
    a1 = await _record(
        services,
        "accident",
        8,
        D(2025, 7, 3),
        "郑州市较大事故调查报告〔2025〕5号",
        {
            "deaths": 3,
            "serious_injuries": 1,
            "direct_loss_cny": 6_800_000,
            "responsible": True,
            "summary": "粉尘爆炸事故，3人死亡",
            "declared_grade": "larger",
        },
    )
    await _record(
        services,
        "penalty",
        8,
        D(2025, 9, 12),
        "郑应急罚〔2025〕31号",
        _penalty(
            "郑应急罚〔2025〕31号",
            1_500_000,
            "《安全生产法》第一百一十四条第一款第二项",
            execution="executed",
            executed_on=D(2025, 10, 8),
            published_on=D(2025, 9, 18),
        ),
        links=[a1],
    )
    a2 = await _record(
        services,
        "accident",
        8,
        D(2026, 2, 11),
        "郑州市较大事故调查报告〔2026〕1号",
        {
            "deaths": 0,
            "serious_injuries": 12,
            "direct_loss_cny": 2_100_000,
            "responsible": True,
            "summary": "液氨泄漏，12人急性工业中毒",
        },
    )
    await _record(
        services,
        "penalty",
        8,
        D(2026, 4, 20),
        "郑应急罚〔2026〕9号",
        _penalty(
            "郑应急罚〔2026〕9号", 1_200_000, "《安全生产法》第一百一十四条第一款第二项", published_on=D(2026, 4, 27)
        ),
        links=[a2],
    )
    # a 重大 accident (n = 1) with an art. 114 multiplied penalty, a shutdown order, and the principal's liability
    major = await _record(
        services,
        "accident",
        1,
        D(2024, 10, 8),
        "国务院调查组事故调查报告（演示）",
        {
            "deaths": 11,
            "serious_injuries": 23,
            "direct_loss_cny": 48_600_000,
            "responsible": True,
            "summary": "厂房坍塌事故，11人死亡",
            "declared_grade": "major",
            "investigation_report_ref": "豫政调〔2025〕1号",
        },
    )
    await _record(
        services,
        "penalty",
        1,
        D(2025, 3, 5),
        "豫应急罚〔2025〕2号",
        _penalty(
            "豫应急罚〔2025〕2号",
            10_000_000,
            "《安全生产法》第一百一十四条第二款（情节特别严重，按二倍五处罚）",
            art114_multiplier=2.5,
            deciding_authority="410000",
            execution="executed",
            executed_on=D(2025, 5, 30),
            published_on=D(2025, 3, 12),
        ),
        links=[major],
    )
    await _record(
        services,
        "enforcement_order",
        1,
        D(2024, 10, 9),
        "郑应急停〔2024〕4号",
        {
            "type": "suspension_for_rectification",
            "order_no": "郑应急停〔2024〕4号",
            "description": "责令停产停业整顿",
            "until": D(2025, 1, 31),
        },
        links=[major],
    )
    await _record(
        services,
        "criminal_liability",
        None,
        D(2025, 9, 30),
        "（2025）豫0108刑初112号",
        {
            "judgment_no": "（2025）豫0108刑初112号",
            "court": "郑州市惠济区人民法院",
            "offence": "重大责任事故罪",
            "sentence": "有期徒刑三年",
            "sentence_end_on": D(2028, 9, 29),
        },
        person=1,
        links=[major],
    )
    # concealment and flight after an accident (n = 9, person 9)
    hidden = await _record(
        services,
        "accident",
        9,
        D(2025, 11, 2),
        "惠济区事故调查报告〔2025〕3号",
        {
            "deaths": 2,
            "serious_injuries": 0,
            "direct_loss_cny": 900_000,
            "responsible": True,
            "summary": "高处坠落事故，2人死亡",
        },
    )
    await _record(
        services,
        "reporting_violation",
        9,
        D(2025, 11, 20),
        "郑应急罚〔2025〕44号",
        {"type": "concealment", "description": "事故发生后隐瞒不报，经群众举报查实"},
        links=[hidden],
    )
    await _record(
        services,
        "flight",
        None,
        D(2025, 11, 3),
        "惠济区事故调查报告〔2025〕3号",
        {"type": "fled", "description": "事故发生后主要负责人逃匿"},
        person=9,
        links=[hidden],
    )
    # and a 撤职处分 of that principal for the accident: the art. 94 ban runs from its day
    await _record(
        services,
        "dismissal",
        None,
        D(2026, 1, 15),
        "惠济区政处〔2026〕2号",
        {
            "decision_no": "惠济区政处〔2026〕2号",
            "decided_by": "郑州市惠济区人民政府",
            "description": "对事故负有领导责任，事故发生后逃匿，给予撤职处分",
        },
        person=9,
        links=[hidden],
    )
    await _record(
        services,
        "penalty",
        9,
        D(2025, 12, 18),
        "郑应急罚〔2025〕44号",
        _penalty("郑应急罚〔2025〕44号", 3_000_000, "《安全生产法》第一百一十条", published_on=D(2025, 12, 24)),
        links=[hidden],
    )
    # a major hazard recorded open, then followed up as rectified with the 五到位 (n = 33, in 惠济区:
    # hazard publicity rests on its local text, DOMAIN 8.9)
    hazard = await _record(
        services,
        "major_hazard",
        33,
        D(2025, 10, 10),
        "惠济区应急隐患〔2025〕17号",
        {
            "description": "液氨制冷车间未设置泄漏报警装置",
            "rectification_deadline": D(2025, 12, 31),
            "order_no": "惠济区应急责改〔2025〕17号",
        },
    )
    await services.events.amend(
        ACTOR,
        hazard,
        AmendmentCreate(
            code="follow_up",
            reason="整改完成，经复查合格",
            event=msgspec.convert(
                {
                    "kind": "major_hazard",
                    "subject": {"type": "enterprise", "uscc": unit(33)},
                    "occurred_on": D(2025, 10, 10),
                    "source_document": "惠济区应急复查〔2025〕88号",
                    "division_code": "410108",
                    "recording_authority": RECORDER["410108"],
                    "details": {
                        "description": "液氨制冷车间未设置泄漏报警装置",
                        "rectification_deadline": D(2025, 12, 31),
                        "rectified_on": D(2025, 12, 20),
                        "order_no": "惠济区应急责改〔2025〕17号",
                        "five_in_place": ["measures", "responsibility", "funds", "time_limit", "contingency_plan"],
                        "evidence": ["整改方案", "复查意见书"],
                    },
                },
                EventCreate,
                strict=False,
            ),
        ),
    )
    # a major hazard past its deadline, not rectified (n = 17)
    await _record(
        services,
        "major_hazard",
        17,
        D(2026, 5, 10),
        "惠济区应急隐患〔2026〕3号",
        {"description": "涉爆粉尘除尘系统未按规定设置锁气卸灰装置", "rectification_deadline": D(2026, 8, 10)},
    )
    # operating while the licence was suspended, penalty refused (n = 25)
    await _record(
        services,
        "licence_violation",
        25,
        D(2026, 1, 15),
        "郑应急罚〔2026〕2号",
        {
            "type": "while_suspended",
            "description": "安全生产许可证暂扣期间擅自组织生产",
            "licence": "（豫）WH安许证字〔2023〕0101",
        },
    )
    await _record(
        services,
        "penalty",
        25,
        D(2026, 2, 3),
        "郑应急罚〔2026〕2号",
        _penalty(
            "郑应急罚〔2026〕2号", 500_000, "《安全生产法》第九十七条", execution="refused", published_on=D(2026, 2, 10)
        ),
    )
    # intermediary fraud: a false assessment report (agency 0), penalty on the agency
    fraud = await _record(
        services,
        "intermediary_fraud",
        None,
        D(2025, 6, 18),
        "郑应急罚〔2025〕20号",
        {"type": "false_report", "description": "出具虚假安全评价报告", "report_ref": "安评报字〔2024〕77号"},
        agency=ASSESSOR,
    )
    await _record(
        services,
        "penalty",
        None,
        D(2025, 7, 1),
        "郑应急罚〔2025〕20号",
        _penalty(
            "郑应急罚〔2025〕20号",
            200_000,
            "《安全生产法》第九十二条第二款",
            execution="executed",
            executed_on=D(2025, 7, 20),
        ),
        agency=ASSESSOR,
        links=[fraud],
    )
    # obstruction (n = 7), a maximum-penalty order (n = 15), a serious case-9 penalty (n = 23)
    await _record(
        services,
        "obstruction",
        7,
        D(2025, 12, 2),
        "中牟县调查报告〔2025〕6号",
        {"type": "destroying_scene", "description": "事故发生后擅自清理现场"},
    )
    await _record(
        services,
        "enforcement_order",
        15,
        D(2024, 8, 8),
        "郑应急罚〔2024〕15号",
        {
            "type": "maximum_penalty",
            "order_no": "郑应急罚〔2024〕15号",
            "description": "未开展标准化建设，违法行为按上限处罚",
        },
    )
    await _record(
        services,
        "penalty",
        23,
        D(2026, 7, 7),
        "郑应急罚〔2026〕19号",
        _penalty(
            "郑应急罚〔2026〕19号",
            800_000,
            "《安全生产法》第一百零一条",
            serious_circumstances=True,
            published_on=D(2026, 7, 14),
        ),
    )
    # a correction (deaths corrected by the final report) and a withdrawal of an entry made in error (n = 24)
    first = await _record(
        services,
        "accident",
        24,
        D(2026, 9, 2),
        "二七区事故快报〔2026〕9号",
        {
            "deaths": 2,
            "serious_injuries": 1,
            "direct_loss_cny": 700_000,
            "responsible": True,
            "summary": "起重伤害事故",
        },
    )
    await services.events.amend(
        ACTOR,
        first,
        AmendmentCreate(
            code="correction",
            reason="事故调查报告认定死亡3人（1人送医后死亡）",
            event=msgspec.convert(
                {
                    "kind": "accident",
                    "subject": {"type": "enterprise", "uscc": unit(24)},
                    "occurred_on": D(2026, 9, 2),
                    "source_document": "二七区事故调查报告〔2026〕9号",
                    "division_code": "410103",
                    "recording_authority": "410103",
                    "details": {
                        "deaths": 3,
                        "serious_injuries": 0,
                        "direct_loss_cny": 1_100_000,
                        "responsible": True,
                        "summary": "起重伤害事故",
                    },
                },
                EventCreate,
                strict=False,
            ),
        ),
    )
    wrong = await _record(
        services,
        "penalty",
        24,
        D(2026, 9, 20),
        "二七区应急罚〔2026〕33号",
        _penalty("二七区应急罚〔2026〕33号", 30_000, "《安全生产法》第九十七条"),
    )
    await services.events.amend(
        ACTOR, wrong, AmendmentCreate(code="withdrawal", reason="录入错误：该处罚决定属另一企业")
    )

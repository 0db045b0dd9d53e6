"""The grade forms are read into the API's own bodies, offer the steps the state machine allows, and
the what-if of a step leaves the grades as the service would; an event's correction form starts
from the event in force."""

from __future__ import annotations

import datetime as dt

from registry.api.console.actions import Field
from registry.api.console.event_amend import amendment_body, fields_of, prefilled
from registry.api.console.grade_forms import APPLY, STEPS, allowed_steps, grade_body, step_body
from registry.domain.events.schemas import AmendmentCreate, AuthorityRef, Event, Subject
from registry.domain.grades import schemas as s
from registry.domain.grades.whatif import after_step
from registry.rules import facts as f

STANDARD = ["review", "audit", "announcement"]
SIMPLIFIED = ["review", "announcement"]


def paths(status: str, steps: list[str], certificate: bool = True) -> list[str]:
    return [st.path for st in allowed_steps(status, steps, certificate)]


def test_the_steps_offered_follow_the_state_machine_and_the_procedure() -> None:
    assert paths("applied", STANDARD) == ["review", "suspend", "withdraw"]
    assert paths("reviewed", STANDARD) == ["audit", "suspend", "withdraw"]
    assert paths("reviewed", SIMPLIFIED, certificate=False) == ["announce", "suspend", "withdraw"]
    assert paths("audited", STANDARD) == ["announce", "suspend", "withdraw"]
    assert paths("suspended", STANDARD) == ["resume", "withdraw"]
    assert paths("valid", STANDARD) == ["certificate", "annual-checks", "rectify", "revoke"]
    assert paths("valid", SIMPLIFIED, certificate=False) == ["annual-checks", "rectify", "revoke"]
    for ended in ("rejected", "withdrawn", "expired", "revoked", "superseded"):
        assert paths(ended, STANDARD) == []


def test_a_step_form_becomes_the_api_body() -> None:
    data, errors = step_body(STEPS["review"], {"on": "2026-07-01", "passed": "1", "score": "88.5"}, 4)
    assert errors == {}
    assert data == s.GradeReview(version=4, on=dt.date(2026, 7, 1), passed=True, score=88.5)
    data, _ = step_body(
        STEPS["revoke"], {"on": "2026-07-01", "reason": "fatal_accident", "decision_no": "撤1", "event_ids": "3，5"}, 2
    )
    assert isinstance(data, s.Revocation)
    assert data.event_ids == [3, 5]


def test_field_errors_name_the_field_in_chinese() -> None:
    assert step_body(STEPS["announce"], {"on": "", "announcement_no": ""}, 1) == (
        None,
        {"on": "请填写办理日期", "announcement_no": "请填写公告文号"},
    )
    assert step_body(STEPS["review"], {"on": "2026-07-01", "score": "很高"}, 1)[1] == {"score": "评审得分：请填写数字"}
    assert step_body(STEPS["revoke"], {"on": "2026-07-01", "reason": "x", "decision_no": "1", "event_ids": "a"}, 1)[
        1
    ] == {"event_ids": "所依据的信用事件编号：应为事件编号（数字），多个用逗号分隔"}
    # the API's own rule (a score is 0..100), in the API's own words
    too_high = step_body(STEPS["review"], {"on": "2026-07-01", "passed": "1", "score": "120"}, 1)[1]
    assert too_high["score"].startswith("score 不能大于 100")
    assert step_body(STEPS["review"], {"on": "2026-02-30"}, 1)[1] == {
        "on": "on 不是有效日期（YYYY-MM-DD，且须为真实存在的日期）"
    }


def test_the_application_form_becomes_the_api_body() -> None:
    shown = {
        "level": "3",
        "scheme": "yj-2021-83",
        "standard": "机械制造企业安全生产标准化评定标准 2021版",
        "self_score": "86.5",
        "self_assessed_on": "2026-05-20",
        "applied_on": "2026-06-01",
    }
    data, errors = grade_body(APPLY, shown, s.GradeApply, {"renewal_of": 7})
    assert errors == {}
    assert isinstance(data, s.GradeApply)
    assert (data.level, data.self_score, data.renewal_of) == (3, 86.5, 7)
    assert grade_body(APPLY, {**shown, "level": "4"}, s.GradeApply, {})[1] == {"level": "level 的取值不在允许范围内"}


def test_the_what_if_leaves_the_grades_as_the_service_would() -> None:
    old = f.Grade(id=1, level=3, status="valid", announced_on=dt.date(2024, 3, 1), valid_until=dt.date(2027, 3, 1))
    new = f.Grade(id=2, level=2, status="audited", applied_on=dt.date(2026, 9, 1))
    day = dt.date(2026, 11, 20)
    revoked = after_step((old, new), 1, "revoke", day, 3)
    assert (revoked[0].status, revoked[0].ended_on, revoked[1]) == ("revoked", day, new)
    announced = after_step((old, new), 2, "announce", day, 3)
    assert (announced[0].status, announced[0].ended_on) == ("superseded", day)
    assert (announced[1].status, announced[1].announced_on, announced[1].valid_until) == (
        "valid",
        day,
        dt.date(2029, 11, 20),
    )
    expired = f.Grade(id=3, level=3, status="valid", valid_until=dt.date(2026, 1, 1))
    assert after_step((expired, new), 2, "announce", day, 3)[0] == expired  # not valid that day: not superseded


def _event() -> Event:
    return Event(
        id=9,
        kind="accident",
        kind_label="生产安全事故",
        subject=Subject(type="enterprise", uscc="91410103MA00000000"),
        occurred_on=dt.date(2026, 3, 18),
        division_code="410103",
        recording_authority=AuthorityRef("410103", "二七区应急管理局"),
        source_document="调查报告1号",
        details={"deaths": 1, "serious_injuries": 0, "direct_loss_cny": 1200000.0, "responsible": True, "summary": "s"},
        derived={},
        links=[4],
        remarks=None,
        supersedes=None,
        amendment=None,
        superseded_by=None,
        effective=True,
        recorded_at=dt.datetime(2026, 3, 19, tzinfo=dt.UTC),
        recorded_by="officer",
    )


def test_a_correction_starts_from_the_event_in_force() -> None:
    e = _event()
    fields = fields_of("correction", "accident")
    shown = prefilled(e, fields)
    assert (shown["occurred_on"], shown["links"], shown["details.deaths"]) == ("2026-03-18", "4", "1")
    assert (shown["details.direct_loss_cny"], shown["details.responsible"], shown["remarks"]) == ("1200000", "1", "")
    data, errors = amendment_body("correction", e, {**shown, "reason": "死亡人数有误", "details.deaths": "2"})
    assert errors == {}
    assert isinstance(data, AmendmentCreate)
    assert data.event is not None
    assert (data.event.details["deaths"], data.event.links, data.event.subject.uscc) == (2, [4], e.subject.uscc)
    assert fields_of("withdrawal", "accident") == (
        Field("reason", "更正、进展或撤回的理由", "textarea", required=True),
    )
    assert amendment_body("withdrawal", e, {"reason": ""}) == (None, {"reason": "请填写更正、进展或撤回的理由"})
    data, _ = amendment_body("withdrawal", e, {"reason": "误录"})
    assert data == AmendmentCreate(code="withdrawal", reason="误录")

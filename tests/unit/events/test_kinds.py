"""Event details per kind: parsing (problems named details.<field>), cross-field checks, derived grade."""

import datetime as dt

import pytest

from registry.domain.events.kinds import (
    DETAILS,
    KINDS,
    SUBJECTS,
    AccidentDetails,
    CriminalLiabilityDetails,
    EnforcementOrderDetails,
    MajorHazardDetails,
    PenaltyDetails,
    check_details,
    derived,
    parse_details,
)
from registry.errors import FieldProblem

D = dt.date
OCCURRED = D(2025, 3, 10)
TODAY = D(2025, 6, 30)
ALL_FIVE = ["measures", "responsibility", "funds", "time_limit", "contingency_plan"]

MINIMAL = {
    "accident": {"deaths": 0, "serious_injuries": 0, "direct_loss_cny": 0, "responsible": True, "summary": "坍塌"},
    "penalty": {"decision_no": "(京)应急罚〔2025〕1号", "legal_basis": "安全生产法第一百零一条", "fine_cny": 50_000},
    "major_hazard": {"description": "未设置安全设施", "rectification_deadline": "2025-04-10"},
    "reporting_violation": {"type": "late_report", "description": "迟报"},
    "licence_violation": {"type": "no_licence", "description": "无证生产"},
    "intermediary_fraud": {"type": "false_report", "description": "出具虚假报告"},
    "obstruction": {"type": "destroying_scene", "description": "破坏事故现场"},
    "flight": {"type": "fled", "description": "逃匿"},
    "criminal_liability": {
        "judgment_no": "(2025)京01刑初1号",
        "court": "北京市第一中级人民法院",
        "offence": "重大责任事故罪",
        "sentence": "有期徒刑三年",
    },
    "dismissal": {"decision_no": "京政处〔2025〕1号", "decided_by": "北京市某区人民政府"},
    "enforcement_order": {"type": "closure", "order_no": "关闭〔2025〕1号", "description": "关闭取缔"},
    "credit_repair": {"decision_no": "(京)信修〔2025〕1号", "legal_basis": "《信用修复管理办法》第三条"},
}


def parsed(kind: str, **fields):
    details, problems = parse_details(kind, {**MINIMAL[kind], **fields})
    assert problems == [], problems
    assert details is not None
    return details


def problem(kind: str, **fields) -> FieldProblem:
    details, problems = parse_details(kind, {**MINIMAL[kind], **fields})
    assert details is None
    assert len(problems) == 1
    return problems[0]


def accident(**fields) -> AccidentDetails:
    return AccidentDetails(**{**MINIMAL["accident"], **fields})


def penalty(**fields) -> PenaltyDetails:
    return PenaltyDetails(**{**MINIMAL["penalty"], **fields})


def hazard(**fields) -> MajorHazardDetails:
    return MajorHazardDetails(**{"description": "x", "rectification_deadline": D(2025, 4, 10), **fields})


def codes(problems: list[FieldProblem]) -> list[tuple[str, str]]:
    return [(p.field, p.code) for p in problems]


# ---- the taxonomy -----------------------------------------------------------------------------


def test_every_kind_has_details_subjects_and_a_label():
    assert set(DETAILS) == set(SUBJECTS) == set(KINDS) == set(MINIMAL)
    assert all(set(s) <= {"enterprise", "person", "agency"} and s for s in SUBJECTS.values())


# ---- parse_details ----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", MINIMAL)
def test_minimal_details_of_every_kind_parse(kind):
    assert isinstance(parsed(kind), DETAILS[kind])


def test_strings_from_csv_cells_are_converted():
    details = parsed("accident", deaths="3", serious_injuries="12", direct_loss_cny="15000000", responsible="false")
    assert (details.deaths, details.serious_injuries, details.direct_loss_cny) == (3, 12, 15_000_000)
    assert details.responsible is False
    hazard_details = parsed("major_hazard")
    assert hazard_details.rectification_deadline == D(2025, 4, 10)
    assert hazard_details.five_in_place == []


@pytest.mark.parametrize("field", ["deaths", "serious_injuries", "direct_loss_cny"])
def test_negative_accident_counts_are_refused(field):
    p = problem("accident", **{field: -1})
    assert (p.field, p.code) == (f"details.{field}", "range")
    assert "不能小于 0" in p.message_zh
    assert f"details.{field}" in p.message_zh
    assert f"details.{field}" in p.message_en


def test_negative_fine_is_refused():
    assert problem("penalty", fine_cny=-1).field == "details.fine_cny"


@pytest.mark.parametrize("multiplier", [1, 1.0, 2, 2.5, 5, "3"])
def test_art114_multiplier_within_one_to_five_is_accepted(multiplier):
    assert parsed("penalty", art114_multiplier=multiplier).art114_multiplier == float(multiplier)


@pytest.mark.parametrize("multiplier", [0, 0.99, 5.01, 6, -2])
def test_art114_multiplier_outside_one_to_five_is_refused(multiplier):
    p = problem("penalty", art114_multiplier=multiplier)
    assert (p.field, p.code) == ("details.art114_multiplier", "range")
    assert ("不能小于 1" if float(multiplier) < 1 else "不能大于 5") in p.message_zh


def test_unknown_field_is_refused_with_its_prefixed_name():
    p = problem("accident", weather="rain")
    assert (p.field, p.code) == ("details.weather", "unknown_field")
    assert "details.weather" in p.message_en
    assert "details.weather" in p.message_zh


def test_a_field_of_another_kind_is_unknown():
    assert codes(parse_details("flight", {**MINIMAL["flight"], "fine_cny": 1})[1]) == [
        ("details.fine_cny", "unknown_field")
    ]


def test_missing_required_field_is_named():
    raw = dict(MINIMAL["accident"])
    del raw["summary"]
    details, problems = parse_details("accident", raw)
    assert details is None
    assert codes(problems) == [("details.summary", "required")]
    assert "details.summary" in problems[0].message_en


@pytest.mark.parametrize(
    ("kind", "fields", "field", "code"),
    [
        ("accident", {"declared_grade": "catastrophic"}, "details.declared_grade", "enum"),
        ("accident", {"summary": ""}, "details.summary", "constraint"),
        ("accident", {"deaths": "three"}, "details.deaths", "type"),
        ("penalty", {"execution": "done"}, "details.execution", "enum"),
        ("penalty", {"executed_on": "2025-02-30"}, "details.executed_on", "date"),
        ("major_hazard", {"five_in_place": ["measures", "luck"]}, "details.five_in_place[1]", "enum"),
        ("flight", {"type": "hid"}, "details.type", "enum"),
    ],
)
def test_invalid_values_are_named(kind, fields, field, code):
    p = problem(kind, **fields)
    assert (p.field, p.code) == (field, code)


def test_details_that_are_not_an_object():
    details, problems = parse_details("accident", ["deaths", 1])  # type: ignore[arg-type]
    assert details is None
    assert codes(problems) == [("details", "type")]


# ---- check_details: accidents -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("numbers", "declared"),
    [
        ({"deaths": 3}, "ordinary"),
        ({"deaths": 10}, "larger"),
        ({"deaths": 30}, "major"),
        ({"serious_injuries": 100}, "larger"),
        ({"direct_loss_cny": 50_000_000}, "larger"),
        ({"direct_loss_cny": 10_000_000}, "ordinary"),
    ],
)
def test_declared_grade_below_the_implied_grade(numbers, declared):
    problems = check_details(accident(declared_grade=declared, **numbers), OCCURRED, TODAY)
    assert codes(problems) == [("details.declared_grade", "below_implied_grade")]
    axis = next(iter(numbers))
    assert axis in problems[0].message_en
    assert "493" in problems[0].message_zh


@pytest.mark.parametrize(
    ("numbers", "declared"),
    [
        ({"deaths": 2}, "ordinary"),
        ({"deaths": 3}, "larger"),
        ({"deaths": 9}, "larger"),
        ({"deaths": 3}, "especially_major"),  # declaring higher than the numbers is allowed
        ({"direct_loss_cny": 99_999_999}, "major"),
        ({"deaths": 30}, "especially_major"),
        ({"deaths": 30}, None),
    ],
)
def test_declared_grade_at_or_above_the_implied_grade_is_sound(numbers, declared):
    assert check_details(accident(declared_grade=declared, **numbers), OCCURRED, TODAY) == []


# ---- check_details: penalties -----------------------------------------------------------------


@pytest.mark.parametrize("field", ["executed_on", "published_on"])
def test_penalty_dates_before_the_decision(field):
    details = penalty(execution="executed", **{field: OCCURRED - dt.timedelta(days=1)})
    assert codes(check_details(details, OCCURRED, TODAY)) == [(f"details.{field}", "before_occurrence")]


@pytest.mark.parametrize("field", ["executed_on", "published_on"])
def test_penalty_dates_after_today(field):
    details = penalty(execution="executed", **{field: TODAY + dt.timedelta(days=1)})
    assert codes(check_details(details, OCCURRED, TODAY)) == [(f"details.{field}", "future_date")]


@pytest.mark.parametrize("day", [OCCURRED, TODAY, D(2025, 5, 1)])
def test_penalty_dates_from_the_decision_to_today_are_sound(day):
    details = penalty(execution="executed", executed_on=day, published_on=day)
    assert check_details(details, OCCURRED, TODAY) == []


@pytest.mark.parametrize("execution", ["pending", "refused"])
def test_executed_on_needs_execution_executed(execution):
    details = penalty(execution=execution, executed_on=D(2025, 4, 1))
    problems = check_details(details, OCCURRED, TODAY)
    assert codes(problems) == [("details.executed_on", "not_executed")]


def test_executed_without_a_date_is_sound():
    assert check_details(penalty(execution="executed"), OCCURRED, TODAY) == []


def test_penalty_problems_accumulate():
    details = penalty(
        execution="pending", executed_on=TODAY + dt.timedelta(days=1), published_on=OCCURRED - dt.timedelta(days=1)
    )
    assert sorted(codes(check_details(details, OCCURRED, TODAY))) == [
        ("details.executed_on", "future_date"),
        ("details.executed_on", "not_executed"),
        ("details.published_on", "before_occurrence"),
    ]


# ---- check_details: major hazards -------------------------------------------------------------


def test_rectification_deadline_before_the_finding():
    details = hazard(rectification_deadline=OCCURRED - dt.timedelta(days=1))
    assert codes(check_details(details, OCCURRED, TODAY)) == [("details.rectification_deadline", "before_occurrence")]


def test_rectification_deadline_on_the_day_of_the_finding_or_in_the_future_is_sound():
    assert check_details(hazard(rectification_deadline=OCCURRED), OCCURRED, TODAY) == []
    assert check_details(hazard(rectification_deadline=TODAY + dt.timedelta(days=90)), OCCURRED, TODAY) == []


def test_rectified_with_all_five_in_place_is_sound():
    assert check_details(hazard(rectified_on=D(2025, 4, 1), five_in_place=ALL_FIVE), OCCURRED, TODAY) == []


@pytest.mark.parametrize("missing", ALL_FIVE)
def test_rectified_without_one_of_the_five(missing):
    five = [k for k in ALL_FIVE if k != missing]
    problems = check_details(hazard(rectified_on=D(2025, 4, 1), five_in_place=five), OCCURRED, TODAY)
    assert codes(problems) == [("details.five_in_place", "five_in_place_incomplete")]
    assert problems[0].message_en.endswith(f"missing: {missing}")


def test_rectified_with_none_of_the_five_names_all_missing():
    problems = check_details(hazard(rectified_on=D(2025, 4, 1)), OCCURRED, TODAY)
    assert codes(problems) == [("details.five_in_place", "five_in_place_incomplete")]
    assert all(k in problems[0].message_en for k in ALL_FIVE)


def test_five_in_place_incomplete_is_fine_until_rectified():
    assert check_details(hazard(five_in_place=["measures"]), OCCURRED, TODAY) == []


def test_rectified_on_before_the_finding_or_in_the_future():
    early = hazard(rectified_on=OCCURRED - dt.timedelta(days=1), five_in_place=ALL_FIVE)
    assert codes(check_details(early, OCCURRED, TODAY)) == [("details.rectified_on", "before_occurrence")]
    late = hazard(rectified_on=TODAY + dt.timedelta(days=1), five_in_place=ALL_FIVE)
    assert codes(check_details(late, OCCURRED, TODAY)) == [("details.rectified_on", "future_date")]


# ---- check_details: criminal liability, orders, other kinds -----------------------------------


def test_sentence_end_before_the_judgment():
    details = CriminalLiabilityDetails(
        **{**MINIMAL["criminal_liability"], "sentence_end_on": OCCURRED - dt.timedelta(days=1)}
    )
    assert codes(check_details(details, OCCURRED, TODAY)) == [("details.sentence_end_on", "before_occurrence")]


def test_sentence_end_may_be_ahead_of_today():
    details = CriminalLiabilityDetails(**{**MINIMAL["criminal_liability"], "sentence_end_on": D(2028, 3, 9)})
    assert check_details(details, OCCURRED, TODAY) == []


def test_order_until_before_the_decision():
    details = EnforcementOrderDetails(**{**MINIMAL["enforcement_order"], "until": OCCURRED - dt.timedelta(days=1)})
    assert codes(check_details(details, OCCURRED, TODAY)) == [("details.until", "before_occurrence")]


@pytest.mark.parametrize("kind", MINIMAL)
def test_minimal_details_of_every_kind_are_sound(kind):
    assert check_details(parsed(kind), OCCURRED, TODAY) == []


# ---- derived ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("details", "computed", "grade", "label"),
    [
        ({"deaths": 0, "serious_injuries": 0, "direct_loss_cny": 0}, "ordinary", "ordinary", "一般事故"),
        ({"deaths": 3, "serious_injuries": 0, "direct_loss_cny": 0}, "larger", "larger", "较大事故"),
        ({"deaths": "10", "serious_injuries": "0", "direct_loss_cny": "0"}, "major", "major", "重大事故"),
        (
            {"deaths": 0, "serious_injuries": 0, "direct_loss_cny": 100_000_000},
            "especially_major",
            "especially_major",
            "特别重大事故",
        ),
        # the investigation declared higher than the numbers: the declared grade applies
        (
            {"deaths": 0, "serious_injuries": 0, "direct_loss_cny": 0, "declared_grade": "major"},
            "ordinary",
            "major",
            "重大事故",
        ),
        # declared lower than the numbers: the numbers apply
        (
            {"deaths": 30, "serious_injuries": 0, "direct_loss_cny": 0, "declared_grade": "larger"},
            "especially_major",
            "especially_major",
            "特别重大事故",
        ),
        (
            {"deaths": 3, "serious_injuries": 0, "direct_loss_cny": 0, "declared_grade": "larger"},
            "larger",
            "larger",
            "较大事故",
        ),
        (
            {"deaths": 3, "serious_injuries": 0, "direct_loss_cny": 0, "declared_grade": None},
            "larger",
            "larger",
            "较大事故",
        ),
    ],
)
def test_derived_accident_grade(details, computed, grade, label):
    assert derived("accident", details) == {"computed_grade": computed, "grade": grade, "grade_label": label}


@pytest.mark.parametrize("kind", [k for k in MINIMAL if k != "accident"])
def test_nothing_is_derived_for_other_kinds(kind):
    assert derived(kind, MINIMAL[kind]) == {}

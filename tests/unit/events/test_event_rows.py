"""One CSV row -> one EventCreate-shaped dict: labels to codes, lists, booleans, columns per kind."""

import msgspec
import pytest

from registry.domain.events.kinds import parse_details
from registry.domain.events.schemas import EventCreate
from registry.domain.imports.events import row_to_event
from registry.errors import ValidationFailed

USCC = "91310115MA1K3BTP2B"
BASE = {"occurred_on": "2025-03-10", "source_document": "沪应急罚〔2025〕7号"}


def row(**values: str) -> dict[str, str]:
    return {**BASE, **values}


def details_of(**values: str) -> dict:
    event, _ = row_to_event(row(**values))
    return event["details"]


def not_for_kind(**values: str) -> list[tuple[str, str]]:
    with pytest.raises(ValidationFailed) as info:
        row_to_event(row(**values))
    return [(p.field, p.code) for p in info.value.problems]


def test_an_accident_row_in_full():
    event, id_number = row_to_event(
        row(
            kind="事故",
            subject_type="单位",
            uscc=USCC,
            deaths="3",
            serious_injuries="0",
            direct_loss_cny="1200000",
            responsible="是",
            summary="脚手架坍塌",
            division_code="310115",
            remarks="内部备注",
            links="12；15",
        )
    )
    assert id_number is None
    assert event == {
        "kind": "accident",
        "subject": {"type": "enterprise", "uscc": USCC},
        "occurred_on": "2025-03-10",
        "source_document": "沪应急罚〔2025〕7号",
        "details": {
            "deaths": "3",
            "serious_injuries": "0",
            "direct_loss_cny": "1200000",
            "responsible": True,
            "summary": "脚手架坍塌",
        },
        "division_code": "310115",
        "remarks": "内部备注",
        "links": ["12", "15"],
    }


@pytest.mark.parametrize(
    ("label", "kind"),
    [
        ("事故", "accident"),
        ("生产安全事故", "accident"),
        ("行政处罚", "penalty"),
        ("处罚", "penalty"),
        ("重大隐患", "major_hazard"),
        ("重大事故隐患", "major_hazard"),
        ("刑事责任", "criminal_liability"),
        ("被依法追究刑事责任", "criminal_liability"),
        ("瞒报、谎报、迟报事故", "reporting_violation"),
        ("accident", "accident"),
        ("flight", "flight"),
    ],
)
def test_kind_labels_map_to_codes(label, kind):
    event, _ = row_to_event(row(kind=label))
    assert event["kind"] == kind


@pytest.mark.parametrize(
    ("label", "subject_type"),
    [
        ("单位", "enterprise"),
        ("企业", "enterprise"),
        ("人员", "person"),
        ("中介机构", "agency"),
        ("person", "person"),
        ("agency", "agency"),
    ],
)
def test_subject_type_labels_map_to_codes(label, subject_type):
    event, _ = row_to_event(row(kind="行政处罚", subject_type=label))
    assert event["subject"] == {"type": subject_type}


def test_subject_type_defaults_to_enterprise():
    event, _ = row_to_event(row(kind="行政处罚", uscc=USCC))
    assert event["subject"] == {"type": "enterprise", "uscc": USCC}


def test_id_number_is_returned_beside_the_event_not_in_it():
    event, id_number = row_to_event(row(kind="刑事责任", subject_type="人员", id_number="11010519491231002X"))
    assert id_number == "11010519491231002X"
    assert event["subject"] == {"type": "person"}
    assert "11010519491231002X" not in repr(event)


def test_person_id_goes_into_the_subject():
    event, id_number = row_to_event(row(kind="flight", subject_type="人员", person_id="42"))
    assert event["subject"] == {"type": "person", "person_id": "42"}
    assert id_number is None


@pytest.mark.parametrize(
    ("cell", "items"),
    [
        ("measures;funds", ["measures", "funds"]),
        ("measures；funds；time_limit", ["measures", "funds", "time_limit"]),
        ("measures; funds ；time_limit", ["measures", "funds", "time_limit"]),
        ("measures;;funds;", ["measures", "funds"]),
        ("measures", ["measures"]),
    ],
)
def test_list_fields_split_on_either_semicolon(cell, items):
    assert details_of(kind="重大隐患", five_in_place=cell)["five_in_place"] == items
    assert details_of(kind="重大隐患", evidence=cell)["evidence"] == items


def test_links_split_on_either_semicolon():
    event, _ = row_to_event(row(kind="penalty", links="3;4；5"))
    assert event["links"] == ["3", "4", "5"]


@pytest.mark.parametrize(
    ("cell", "value"),
    [
        ("是", True),
        ("否", False),
        ("true", True),
        ("false", False),
        ("TRUE", True),
        ("False", False),
        ("1", True),
        ("0", False),
    ],
)
@pytest.mark.parametrize(
    ("kind", "field"),
    [("accident", "responsible"), ("penalty", "serious_circumstances"), ("intermediary_fraud", "serious")],
)
def test_booleans(kind, field, cell, value):
    assert details_of(kind=kind, **{field: cell})[field] is value


def test_numbers_that_look_like_booleans_stay_numbers():
    details = details_of(kind="accident", deaths="1", serious_injuries="0")
    assert (details["deaths"], details["serious_injuries"]) == ("1", "0")


def test_an_unrecognised_boolean_is_left_for_validation():
    assert details_of(kind="accident", responsible="也许")["responsible"] == "也许"


def test_a_column_of_another_kind_is_refused():
    assert not_for_kind(kind="事故", deaths="1", fine_cny="5000") == [("fine_cny", "not_for_kind")]


def test_every_column_of_another_kind_is_reported():
    problems = not_for_kind(kind="行政处罚", fine_cny="5000", deaths="1", rectified_on="2025-04-01", court="某法院")
    assert sorted(problems) == [
        ("court", "not_for_kind"),
        ("deaths", "not_for_kind"),
        ("rectified_on", "not_for_kind"),
    ]


def test_not_for_kind_message_names_column_and_kind():
    with pytest.raises(ValidationFailed) as info:
        row_to_event(row(kind="flight", description="逃匿", fine_cny="1"))
    problem = info.value.problems[0]
    assert "fine_cny" in problem.message_en
    assert "flight" in problem.message_en


def test_optional_common_fields_are_absent_when_not_in_the_row():
    event, _ = row_to_event(row(kind="penalty"))
    assert set(event) == {"kind", "subject", "occurred_on", "source_document", "details"}
    assert event["details"] == {}


def test_recording_authority_is_carried():
    event, _ = row_to_event(row(kind="penalty", recording_authority="310000"))
    assert event["recording_authority"] == "310000"


def test_a_penalty_row_converts_to_an_event_with_valid_details():
    event, _ = row_to_event(
        row(
            kind="行政处罚",
            subject_type="单位",
            uscc=USCC,
            decision_no="沪应急罚〔2025〕7号",
            legal_basis="安全生产法第一百零一条",
            fine_cny="50000",
            art114_multiplier="2",
            execution="executed",
            executed_on="2025-04-01",
            serious_circumstances="否",
            links="1；2",
        )
    )
    create = msgspec.convert(event, EventCreate, strict=False)
    assert create.kind == "penalty"
    assert create.links == [1, 2]
    details, problems = parse_details(create.kind, create.details)
    assert problems == []
    assert details.fine_cny == 50_000
    assert details.art114_multiplier == 2.0
    assert details.serious_circumstances is False


def test_a_hazard_row_converts_to_valid_details():
    event, _ = row_to_event(
        row(
            kind="重大隐患",
            uscc=USCC,
            description="未设置安全设施",
            rectification_deadline="2025-04-10",
            five_in_place="measures；responsibility；funds；time_limit；contingency_plan",
        )
    )
    details, problems = parse_details(event["kind"], event["details"])
    assert problems == []
    assert details.five_in_place == ["measures", "responsibility", "funds", "time_limit", "contingency_plan"]

"""The event taxonomy: for each kind, the details it carries and the subjects it may name.

The details of a kind are a msgspec Struct (wire names = stored names); ``check_details`` adds the
rules a type cannot say (dates in order, nothing in the future, an accident grade not below its
numbers). Kinds and their values are a wire contract: add, never rename.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Final, Literal

import msgspec
from msgspec import Meta, Struct

from registry.domain.events.accidents import GRADES, LABELS, axes_reaching, grade_of, rank
from registry.domain.wire import Ref, Text, translate
from registry.errors import FieldProblem
from registry.rules.facts import AccidentGrade, CreditClass
from registry.rules.facts import EventKind as RulesEventKind  # one definition: what the rules read

#: the kinds the rules read, and the credit repair of a penalty (信用修复): a step the bureau
#: records on a penalty, which the facts builder folds into that penalty (``repaired_on``)
EventKind = Literal[RulesEventKind, "credit_repair"]

SubjectType = Literal["enterprise", "person", "agency"]

KINDS: Final[dict[str, str]] = {
    "accident": "生产安全事故",
    "penalty": "行政处罚",
    "major_hazard": "重大事故隐患",
    "reporting_violation": "瞒报、谎报、迟报事故",
    "licence_violation": "无证或许可暂扣吊销期间生产经营",
    "intermediary_fraud": "中介机构租借资质、挂靠、出具虚假报告",
    "obstruction": "逃避、对抗监管或妨碍事故调查",
    "flight": "主要负责人不组织抢救、擅离职守或逃匿",
    "criminal_liability": "被依法追究刑事责任",
    "dismissal": "因生产安全事故受到撤职处分",
    "enforcement_order": "停产整顿、关闭取缔、上限处罚、责任追究",
    "credit_repair": "行政处罚信息信用修复（终止公示）",
}

#: who an event of each kind may be about
SUBJECTS: Final[dict[str, tuple[str, ...]]] = {
    "accident": ("enterprise", "agency"),
    "penalty": ("enterprise", "person", "agency"),
    "major_hazard": ("enterprise",),
    "reporting_violation": ("enterprise", "person"),
    "licence_violation": ("enterprise",),
    "intermediary_fraud": ("agency", "person"),
    "obstruction": ("enterprise", "person"),
    "flight": ("person",),
    "criminal_liability": ("person",),
    "dismissal": ("person",),
    "enforcement_order": ("enterprise", "person"),
    "credit_repair": ("enterprise", "person", "agency"),
}

Count = Annotated[int, Meta(ge=0, le=1_000_000)]
Money = Annotated[int, Meta(ge=0, le=10**13)]
# free text and document references: no control characters (registry.domain.wire)
FIVE_IN_PLACE: Final = {
    "measures": "整改措施到位",
    "responsibility": "责任到位",
    "funds": "资金到位",
    "time_limit": "时限到位",
    "contingency_plan": "应急预案到位",
}
FiveInPlace = Literal["measures", "responsibility", "funds", "time_limit", "contingency_plan"]


class AccidentDetails(Struct, forbid_unknown_fields=True):
    deaths: Count
    serious_injuries: Count
    #: 直接经济损失, whole yuan
    direct_loss_cny: Money
    #: 责任事故 (an accident someone is found responsible for)
    responsible: bool
    summary: Text
    investigation_report_ref: Ref | None = None
    #: the grade the investigation declared, when it did; kept beside the computed one
    declared_grade: AccidentGrade | None = None
    #: recorded for an agency: the investigation found it bore **major** responsibility for the
    #: accident (对事故发生负有重大责任). No statute bans it for that; the rules flag it for the
    #: bureau's review only (DOMAIN 8.1)
    major_responsibility: bool = False


class PenaltyDetails(Struct, forbid_unknown_fields=True):
    decision_no: Ref
    #: 违法事实和处罚依据 (e.g. 《安全生产法》第一百一十四条第一款第一项)
    legal_basis: Text
    fine_cny: Money
    #: 安全生产法 art. 114 "二倍以上五倍以下": the multiple applied, when art. 114 para 2 was used
    art114_multiplier: Annotated[float, Meta(ge=1, le=5)] | None = None
    #: division code of the deciding authority; defaults to the recording authority
    deciding_authority: str | None = None
    execution: Literal["pending", "executed", "refused"] = "pending"
    executed_on: dt.date | None = None
    #: 公示日期 (安全生产法 art. 78: within 7 working days of the decision)
    published_on: dt.date | None = None
    #: 性质恶劣、情节严重, as found by the deciding bureau (部令11号 case 9, a manual finding)
    serious_circumstances: bool = False
    #: 失信信息类别 the deciding bureau found: minor 轻微, general 一般, serious 严重 (国办发〔2025〕22号
    #: point 二); it sets the publicity term of a decision from 2026-04-01 (and 527号's before
    #: 2023-05-01). Not recorded: the rules take 一般 [R] (严重 behind a 部令11号 listing)
    credit_class: CreditClass | None = None
    #: the penalty suspended (暂扣) or revoked (吊销) the safety-production licence (2015 rule case 4)
    licence_action: Literal["suspended", "revoked"] | None = None


class MajorHazardDetails(Struct, forbid_unknown_fields=True):
    description: Text
    rectification_deadline: dt.date
    rectified_on: dt.date | None = None
    #: 五到位: which of measures, responsibility, funds, time limit, contingency plan are in place
    five_in_place: list[FiveInPlace] = msgspec.field(default_factory=list)
    evidence: list[Ref] = msgspec.field(default_factory=list)
    order_no: Ref | None = None
    #: not rectified in time, the unit still organised its workers to work at risk
    #: (仍组织从业人员冒险作业: 49号 art. 2 item 3 needs this finding, DOMAIN 8.8)
    risky_work: bool = False


class ReportingViolationDetails(Struct, forbid_unknown_fields=True):
    type: Literal["concealment", "false_report", "late_report"]
    description: Text


class LicenceViolationDetails(Struct, forbid_unknown_fields=True):
    #: facilities_unaccepted: a construction project's safety facilities used before they passed
    #: acceptance (建设项目安全设施未经验收合格即投入生产和使用, 49号 art. 2 item 7)
    type: Literal["no_licence", "while_suspended", "while_revoked", "facilities_unaccepted"]
    description: Text
    licence: Ref | None = None


class IntermediaryFraudDetails(Struct, forbid_unknown_fields=True):
    type: Literal["renting_qualification", "affiliation", "false_report", "false_certificate"]
    description: Text
    #: 情节严重 (安全生产法 art. 92 para 3: lifetime ban instead of 5 years)
    serious: bool = False
    report_ref: Ref | None = None


class ObstructionDetails(Struct, forbid_unknown_fields=True):
    type: Literal[
        "evading_supervision",
        "resisting_supervision",
        "destroying_scene",
        "forging_evidence",
        "obstructing_investigation",
        # 被责令停产停业整顿，仍然从事生产经营建设活动 (49号 art. 2 item 5)
        "defying_suspension_order",
    ]
    description: Text


class FlightDetails(Struct, forbid_unknown_fields=True):
    type: Literal["no_rescue", "left_post", "fled"]
    description: Text


class CriminalLiabilityDetails(Struct, forbid_unknown_fields=True):
    judgment_no: Ref
    court: Ref
    offence: Ref
    sentence: Ref
    #: 刑罚执行完毕之日: the 5-year occupational ban runs from here (安全生产法 art. 94); may be ahead
    sentence_end_on: dt.date | None = None


class DismissalDetails(Struct, forbid_unknown_fields=True):
    """撤职处分 of a person for an accident (安全生产法 art. 94 para 3): like a criminal penalty, it
    bars a 主要负责人 for 5 years from the day of the sanction (the event's ``occurred_on``), for
    life in the same industry after a 重大/特别重大 accident. Link the accident."""

    #: 处分决定书 number
    decision_no: Ref
    #: the organ that imposed it (任免机关、监察机关 ...)
    decided_by: Ref
    description: Text | None = None


class EnforcementOrderDetails(Struct, forbid_unknown_fields=True):
    type: Literal["suspension_for_rectification", "closure", "maximum_penalty", "accountability"]
    order_no: Ref
    description: Text
    until: dt.date | None = None


class CreditRepairDetails(Struct, forbid_unknown_fields=True):
    """The bureau's decision to end the publication of a penalty (信用修复, 令36 art. 3): it links
    exactly the one penalty repaired; its ``occurred_on`` is the day of the decision."""

    #: 信用修复决定书 number
    decision_no: Ref
    #: the basis the bureau cites (e.g. 《信用修复管理办法》第三条)
    legal_basis: Text
    #: the day the application was received (via 信用中国 or the bureau)
    applied_on: dt.date | None = None
    #: 信用承诺书 given with the application [C-2]
    commitment_ref: Ref | None = None


DETAILS: Final[dict[str, type[Struct]]] = {
    "accident": AccidentDetails,
    "penalty": PenaltyDetails,
    "major_hazard": MajorHazardDetails,
    "reporting_violation": ReportingViolationDetails,
    "licence_violation": LicenceViolationDetails,
    "intermediary_fraud": IntermediaryFraudDetails,
    "obstruction": ObstructionDetails,
    "flight": FlightDetails,
    "criminal_liability": CriminalLiabilityDetails,
    "dismissal": DismissalDetails,
    "enforcement_order": EnforcementOrderDetails,
    "credit_repair": CreditRepairDetails,
}


def parse_details(kind: str, raw: dict[str, Any]) -> tuple[Struct | None, list[FieldProblem]]:
    """The details as the kind's Struct, or the problems (fields named ``details.<field>``)."""
    try:
        return msgspec.convert(raw, DETAILS[kind], strict=False), []
    except msgspec.ValidationError as exc:
        problem = translate(str(exc))
        field = problem.field if problem.field != "(body)" else ""
        name = f"details.{field}" if field else "details"
        return None, [
            FieldProblem(
                name,
                problem.code,
                problem.message_zh.replace(problem.field, name),
                problem.message_en.replace(problem.field, name),
            )
        ]


def _not_after(field: str, day: dt.date | None, limit: dt.date, problems: list[FieldProblem]) -> None:
    if day is not None and day > limit:
        problems.append(
            FieldProblem(field, "future_date", f"{field} 不能晚于今天 {limit}", f"{field} is after today ({limit})")
        )


def _not_before(field: str, day: dt.date | None, start: dt.date, what: str, problems: list[FieldProblem]) -> None:
    if day is not None and day < start:
        problems.append(
            FieldProblem(
                field,
                "before_occurrence",
                f"{field} 早于{what} {start}",
                f"{field} is before the event's date {start}",
            )
        )


def check_details(details: Struct, occurred_on: dt.date, today: dt.date) -> list[FieldProblem]:
    """Rules across fields and against the calendar; empty when the details are sound."""
    problems: list[FieldProblem] = []
    if isinstance(details, AccidentDetails):
        implied = grade_of(details.deaths, details.serious_injuries, details.direct_loss_cny)
        if details.declared_grade is not None and rank(details.declared_grade) < rank(implied):
            axes = ", ".join(axes_reaching(implied, details.deaths, details.serious_injuries, details.direct_loss_cny))
            problems.append(
                FieldProblem(
                    "details.declared_grade",
                    "below_implied_grade",
                    f"认定等级{LABELS[details.declared_grade]}低于伤亡和损失数字对应的{LABELS[implied]}"
                    "（国务院令第493号第三条）",
                    f"declared grade {details.declared_grade} is below {implied}, which {axes} imply "
                    "(State Council Decree 493 art. 3)",
                )
            )
    elif isinstance(details, PenaltyDetails):
        for name, day in (("executed_on", details.executed_on), ("published_on", details.published_on)):
            _not_before(f"details.{name}", day, occurred_on, "处罚决定日期", problems)
            _not_after(f"details.{name}", day, today, problems)
        if details.executed_on is not None and details.execution != "executed":
            problems.append(
                FieldProblem(
                    "details.executed_on",
                    "not_executed",
                    "只有已执行的处罚才有执行日期",
                    "executed_on is only allowed when execution is executed",
                )
            )
    elif isinstance(details, MajorHazardDetails):
        _not_before("details.rectification_deadline", details.rectification_deadline, occurred_on, "发现日期", problems)
        _not_before("details.rectified_on", details.rectified_on, occurred_on, "发现日期", problems)
        _not_after("details.rectified_on", details.rectified_on, today, problems)
        missing = [k for k in FIVE_IN_PLACE if k not in details.five_in_place]
        if details.rectified_on is not None and missing:
            problems.append(
                FieldProblem(
                    "details.five_in_place",
                    "five_in_place_incomplete",
                    "整改完成须五到位，缺少：" + "、".join(FIVE_IN_PLACE[k] for k in missing),
                    "a rectified hazard needs all five in place; missing: " + ", ".join(missing),
                )
            )
    elif isinstance(details, CriminalLiabilityDetails):
        _not_before("details.sentence_end_on", details.sentence_end_on, occurred_on, "判决日期", problems)
    elif isinstance(details, EnforcementOrderDetails):
        _not_before("details.until", details.until, occurred_on, "决定日期", problems)
    elif isinstance(details, CreditRepairDetails) and (details.applied_on or occurred_on) > occurred_on:
        problems.append(
            FieldProblem(
                "details.applied_on",
                "after_decision",
                f"申请日期晚于修复决定日期 {occurred_on}",
                f"details.applied_on is after the repair decision ({occurred_on})",
            )
        )
    return problems


def derived(kind: str, details: dict[str, Any]) -> dict[str, Any]:
    """What the registry computes from the details (shown beside them, never typed in)."""
    if kind != "accident":
        return {}
    computed = grade_of(int(details["deaths"]), int(details["serious_injuries"]), int(details["direct_loss_cny"]))
    declared = details.get("declared_grade")
    grade = declared if declared is not None and rank(declared) > rank(computed) else computed
    return {"computed_grade": computed, "grade": grade, "grade_label": LABELS[grade]}


def catalogue() -> list[dict[str, Any]]:
    """Each kind with its label, the subjects it may name and the JSON Schema of its details."""
    return [
        {
            "kind": kind,
            "label": label,
            "subjects": list(SUBJECTS[kind]),
            "details_schema": msgspec.json.schema(DETAILS[kind]),
        }
        for kind, label in KINDS.items()
    ]


__all__ = ["DETAILS", "GRADES", "KINDS", "SUBJECTS", "EventKind", "SubjectType", "check_details", "parse_details"]

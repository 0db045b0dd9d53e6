"""The facts a ruleset reads about one subject, as plain values (no ids of tables, no I/O).

The facts builder in ``registry.domain.rules`` fills these from the effective (not superseded,
not withdrawn) credit events, grades, listings and roles; golden cases and what-if requests write
them directly. Every field is a wire value: dates ISO 8601, codes as in DESIGN section 6.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from msgspec import Struct, field

EventKind = Literal[
    "accident",
    "penalty",
    "major_hazard",
    "reporting_violation",
    "licence_violation",
    "intermediary_fraud",
    "obstruction",
    "flight",
    "criminal_liability",
    # 撤职处分 of a person for an accident (安全生产法 art. 94 para 3: the other route to the ban)
    "dismissal",
    "enforcement_order",
]
AccidentGrade = Literal["ordinary", "larger", "major", "especially_major"]
#: 失信信息类别 of a penalty (国办发〔2025〕22号 point 二): 轻微 minor, 一般 general, 严重 serious, as found
#: by the deciding bureau (DOMAIN 8.10)
CreditClass = Literal["minor", "general", "serious"]
SubjectType = Literal["enterprise", "agency", "person"]


class Subject(Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    type: SubjectType = "enterprise"
    #: USCC of a unit, registry id of a person
    id: str | None = None
    name: str | None = None
    industry: str | None = None
    scale: str | None = None
    division_code: str | None = None
    #: 上级公司: the unit notified under the second "always"
    parent_uscc: str | None = None


class Event(Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One effective credit event; the fields a kind does not use stay at their defaults."""

    id: int
    kind: EventKind
    #: the fact's own date: accident, penalty decision, hazard found, judgment, order
    occurred_on: dt.date
    #: events this one belongs with, either direction (the penalty for an accident)
    links: tuple[int, ...] = ()
    #: the sub-type of reporting, licence, fraud, obstruction, flight and enforcement events
    type: str | None = None
    #: accident: the effective grade (declared when higher, else computed; 国务院令第493号)
    grade: AccidentGrade | None = None
    deaths: int = 0
    serious_injuries: int = 0
    #: accident: 直接经济损失 in whole yuan, as the stored accident's ``direct_loss_cny`` (a
    #: what-if accident without a grade is graded on it too, 国务院令第493号 art. 3)
    direct_loss_cny: int = 0
    #: accident: 责任事故
    responsible: bool = True
    #: accident: the bureau recorded that the subject (an agency) bore **major** responsibility
    #: for it (对事故发生负有重大责任; DOMAIN 8.1: a review flag at most, never a ban)
    major_responsibility: bool = False
    #: penalty: 安全生产法 art. 114 multiple (2-5 for 情节特别严重、影响特别恶劣)
    multiplier: float | None = None
    #: penalty: the 安全生产法 articles its legal basis cites (the facts builder reads them from
    #: the recorded ``legal_basis``; 部令11号 case 3 needs art. 114)
    articles: tuple[int, ...] = ()
    execution: Literal["pending", "executed", "refused"] | None = None
    #: penalty: it suspended or revoked the unit's safety-production licence (暂扣、吊销安全生产
    #: 许可证; the 2015 rule's case 4 is triggered by that itself, DOMAIN 8.8)
    licence_action: Literal["suspended", "revoked"] | None = None
    #: penalty: 性质恶劣、情节严重 found by the bureau; intermediary fraud: 情节严重 (art. 92)
    serious: bool = False
    #: penalty: division code of the deciding authority (谁处罚、谁决定)
    deciding_authority: str | None = None
    #: penalty: the class of the information (轻微/一般/严重) as the deciding bureau found it; None
    #: when not recorded (the publicity rules then take 一般 [R], or 严重 behind a 部令11号 listing)
    credit_class: CreditClass | None = None
    #: penalty: the day its publication was ended by credit repair (信用修复, 令36 art. 3); the
    #: facts builder reads it from the bureau's recorded repair step
    repaired_on: dt.date | None = None
    #: major hazard: rectification deadline and the day it was rectified
    deadline: dt.date | None = None
    rectified_on: dt.date | None = None
    #: major hazard: the bureau recorded that the unit, not rectifying in time, still organised
    #: its workers to work at risk (仍组织从业人员冒险作业; 49号 art. 2 item 3 needs it, DOMAIN 8.8)
    risky_work: bool = False
    #: criminal liability: the day the sentence ends (the 5-year ban runs from it)
    sentence_end_on: dt.date | None = None
    #: criminal liability and dismissal: the grade of the accident the judgment or sanction
    #: concerns, when that accident belongs to another subject (the unit); the facts builder
    #: resolves it from the links
    accident_grade: AccidentGrade | None = None
    #: criminal liability, dismissal and flight: the day of the linked accident and the USCC of its unit (the
    #: person's role is checked in that unit, on the day of the conduct: 安全生产法 art. 94 para 3,
    #: 部令11号 case 5); the facts builder resolves them from the links
    accident_on: dt.date | None = None
    accident_unit: str | None = None
    #: enforcement order: in force until
    until: dt.date | None = None


class Grade(Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    id: int
    level: Literal[1, 2, 3]
    #: as stored: applied, reviewed, audited, suspended, rejected, withdrawn, valid, expired,
    #: revoked, superseded
    status: str
    applied_on: dt.date | None = None
    announced_on: dt.date | None = None
    valid_until: dt.date | None = None
    #: the day a valid grade ended early (revoked, superseded)
    ended_on: dt.date | None = None


class Listing(Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A listing decision in force or ended (recorded from step 4 on; hypothetical in what-ifs)."""

    list_type: str
    listed_on: dt.date
    until: dt.date | None = None
    removed_on: dt.date | None = None
    id: int | None = None
    criterion: str | None = None
    #: the credit events (the penalty decisions) the listing rests on: early removal judges each
    #: listing on its own penalty (DOMAIN 8.6)
    evidence: tuple[int, ...] = ()


class Role(Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A role in a unit (法定代表人, 主要负责人 ...): in a unit's facts, the persons holding roles in
    it; in a person's facts, the roles that person holds or held, each naming its ``unit``."""

    person_id: int
    role: str
    name: str | None = None
    #: USCC of the unit the role is in (a person's facts name it; a unit's may leave it out)
    unit: str | None = None
    since: dt.date | None = None
    until: dt.date | None = None


class Insurance(Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    #: 工伤保险行业风险类别 1-8 (人社部发〔2015〕71号)
    work_injury_class: int | None = None


class Facts(Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    subject: Subject = field(default_factory=Subject)
    events: tuple[Event, ...] = ()
    grades: tuple[Grade, ...] = ()
    listings: tuple[Listing, ...] = ()
    roles: tuple[Role, ...] = ()
    insurance: Insurance = field(default_factory=Insurance)

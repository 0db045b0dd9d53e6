"""Wire shapes of the grade lifecycle. Every action carries the ``version`` it was read at."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta, Struct

from registry.domain.grades.workflow import RevocationReason
from registry.domain.wire import Ref, RowId, ShortRef, Text

Score = Annotated[float, Meta(ge=0, le=100)]

Version = Annotated[int, Meta(ge=1)]


class GradeApply(Struct, forbid_unknown_fields=True):
    """自评 and 申请 together: the application carries the self-assessment it rests on."""

    level: Literal[1, 2, 3]
    #: scoring scheme (thresholds): see GET /api/v1/grading/schemes
    scheme: str
    #: the industry grading standard and its version (e.g. 机械制造企业安全生产标准化评定标准 2021版)
    standard: Ref
    self_score: Score
    self_assessed_on: dt.date
    applied_on: dt.date
    #: 复评: the grade this application renews (in the 3 months before it expires)
    renewal_of: RowId | None = None


class GradeReview(Struct, forbid_unknown_fields=True):
    """评审 by a review agency, or 审查 by the bureau itself (no reviewer)."""

    version: Version
    on: dt.date
    passed: bool
    score: Score | None = None
    reviewer_uscc: str | None = None
    report_ref: Ref | None = None
    remarks: Text | None = None


class GradeAudit(Struct, forbid_unknown_fields=True):
    version: Version
    on: dt.date
    passed: bool
    remarks: Text | None = None


class GradeAnnounce(Struct, forbid_unknown_fields=True):
    version: Version
    on: dt.date
    announcement_no: ShortRef


class GradeCertificate(Struct, forbid_unknown_fields=True):
    version: Version
    on: dt.date
    certificate_no: ShortRef


class AnnualCheck(Struct, forbid_unknown_fields=True):
    """年度自评 reported by the enterprise, or 年度核查 by the bureau."""

    version: Version
    on: dt.date
    kind: Literal["self_assessment", "inspection"]
    result: Literal["pass", "findings"]
    findings: Text | None = None
    rectification_deadline: dt.date | None = None
    report_ref: Ref | None = None


class Rectification(Struct, forbid_unknown_fields=True):
    version: Version
    on: dt.date
    evidence: Text


class Revocation(Struct, forbid_unknown_fields=True):
    version: Version
    on: dt.date
    reason: RevocationReason
    decision_no: Ref
    #: the credit events the revocation rests on (required for fatal_accident, major_hazard_unrectified)
    event_ids: list[RowId] = msgspec.field(default_factory=list)
    remarks: Text | None = None


class StatusChange(Struct, forbid_unknown_fields=True):
    """suspend (while the enterprise is listed), resume, withdraw."""

    version: Version
    on: dt.date
    reason: Text
    reference: Ref | None = None


class AuthorityRef(Struct):
    division_code: str
    name: str
    level: str


class Step(Struct):
    id: int
    step: str
    on: dt.date
    data: dict[str, Any]
    status_after: str
    authority: str | None
    actor: str
    recorded_at: dt.datetime


class RenewalWindow(Struct):
    opens_on: dt.date
    closes_on: dt.date


class Grade(Struct):
    id: int
    uscc: str
    level: int
    level_label: str
    scheme: str
    scheme_verified: bool
    standard: str
    procedure: str
    grading_authority: AuthorityRef
    status: str
    status_label: str
    self_score: float
    self_assessed_on: dt.date
    applied_on: dt.date
    review_score: float | None
    reviewed_on: dt.date | None
    reviewer_uscc: str | None
    announcement_no: str | None
    announced_on: dt.date | None
    valid_until: dt.date | None
    renewal_window: RenewalWindow | None
    certificate_no: str | None
    renewal_of: int | None
    superseded_by: int | None
    ended_on: dt.date | None
    revocation_reason: str | None
    findings_deadline: dt.date | None
    #: application conditions of an unverified scheme that the accident record does not meet,
    #: for the grading authority to weigh (a verified scheme refuses such an application)
    warnings: list[dict[str, Any]]
    version: int
    steps: list[Step]


class EnterpriseGrades(Struct):
    uscc: str
    #: the one grade in force today, if any
    current: Grade | None
    #: every grade, newest first (history is never dropped)
    grades: list[Grade]


class SchemeInfo(Struct):
    code: str
    title: str
    effective_from: dt.date
    effective_to: dt.date | None
    verified: bool
    source: str
    thresholds: dict[int, float]


#: the body of each grade action (the API routes and the demo read this one table)
ACTION_BODIES: dict[str, type[Struct]] = {
    "review": GradeReview,
    "audit": GradeAudit,
    "announce": GradeAnnounce,
    "certificate": GradeCertificate,
    "annual_check": AnnualCheck,
    "rectify": Rectification,
    "revoke": Revocation,
    "suspend": StatusChange,
    "resume": StatusChange,
    "withdraw": StatusChange,
}

"""Wire shapes of the listing workflow: one request body per action, one answer (``Listing``)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from msgspec import Meta, Struct, field

Text = Annotated[str, Meta(min_length=1, max_length=4000)]
DocNo = Annotated[str, Meta(min_length=1, max_length=100)]
Version = Annotated[int, Meta(ge=1)]


class SubjectRef(Struct, kw_only=True, forbid_unknown_fields=True):
    """A unit (enterprise or intermediary agency) by USCC, or a person by registry id."""

    uscc: str | None = None
    person_id: int | None = None


class ListingPropose(Struct, kw_only=True, forbid_unknown_fields=True):
    subject: SubjectRef
    #: "rules": the listing a rule decision on the stored facts orders (cited); "manual": case 9
    source: Literal["rules", "manual"] = "rules"
    list_type: str = "SERIOUS_DISHONEST_2023"
    #: a person named in a unit's rule decision (主要负责人 ...): the unit whose decision names them
    via_uscc: str | None = None
    #: a unit's proposal also proposes, one listing each, the persons its decision names
    with_persons: bool = True
    #: manual: the penalty the listing rests on (every listing needs one, 11号 art. 3)
    penalty_event_id: int | None = None
    #: manual: the case (11-8 or 11-9: the bureau's own finding, DOMAIN 8.5)
    criterion: str | None = None
    #: the written reasons (required for manual proposals)
    reasons: Annotated[str, Meta(max_length=4000)] | None = None


class Document(Struct, kw_only=True, forbid_unknown_fields=True):
    title: Annotated[str, Meta(min_length=1, max_length=200)]
    reference: Annotated[str, Meta(max_length=200)] | None = None


class Notify(Struct, kw_only=True, forbid_unknown_fields=True):
    version: Version
    notice_no: DocNo
    #: the day the notice was served (送达); today when omitted
    served_on: dt.date | None = None
    #: the statement period in days (default from settings)
    statement_days: Annotated[int, Meta(ge=1, le=60)] | None = None


class Statement(Struct, kw_only=True, forbid_unknown_fields=True):
    version: Version
    statement: Text
    answer: Text
    #: the bureau accepts the statement: the proposal is dropped
    accepted: bool = False
    received_on: dt.date | None = None


class Objection(Struct, kw_only=True, forbid_unknown_fields=True):
    version: Version
    grounds: Text
    received_on: dt.date | None = None


class ObjectionResolution(Struct, kw_only=True, forbid_unknown_fields=True):
    version: Version
    #: the objection is upheld: the proposal is dropped, or the listing removed as a correction
    upheld: bool
    answer: Text


class Approve(Struct, kw_only=True, forbid_unknown_fields=True):
    version: Version
    #: the written decision's number (列入决定书文号): required to decide a listing
    decision_no: DocNo | None = None
    #: the day the listing takes effect (the decision day when omitted; never before it)
    effective_on: dt.date | None = None
    #: refuse instead: the proposal is dropped, or the pending decision discarded
    reject: bool = False
    reason: Annotated[str, Meta(max_length=4000)] | None = None


class Publish(Struct, kw_only=True, forbid_unknown_fields=True):
    version: Version
    channels: Annotated[list[str], Meta(min_length=1, max_length=8)]
    published_on: dt.date | None = None


class RepairApply(Struct, kw_only=True, forbid_unknown_fields=True):
    version: Version
    #: the applicant's commitment (信用承诺) and account of the consequences removed
    commitment: Text
    evidence: Annotated[list[Document], Meta(min_length=1, max_length=50)]
    applied_on: dt.date | None = None


class RepairDecision(Struct, kw_only=True, forbid_unknown_fields=True):
    version: Version
    granted: bool
    reason: Text


class RepairRevocation(Struct, kw_only=True, forbid_unknown_fields=True):
    version: Version
    #: 隐瞒真实情况、弄虚作假: what was found
    reason: Text
    evidence: Annotated[list[Document], Meta(min_length=1, max_length=50)]


class Removal(Struct, kw_only=True, forbid_unknown_fields=True):
    version: Version
    type: Literal["court", "review", "expiry_on_application"]
    #: the judgment, review decision or application it rests on
    document_no: DocNo
    reason: Text


ACTION_BODIES: dict[str, type[Any]] = {
    "notify": Notify,
    "statement": Statement,
    "object": Objection,
    "resolve_objection": ObjectionResolution,
    "approve": Approve,
    "publish": Publish,
    "apply_repair": RepairApply,
    "decide_repair": RepairDecision,
    "revoke_repair": RepairRevocation,
    "remove": Removal,
}


# ---- answers ----------------------------------------------------------------------------------


class Subject(Struct, kw_only=True):
    type: str
    uscc: str | None = None
    person_id: int | None = None
    name: str
    #: persons: the masked id number
    id_masked: str | None = None


class AuthorityRef(Struct, kw_only=True):
    id: int
    name: str
    level: str
    division_code: str


class Notice(Struct, kw_only=True):
    notice_no: str | None
    served_on: dt.date | None
    statement_deadline: dt.date | None
    statement_answered: bool


class DecisionInfo(Struct, kw_only=True):
    decision_no: str | None
    decided_on: dt.date | None
    approved_by: str | None
    effective_on: dt.date | None
    #: the last day of the term (null: for life, or not decided)
    expires_on: dt.date | None


class Pending(Struct, kw_only=True):
    action: str
    by: str
    data: dict[str, Any]


class RemovalInfo(Struct, kw_only=True):
    type: str
    label: str
    removed_on: dt.date


class RepairInfo(Struct, kw_only=True):
    id: int
    applied_on: dt.date
    status: str
    commitment: str
    evidence: list[dict[str, Any]]
    checks: list[dict[str, Any]]
    decided_on: dt.date | None
    decided_by: str | None
    decision_reason: str | None
    revoked_on: dt.date | None
    revocation_reason: str | None


class Step(Struct, kw_only=True):
    step: str
    on: dt.date
    status_after: str
    actor: str
    recorded_at: dt.datetime
    data: dict[str, Any]


class Listing(Struct, kw_only=True):
    id: int
    list_type: str
    list_type_title: str
    criteria: list[str]
    subject: Subject
    division_code: str
    deciding_authority: AuthorityRef
    status: str
    status_label: str
    #: in force today: listed, effective and not past its term
    in_force: bool
    source: str
    reasons: str | None
    basis: list[dict[str, Any]]
    because: list[dict[str, Any]]
    evidence: list[int]
    term_months: int | None
    lifetime: bool
    proposed_by: str
    proposed_on: dt.date
    notice: Notice
    objection_pending: bool
    pending: Pending | None
    decision: DecisionInfo
    published_on: dt.date | None
    published_channels: list[str]
    removal: RemovalInfo | None
    #: the first day early removal may be applied for (repairable list types, once listed)
    repair_opens_on: dt.date | None
    related_listing_id: int | None
    #: the repair notice served with the decision (信用修复告知书, 两书同达, DOMAIN 8.10): the term,
    #: the first day to apply for early removal, where, and the conditions; in the detail answer of a
    #: decided listing of a repairable list type, else null
    repair_notice: dict[str, Any] | None = None
    #: listings proposed with this one (the persons a unit's decision names)
    related: list[int] = field(default_factory=list)
    repair_applications: list[RepairInfo] = field(default_factory=list)
    #: every step, oldest first (the detail answer; empty in lists)
    history: list[Step] = field(default_factory=list)
    version: int


class ListingPage(Struct, kw_only=True):
    items: list[Listing]
    next_cursor: str | None


class Proposed(Struct, kw_only=True):
    """A proposal's answer: the listing, and those proposed with it (the persons named)."""

    listing: Listing
    related: list[Listing]
    #: open listings of persons the decision names, proposed or listed before (through another unit)
    already_open: list[int] = field(default_factory=list)

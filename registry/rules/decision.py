"""What an evaluation returns: outcomes grouped by kind, each explained.

Every outcome carries the rule(s) that ordered it (ruleset id, version and hash, rule id), the
fact values that fired it, its legal bases with their confirmation tags, and its dates. Dates:
``start`` is the day the term runs from, ``until`` the last day it applies (a period counted as
民法典 art. 201 [R] has it: the first day is not counted, so 3 years from 2023-10-01 end on 2026-10-01);
``until`` is null for a lifetime ban (``lifetime: true``) or an outcome open while its facts hold.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from msgspec import Struct, field

from registry.rules.facts import Subject


class FactValue(Struct, kw_only=True):
    fact: str
    where: dict[str, Any]
    op: str
    expected: Any
    actual: Any
    held: bool
    #: credit event ids behind the value
    evidence: list[int]
    #: listing ids behind the value
    listings: list[int] = field(default_factory=list)


class Because(Struct, kw_only=True):
    ruleset: str
    version: str
    hash: str
    rule: str
    title: str
    tag: str
    facts: list[FactValue]


class Basis(Struct, kw_only=True):
    code: str
    doc_no: str
    title: str
    article: str
    tag: str
    verified: bool
    note: str = ""


class PersonRef(Struct, kw_only=True):
    role: str
    #: null when no person is recorded in the role on the start date: the bureau must name one
    person_id: int | None = None
    name: str | None = None


class Outcome(Struct, kw_only=True):
    kind: str
    code: str
    text: str
    text_en: str
    departments: list[str]
    applies_to: list[str]
    start: dt.date | None
    until: dt.date | None
    lifetime: bool = False
    value: Any = None
    unit: str | None = None
    #: the value (and unit) is this deployment's configuration for a local text that gives no
    #: amount (``REGISTRY_RULES_LOCAL_AMOUNTS``), never the text's own: not to be cited as law
    value_configured: bool = False
    criteria: list[str] = field(default_factory=list)
    persons: list[PersonRef] = field(default_factory=list)
    #: division code of the bureau that imposed the penalty behind a listing (谁处罚、谁决定)
    deciding_authority: str | None = None
    #: the first day the subject may apply for credit repair (the shortest term served); null when
    #: the outcome is not ended by repair
    repair_from: dt.date | None = None
    evidence: list[int] = field(default_factory=list)
    tag: str
    verified: bool
    basis: list[Basis] = field(default_factory=list)
    because: list[Because] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: an outcome of a local pack (DOMAIN 8.9): the pack (ruleset id) whose local text orders it,
    #: the pack's own area (division-code prefixes), and why it applies to this subject:
    #: "jurisdiction" (inside that area) or "configuration" (an area the deployment added);
    #: all three null for a national outcome
    pack: str | None = None
    jurisdiction: list[str] | None = None
    enabled_by: str | None = None


class RulesetRef(Struct, kw_only=True):
    id: str
    family: str
    version: str
    hash: str
    title: str
    #: a local pack's area (null: national) and why it applies here ("jurisdiction" or
    #: "configuration"; null for a national ruleset)
    jurisdiction: list[str] | None = None
    enabled_by: str | None = None


class Decision(Struct, kw_only=True):
    subject: Subject
    as_of: dt.date
    rulesets: list[RulesetRef]
    #: "<family>/<version>#<rule id>" of every rule that ordered something in force on the day
    fired: list[str]
    listings: list[Outcome] = field(default_factory=list)
    notices: list[Outcome] = field(default_factory=list)
    removals: list[Outcome] = field(default_factory=list)
    measures: list[Outcome] = field(default_factory=list)
    grade_actions: list[Outcome] = field(default_factory=list)
    standardization: list[Outcome] = field(default_factory=list)
    disclosures: list[Outcome] = field(default_factory=list)
    bans: list[Outcome] = field(default_factory=list)
    incentives: list[Outcome] = field(default_factory=list)
    #: shown to the bureau with the facts and basis; never proposed automatically
    for_review: list[Outcome] = field(default_factory=list)

    def outcomes(self) -> list[Outcome]:
        return [o for group in GROUPS.values() for o in getattr(self, group)]


#: outcome kind -> Decision field
GROUPS = {
    "listing": "listings",
    "notice": "notices",
    "removal": "removals",
    "measure": "measures",
    "grade_action": "grade_actions",
    "standardization": "standardization",
    "disclosure": "disclosures",
    "ban": "bans",
    "incentive": "incentives",
    "for_review": "for_review",
}

#: what each outcome kind means, for readers of ``GET /api/v1/rules`` ("中文 / English")
KIND_TEXTS = {
    "listing": "列入名单（经告知、审批后决定） / listing, decided after notice and approval",
    "notice": "告知 / notice",
    "removal": "移出 / removal",
    "measure": "惩戒或监管措施 / measure",
    "grade_action": "标准化等级处理 / action on a standardization grade",
    "standardization": "标准化等级 / standardization grade",
    "disclosure": "公示 / publication",
    "ban": "禁入（可提议） / ban, may be proposed",
    "incentive": "激励或费率 / incentive or rate",
    "for_review": "仅供主管部门审查，不自动提议、不生成列入或禁入 / for the bureau's review only: never proposed "
    "automatically, never a listing or ban by itself",
}

#: outcome kinds the listing workflow never proposes (neither one by one nor in a batch)
NEVER_PROPOSED = frozenset({"for_review"})

"""What a proposal lists, and why: from a rule decision on the stored facts (cited) or, for cases 8
and 9 of 部令11号 (the bureau's own finding, never proposed from the rules: DOMAIN 8.5), from the
bureau's written reasons and a recorded penalty.

A proposal from the rules is evaluated here, on today's stored facts, never taken from the client:
the officer names the subject and the list type, the registry says whether a rule orders it and
records which rule, on which facts, under which ruleset version and hash.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.db.models import Agency, Authority, CreditEvent, Enterprise, Person, PersonRole
from registry.domain.evaluation.facts import enterprise_facts, heads, person_facts
from registry.domain.jurisdiction import locations
from registry.domain.listings import schemas as s
from registry.domain.listings.types import BAN_TYPES, LIST_TYPES
from registry.domain.wire import uscc_field
from registry.errors import FieldProblem, NotFound, ValidationFailed
from registry.rules.calendar import full_months
from registry.rules.catalogue import BASES, OUTCOMES
from registry.rules.decision import NEVER_PROPOSED, Outcome
from registry.rules.evaluator import evaluate
from registry.rules.model import Ruleset

#: the shortest written reasons a manual proposal may give
MIN_REASONS = 10


def _fail(field_: str, code: str, zh: str, en: str) -> ValidationFailed:
    return ValidationFailed([FieldProblem(field_, code, zh, en)])


@dataclass
class Subject:
    type: str  # enterprise | agency | person
    enterprise: Enterprise | None = None
    person: Person | None = None
    #: where a bureau must cover one of to act (a unit's registered and operating divisions)
    places: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"e:{self.enterprise.id}" if self.enterprise is not None else f"p:{self.person.id}"  # type: ignore[union-attr]


@dataclass
class Spec:
    """One listing to create."""

    subject: Subject
    list_type: str
    criteria: list[str]
    deciding_authority: Authority
    source: str
    reasons: str | None
    basis: list[dict[str, Any]]
    because: list[dict[str, Any]]
    evidence: list[int]
    term_months: int | None
    rule_start: dt.date | None


async def subject(session: AsyncSession, ref: s.SubjectRef) -> Subject:
    """The subject named (404 when unknown), with the divisions a bureau must cover."""
    if (ref.uscc is None) == (ref.person_id is None):
        raise _fail(
            "subject", "one_of", "subject 须且只须给出 uscc 或 person_id 之一", "give exactly one of uscc, person_id"
        )
    if ref.uscc is not None:
        code = uscc_field("subject.uscc", ref.uscc)
        unit = await session.scalar(select(Enterprise).where(Enterprise.uscc == code))
        if unit is None:
            raise NotFound(f"{code} 尚未登记 / {code} is not registered")
        is_agency = await session.scalar(select(Agency.id).where(Agency.enterprise_id == unit.id)) is not None
        return Subject("agency" if is_agency else "enterprise", enterprise=unit, places=await locations(session, unit))
    person = await session.get(Person, ref.person_id)
    if person is None:
        raise NotFound(f"没有编号为 {ref.person_id} 的人员 / no person {ref.person_id}")
    return Subject("person", person=person, places=await person_places(session, person.id))


async def person_places(session: AsyncSession, person_id: int) -> list[str]:
    """A person is where the units they hold (or held) roles in are, and where their conduct was."""
    units = await session.scalars(
        select(Enterprise.division_code)
        .join(PersonRole, PersonRole.enterprise_id == Enterprise.id)
        .where(PersonRole.person_id == person_id)
        .order_by(PersonRole.id)
    )
    events = await session.scalars(
        select(CreditEvent.division_code).where(CreditEvent.person_id == person_id).order_by(CreditEvent.id)
    )
    return list(dict.fromkeys([*units, *events]))


async def build(
    session: AsyncSession, rulesets: tuple[Ruleset, ...], who: Subject, data: s.ListingPropose, on: dt.date
) -> list[Spec]:
    """The listings a proposal creates: the subject's, then (a unit from the rules, ``with_persons``)
    one per person its decision names."""
    if data.list_type not in LIST_TYPES:
        raise _fail(
            "list_type",
            "unknown_list_type",
            f"未知的名单类型，可选：{', '.join(LIST_TYPES)}",
            f"unknown list type; one of {', '.join(LIST_TYPES)}",
        )
    if data.source == "manual":
        return [await _manual(session, who, data)]
    return await _from_rules(session, rulesets, who, data, on)


def manual_problems(data: s.ListingPropose) -> list[FieldProblem]:
    """What a manual proposal lacks in its own fields (read nothing): the console checks them before its
    confirmation page with the same words."""
    kind = LIST_TYPES[data.list_type]
    problems = []
    if data.criterion not in kind.manual_criteria:
        allowed = ", ".join(kind.manual_criteria) or "none"
        problems.append(
            FieldProblem(
                "criterion",
                "not_manual",
                f"只有以下情形可人工提议列入：{allowed}（其他情形须依据规则决定）",
                f"only these cases may be proposed by hand: {allowed} (the others come from a rule decision)",
            )
        )
    if data.reasons is None or len(data.reasons.strip()) < MIN_REASONS:
        problems.append(
            FieldProblem(
                "reasons",
                "required",
                f"人工提议须书面说明认定的理由（第8项：有执行能力拒不执行或者逃避执行；第9项：性质恶劣、情节严重；"
                f"至少{MIN_REASONS}个字）",
                f"a manual proposal needs the written reasons of the finding (case 8: the means to pay and the refusal "
                f"or evasion; case 9: 性质恶劣、情节严重; at least {MIN_REASONS} characters)",
            )
        )
    if data.penalty_event_id is None:
        problems.append(
            FieldProblem(
                "penalty_event_id",
                "required",
                "须引用该主体已记录的行政处罚（应急管理部令第11号第三条）",
                "cite the subject's recorded administrative penalty (MEM Order 11 art. 3)",
            )
        )
    return problems


async def _manual(session: AsyncSession, who: Subject, data: s.ListingPropose) -> Spec:
    kind = LIST_TYPES[data.list_type]
    problems = manual_problems(data)
    if problems:
        raise ValidationFailed(problems)
    assert data.penalty_event_id is not None
    penalty = (await heads(session, {data.penalty_event_id})).get(data.penalty_event_id)
    mine = penalty is not None and (
        (who.enterprise is not None and penalty.enterprise_id == who.enterprise.id)
        or (who.person is not None and penalty.person_id == who.person.id)
    )
    if penalty is None or penalty.kind != "penalty" or not mine:
        raise _fail(
            "penalty_event_id",
            "not_a_penalty_of_subject",
            f"事件 {data.penalty_event_id} 不是该主体有效的行政处罚",
            f"event {data.penalty_event_id} is not an effective penalty of this subject",
        )
    authority = await _authority_of(session, penalty)
    basis_codes = (f"mem11_case{str(data.criterion)[-1]}", "mem11_art3", "mem11_art4")
    return Spec(
        subject=who,
        list_type=data.list_type,
        criteria=[str(data.criterion)],
        deciding_authority=authority,
        source="manual",
        reasons=(data.reasons or "").strip(),
        basis=[_basis(code) for code in basis_codes],
        because=[],
        evidence=[penalty.id],
        term_months=kind.term_months,
        rule_start=None,
    )


def _basis(code: str) -> dict[str, Any]:
    b = BASES[code]
    return {
        "code": b.code,
        "doc_no": b.doc_no,
        "title": b.title,
        "article": b.article,
        "tag": b.tag,
        "verified": b.verified,
    }


async def _authority_of(session: AsyncSession, event: CreditEvent) -> Authority:
    """The authority that imposed the penalty (its recorded deciding authority), or recorded the event."""
    division = event.details.get("deciding_authority") if event.kind == "penalty" else None
    if division:
        found = await session.scalar(select(Authority).where(Authority.division_code == division))
        if found is not None:
            return found
    return await session.get_one(Authority, event.recording_authority_id)


def _matches(outcome: Outcome, list_type: str) -> bool:
    """Only listings and bans are proposed; an outcome for the bureau's review never is."""
    if outcome.kind in NEVER_PROPOSED:
        return False
    if outcome.kind == "ban":
        return BAN_TYPES.get(outcome.code) == list_type
    return outcome.kind == "listing" and OUTCOMES[outcome.code].list_type == list_type


async def _decision_outcome(
    session: AsyncSession, rulesets: tuple[Ruleset, ...], unit_or_person: Subject, list_type: str, on: dt.date
) -> Outcome | None:
    if unit_or_person.enterprise is not None:
        facts = await enterprise_facts(session, unit_or_person.enterprise)
    else:
        assert unit_or_person.person is not None
        facts = await person_facts(session, unit_or_person.person)
    decision = evaluate(rulesets, facts, on)
    return next((o for o in [*decision.listings, *decision.bans] if _matches(o, list_type)), None)


def _no_decision(list_type: str, whom: str) -> ValidationFailed:
    return _fail(
        "list_type",
        "no_rule_decision",
        f"按今天已登记的事实，规则没有对{whom}作出列入“{LIST_TYPES[list_type].title}”的决定（或已有同类决定）；"
        "可先用 POST /api/v1/rules/evaluate 查看",
        f"on today's stored facts no rule orders a {list_type} listing of {whom} (or one was already decided); "
        "see POST /api/v1/rules/evaluate",
    )


async def _from_rules(
    session: AsyncSession, rulesets: tuple[Ruleset, ...], who: Subject, data: s.ListingPropose, on: dt.date
) -> list[Spec]:
    if data.via_uscc is not None:
        if who.person is None:
            raise _fail("via_uscc", "persons_only", "via_uscc 只用于人员", "via_uscc is for person subjects only")
        via = await subject(session, s.SubjectRef(uscc=data.via_uscc))
        outcome = await _decision_outcome(session, rulesets, via, data.list_type, on)
        in_decision = outcome is not None and any(p.person_id == who.person.id for p in outcome.persons)
        if outcome is None or not in_decision:
            raise _no_decision(data.list_type, f"{who.person.name}（经由 {data.via_uscc}）")
        return [await _spec(session, who, data.list_type, outcome)]
    outcome = await _decision_outcome(session, rulesets, who, data.list_type, on)
    if outcome is None:
        name = who.enterprise.name if who.enterprise is not None else who.person.name  # type: ignore[union-attr]
        raise _no_decision(data.list_type, name)
    specs = [await _spec(session, who, data.list_type, outcome)]
    if who.enterprise is not None and data.with_persons:
        for ref in outcome.persons:
            if ref.person_id is None:
                continue
            person = await session.get_one(Person, ref.person_id)
            named = Subject("person", person=person, places=await person_places(session, person.id))
            specs.append(await _spec(session, named, data.list_type, outcome, division=who.enterprise.division_code))
    return specs


async def _spec(
    session: AsyncSession, who: Subject, list_type: str, outcome: Outcome, division: str | None = None
) -> Spec:
    if outcome.lifetime:
        term: int | None = None
    elif outcome.start is not None and outcome.until is not None:
        term = full_months(outcome.start, outcome.until)
    else:
        term = LIST_TYPES[list_type].term_months
    authority = await _deciding_authority(session, outcome)
    if division is not None and division not in who.places:
        who.places.insert(0, division)
    return Spec(
        subject=who,
        list_type=list_type,
        criteria=list(outcome.criteria) or [outcome.code],
        deciding_authority=authority,
        source="rules",
        reasons=None,
        basis=msgspec.to_builtins(outcome.basis),
        because=msgspec.to_builtins(outcome.because),
        evidence=list(outcome.evidence),
        term_months=term,
        rule_start=outcome.start,
    )


async def _deciding_authority(session: AsyncSession, outcome: Outcome) -> Authority:
    """谁处罚、谁决定: the authority the rule names (the penalty's), else the one that recorded the
    evidence (a judgment behind a ban)."""
    if outcome.deciding_authority is not None:
        found = await session.scalar(select(Authority).where(Authority.division_code == outcome.deciding_authority))
        if found is not None:
            return found
    for event_id in outcome.evidence:
        event = (await heads(session, {event_id})).get(event_id)
        if event is not None:
            return await _authority_of(session, event)
    raise _fail(
        "list_type",
        "no_deciding_authority",
        "无法确定作出决定的机关（规则决定未引用任何已登记的处罚）",
        "the deciding authority cannot be found: the rule decision cites no recorded penalty",
    )

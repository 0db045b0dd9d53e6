"""Credit repair of published penalty information (信用修复, DOMAIN 8.10) and the repair notice.

The workflow asks the rules, so what a what-if advises is what the bureau can do: a penalty is
repairable on a day when the ``publicity`` rules publish it on that day and the shortest term is
served (``repair_from``). Repair ends publication, sharing and use, and the measures tied to the
information (国家发展改革委令第36号 art. 3 [C]); the change feed says so (kind ``credit_repair``).
The application also needs the obligations performed (the penalty executed) [C-2, DOMAIN 8.10].
Working-day deadlines for the application are not confirmed (research17) and are not modelled.

The repair notice (信用修复告知书) is served with the penalty decision ("两书同达" [C-2]): the
penalty record carries its data, read from the same rule outcome on the day of the decision.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.db.models import Authority, CreditEvent, Enterprise, Person
from registry.domain.evaluation.facts import REPAIR, enterprise_facts, heads, person_facts
from registry.domain.events.query import effective
from registry.errors import Conflict, FieldProblem, ValidationFailed
from registry.rules.decision import Outcome
from registry.rules.evaluator import evaluate
from registry.rules.facts import Facts
from registry.rules.model import Ruleset

#: where an application goes: 信用中国 receives it and pushes it to the deciding bureau (谁认定、谁修复) [C-2]
APPLY_TO = "“信用中国”网站（www.creditchina.gov.cn）或作出处罚决定的部门"
APPLY_TO_EN = "the Credit China website (www.creditchina.gov.cn) or the bureau that decided the penalty"
CONDITIONS = "最短公示期满；已纠正失信行为、履行法定责任义务；作出信用承诺"
CONDITIONS_EN = "the shortest term served; the wrong corrected and the obligations performed; a credit commitment made"


def _problem(field: str, code: str, zh: str, en: str) -> ValidationFailed:
    return ValidationFailed([FieldProblem(field, code, zh, en)])


async def _facts(session: AsyncSession, penalty: CreditEvent) -> Facts:
    if penalty.enterprise_id is not None:
        return await enterprise_facts(session, await session.get_one(Enterprise, penalty.enterprise_id))
    assert penalty.person_id is not None
    return await person_facts(session, await session.get_one(Person, penalty.person_id))


def publication(facts: Facts, rulesets: tuple[Ruleset, ...], penalty_id: int, day: dt.date) -> Outcome | None:
    """The publication of the penalty on ``day`` as the rules decide it (None: not published)."""
    decision = evaluate(rulesets, facts, day)
    return next(
        (o for o in decision.disclosures if o.code == "disclose_penalty" and penalty_id in o.evidence),
        None,
    )


async def check(
    session: AsyncSession,
    rulesets: tuple[Ruleset, ...],
    subject: tuple[int | None, int | None],
    links: list[int],
    day: dt.date,
    prefix: str = "",
) -> None:
    """Refuse a repair the rules do not allow on ``day`` (422), or a penalty already repaired (409)."""
    if len(links) != 1:
        raise _problem(
            prefix + "links",
            "one_penalty",
            "信用修复须且只能关联一项行政处罚",
            "a credit repair links exactly one penalty",
        )
    penalty = (await heads(session, {links[0]})).get(links[0])
    if penalty is None or penalty.kind != "penalty" or (penalty.enterprise_id, penalty.person_id) != subject:
        raise _problem(
            prefix + "links[0]",
            "not_a_penalty_of_subject",
            "关联的事件不是该对象现行有效的行政处罚",
            "the linked event is not an effective penalty of this subject",
        )
    own = CreditEvent.enterprise_id == subject[0] if subject[0] is not None else CreditEvent.person_id == subject[1]
    earlier = list(await session.scalars(select(CreditEvent).where(CreditEvent.kind == REPAIR, own, effective())))
    named = await heads(session, {i for r in earlier for i in r.links})
    repaired = [r.id for r in earlier if any((h := named.get(i)) is not None and h.id == penalty.id for i in r.links)]
    if repaired:
        raise Conflict(
            f"行政处罚 {penalty.id} 已于事件 {repaired[0]} 完成信用修复 / penalty {penalty.id} was already "
            f"repaired by event {repaired[0]}",
            extra={"event_id": repaired[0]},
        )
    if penalty.details.get("execution", "pending") != "executed":
        raise _problem(
            prefix + "links[0]",
            "obligations_not_performed",
            "行政处罚尚未履行完毕，不能信用修复",
            "the penalty is not yet performed: no credit repair",
        )
    shown = publication(await _facts(session, penalty), rulesets, penalty.id, day)
    if shown is None or shown.repair_from is None:
        raise _problem(
            prefix + "occurred_on",
            "not_published",
            f"该行政处罚在 {day} 不在公示期内，无需修复",
            f"the penalty is not published on {day}: nothing to repair",
        )
    if day < shown.repair_from:
        raise _problem(
            prefix + "occurred_on",
            "minimum_term_not_served",
            f"最短公示期未满，{shown.repair_from} 起方可修复",
            f"the shortest publicity term is not served: repair from {shown.repair_from}",
        )


def notice(outcome: Outcome, authority: str | None) -> dict[str, Any]:
    """The data of the repair notice served with the decision (两书同达)."""
    assert outcome.start is not None
    return {
        "publicity_from": outcome.start.isoformat(),
        "publicity_until": None if outcome.until is None else outcome.until.isoformat(),
        "repair_from": None if outcome.repair_from is None else outcome.repair_from.isoformat(),
        "apply_to": APPLY_TO if authority is None else f"“信用中国”网站（www.creditchina.gov.cn）或{authority}",
        "apply_to_en": APPLY_TO_EN,
        "conditions": CONDITIONS,
        "conditions_en": CONDITIONS_EN,
        "basis": [
            {"doc_no": b.doc_no, "title": b.title, "article": b.article, "tag": b.tag, "verified": b.verified}
            for b in outcome.basis
        ],
        "rules": [f"{b.ruleset}#{b.rule}" for b in outcome.because],
        "verified": outcome.verified,
    }


async def penalty_notice(
    session: AsyncSession, rulesets: tuple[Ruleset, ...], penalty: CreditEvent
) -> dict[str, Any] | None:
    """The repair notice of an effective penalty, as of its decision day (None: no rulesets, or
    the rules publish nothing for it)."""
    if not rulesets:
        return None
    shown = publication(await _facts(session, penalty), rulesets, penalty.id, penalty.occurred_on)
    if shown is None:
        return None
    code = penalty.details.get("deciding_authority")
    name = await session.scalar(select(Authority.name).where(Authority.division_code == code)) if code else None
    if name is None:
        name = await session.scalar(select(Authority.name).where(Authority.id == penalty.recording_authority_id))
    return notice(shown, name)


__all__ = ["REPAIR", "check", "notice", "penalty_notice", "publication"]

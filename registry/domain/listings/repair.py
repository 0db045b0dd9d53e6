"""The conditions of early removal (信用修复, 11号): checked on the stored facts when a repair is
applied for and again when it is granted, and kept with the application as evidence.

The conditions are not written here: ``registry.rules.removal.early_removal`` is the one
definition, and the ruleset in force that decides early removal of the list type (rule R10 of
``listing/2023``) chooses which conditions apply (DOMAIN 8.6: by default the penalty performed and
no new listing case since the listing). The workflow applies it to the subject's stored facts, as
``POST /api/v1/rules/evaluate`` does, so the advice and the decision agree, with the same reasons.
One condition is the applicant's alone and the rules cannot see it: the harmful consequences
removed (the applicant's commitment and documents; attested, not checked).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from registry.db.models import Enterprise, Listing, Person
from registry.domain.evaluation.facts import enterprise_facts, person_facts
from registry.errors import FieldProblem, ValidationFailed
from registry.rules import removal
from registry.rules.evaluator import applicable
from registry.rules.model import Ruleset


def _check(c: removal.Check, ruleset: Ruleset) -> dict[str, Any]:
    return {
        "code": c.code,
        "held": c.held,
        "zh": c.zh,
        "en": c.en,
        "evidence": list(c.evidence),
        "tag": c.tag,
        "ruleset": f"{ruleset.id}@{ruleset.hash[:19]}",
    }


async def checks(
    session: AsyncSession, rulesets: tuple[Ruleset, ...], listing: Listing, on: dt.date
) -> list[dict[str, Any]]:
    """Every condition for ``listing`` on ``on``, held or not, as the rules judge it."""
    assert listing.effective_on is not None
    if listing.enterprise_id is not None:
        facts = await enterprise_facts(session, await session.get_one(Enterprise, listing.enterprise_id))
    else:
        assert listing.person_id is not None
        facts = await person_facts(session, await session.get_one(Person, listing.person_id))
    [own] = [x for x in facts.listings if x.id == listing.id]
    found = removal.judge(applicable(rulesets, on, facts.subject.division_code), facts, own, on)
    if found is None:
        raise ValidationFailed(
            [
                FieldProblem(
                    "conditions",
                    "no_repair_rule",
                    f"{on} 没有生效的规则规定{listing.list_type}的提前移出条件",
                    f"no ruleset in force on {on} decides early removal of {listing.list_type}",
                )
            ]
        )
    ruleset, judged = found
    return [
        *(_check(c, ruleset) for c in judged),
        {
            "code": "consequences_removed",
            "held": True,
            "zh": "已主动消除危害后果和不良影响（申请人承诺并提交材料，未经核验）",
            "en": "harmful consequences removed (the applicant's commitment and documents; attested, not verified)",
            "evidence": [],
            "tag": "R",
            "attested": True,
        },
    ]


def notice(rulesets: tuple[Ruleset, ...], listing: Listing, authority: str) -> dict[str, Any] | None:
    """The repair notice (信用修复告知书) served with the decision to list (两书同达, DOMAIN 8.10
    [C-2]): how long the listing runs, the first day early removal may be applied for, where, and
    the conditions, as the ruleset in force on the day of the decision states them (the same
    ``early_rule`` the workflow checks an application against). None before the decision, or
    when no ruleset in force then decides early removal of the list type."""
    if listing.effective_on is None or listing.decided_on is None:
        return None
    found = removal.early_rule(applicable(rulesets, listing.decided_on, listing.division_code), listing.list_type)
    if found is None:
        return None
    ruleset, conditions = found
    opens = removal.repair_opens(listing.effective_on)
    return {
        "listed_from": listing.effective_on.isoformat(),
        "listed_until": None if listing.expires_on is None else listing.expires_on.isoformat(),
        "repair_from": opens.isoformat(),
        "apply_to": f"“信用中国”网站（www.creditchina.gov.cn）或{authority}",
        "apply_to_en": "the Credit China website (www.creditchina.gov.cn) or the deciding bureau",
        "conditions": [
            {
                "code": "listed_12_months",
                "zh": f"列入满12个月（{opens} 起）",
                "en": "listed 12 full months",
                "tag": "C-2",
            },
            *({"code": c, "zh": removal.CONDITIONS_ZH[c], "en": removal.CONDITIONS[c], "tag": "R"} for c in conditions),
            {
                "code": "consequences_removed",
                "zh": "已主动消除危害后果和不良影响",
                "en": "harmful consequences removed",
                "tag": "R",
            },
            {"code": "credit_commitment", "zh": "作出信用承诺", "en": "a public credit commitment made", "tag": "C-2"},
        ],
        "rules": [f"{ruleset.id}@{ruleset.hash[:19]}"],
        "verified": False,
    }


def require(found: list[dict[str, Any]]) -> None:
    """422 naming every condition that does not hold."""
    unmet = [c for c in found if not c["held"]]
    if unmet:
        raise ValidationFailed(
            [
                FieldProblem(
                    "conditions",
                    c["code"],
                    f"不符合提前移出条件：{c['zh']}",
                    f"early removal condition not met: {c['en']}",
                )
                for c in unmet
            ]
        )

"""Whether a listing may be removed early (信用修复, 部令11号) or on application (49号), and whether
an event is a ground to revoke a standardization grade: one definition, read by the rules (the
facts ``early_removal_eligible``, ``removal_application_open``, ``grade_revocation_grounds``) and
by the workflows (``registry.domain.listings``, ``registry.domain.grades``), so what
``POST /api/v1/rules/evaluate`` advises is what an officer can do, for the same reasons.

Early removal (DOMAIN 2.3, 8.6). The text read (the Shanxi restatement of 11号, [C-2]) says only
"列入严重失信主体名单满12个月的被列入对象，在满足规定的条件下可申请提前移出": the 12 months are [C-2]; the
conditions are [R]. The default is the commonly quoted one, the penalty performed and no new
listing case since the listing (not "no penalty of any kind": a small fine for another matter
does not block it); a ruleset chooses its conditions (``conditions`` of the fact), and each
listing is judged on its own penalty and from its own date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from msgspec.structs import replace

from registry.rules.calendar import add_months, full_months
from registry.rules.facts import Event, Facts, Listing
from registry.rules.model import All, AnyOf, Condition, Leaf, Not, Ruleset

#: 11号 (Shanxi restatement) [C-2]: "满12个月"
REPAIR_AFTER_MONTHS: Final = 12
#: 49号 [C-2]: "期满前30日之内…提出移出申请"
APPLICATION_WINDOW_DAYS: Final = 30

#: the early-removal conditions a ruleset may require, beyond the 12 months ([R], DOMAIN 8.6)
CONDITIONS: Final[dict[str, str]] = {
    "penalty_performed": "the obligations of the penalty decision behind the listing are performed",
    "no_new_listing_case": "no new listing case (a case of the same regime) since the listing",
    "no_new_penalty": "no administrative penalty of any kind since the listing (stricter than DOMAIN 8.6)",
}
DEFAULT_CONDITIONS: Final = ("penalty_performed", "no_new_listing_case")
#: each condition as the repair notice served with the listing decision states it (两书同达)
CONDITIONS_ZH: Final[dict[str, str]] = {
    "penalty_performed": "列入所依据的行政处罚决定规定的义务已履行完毕",
    "no_new_listing_case": "列入后未再发生应列入严重失信主体名单的情形",
    "no_new_penalty": "列入后未再受到任何行政处罚",
}
#: the fact through which a ruleset asks for early removal (the workflow finds its conditions there)
EARLY_FACT: Final = "early_removal_eligible"


@dataclass(frozen=True)
class Check:
    code: str
    held: bool
    zh: str
    en: str
    evidence: tuple[int, ...] = ()
    tag: str = "R"


def repair_opens(listed_on: dt.date) -> dt.date:
    """The first day early removal may be applied for: 12 full calendar months after the listing."""
    return add_months(listed_on, REPAIR_AFTER_MONTHS)


def _own_penalties(events: Iterable[Event], listing: Listing) -> list[Event]:
    """The penalties the listing rests on: its evidence; a listing recorded without evidence (a
    what-if) rests on the penalties decided by the day it was listed."""
    penalties = [e for e in events if e.kind == "penalty"]
    if listing.evidence:
        return [e for e in penalties if e.id in listing.evidence]
    return [e for e in penalties if e.occurred_on <= listing.listed_on]


def new_cases(ruleset: Ruleset, facts: Facts, listing: Listing, on: dt.date) -> tuple[int, ...]:
    """Evidence of the listing cases of ``ruleset`` that arose after ``listing`` (their case, as the
    rules date it, falls after the day it was listed): the same rules that propose listings."""
    from registry.rules.evaluator import evaluate_ruleset  # noqa: PLC0415 - the evaluator's facts import this module

    _, made = evaluate_ruleset(ruleset, replace(facts, listings=()), on)
    return tuple(
        sorted(
            {
                i
                for o in made
                if o.kind == "listing" and o.start is not None and o.start > listing.listed_on
                for i in o.evidence
            }
        )
    )


def early_removal(
    ruleset: Ruleset, facts: Facts, listing: Listing, on: dt.date, conditions: Iterable[str] = DEFAULT_CONDITIONS
) -> list[Check]:
    """Every condition of early removal for one listing on ``on``, held or not, with its evidence."""
    known = [e for e in facts.events if e.occurred_on <= on]
    months = full_months(listing.listed_on, on)
    out = [
        Check(
            "listed_12_months",
            months >= REPAIR_AFTER_MONTHS,
            f"列入已满{months}个月（须满12个月，{repair_opens(listing.listed_on)} 起）",
            f"listed {months} full months (12 required, from {repair_opens(listing.listed_on)})",
            tag="C-2",
        )
    ]
    for code in conditions:
        if code == "penalty_performed":
            own = _own_penalties(known, listing)
            open_ = tuple(e.id for e in own if (e.execution or "pending") != "executed")
            out.append(
                Check(
                    code,
                    not open_,
                    "行政处罚决定规定的义务已履行" if not open_ else f"处罚事件 {list(open_)} 尚未履行完毕",
                    "the penalty's obligations are performed"
                    if not open_
                    else f"penalty events {list(open_)} not performed",
                    open_ or tuple(e.id for e in own),
                )
            )
        elif code == "no_new_listing_case":
            found = new_cases(ruleset, facts, listing, on)
            out.append(
                Check(
                    code,
                    not found,
                    "列入后未再发生列入情形" if not found else f"列入后又发生应列入的情形（事件 {list(found)}）",
                    "no new listing case since the listing"
                    if not found
                    else f"a new listing case since the listing: events {list(found)}",
                    found,
                )
            )
        else:
            assert code == "no_new_penalty", code
            newer = tuple(e.id for e in known if e.kind == "penalty" and e.occurred_on > listing.listed_on)
            out.append(
                Check(
                    code,
                    not newer,
                    "列入后未再受到行政处罚" if not newer else f"列入后又受到行政处罚（事件 {list(newer)}）",
                    "no new penalty since the listing"
                    if not newer
                    else f"new penalties since the listing: {list(newer)}",
                    newer,
                )
            )
    return out


def _leaves(cond: Condition) -> Iterable[Leaf]:
    if isinstance(cond, Leaf):
        yield cond
    elif isinstance(cond, All | AnyOf):
        for c in cond.children:
            yield from _leaves(c)
    elif isinstance(cond, Not):
        yield from _leaves(cond.child)


def early_rule(rulesets: Iterable[Ruleset], list_type: str) -> tuple[Ruleset, tuple[str, ...]] | None:
    """The ruleset that decides early removal of ``list_type`` and the conditions it requires."""
    for ruleset in rulesets:
        for rule in ruleset.rules:
            for leaf in _leaves(rule.when):
                where = dict(leaf.where)
                if leaf.fact == EARLY_FACT and list_type in where.get("list_types", (list_type,)):
                    return ruleset, tuple(where.get("conditions", DEFAULT_CONDITIONS))
    return None


def judge(
    rulesets: Iterable[Ruleset], facts: Facts, listing: Listing, on: dt.date
) -> tuple[Ruleset, list[Check]] | None:
    """Every early-removal condition of ``listing`` on ``on`` under the first of ``rulesets`` (those
    that apply on the day and in the place) that decides early removal of its type; None: none
    does. The workflow (an application) and the what-if (why removal is or is not advised) both
    ask this."""
    found = early_rule(rulesets, listing.list_type)
    if found is None:
        return None
    ruleset, conditions = found
    return ruleset, early_removal(ruleset, facts, listing, on, conditions)


def application_window(until: dt.date) -> tuple[dt.date, dt.date]:
    """49号 removal on application: from 30 days before the end of the term to its last day (DOMAIN
    2.2: "期满前30日之内"); after that the term is over and the listing no longer applies."""
    return until - dt.timedelta(days=APPLICATION_WINDOW_DAYS), until


def revocation_ground(
    reason: str,
    event: Event,
    announced_on: dt.date,
    valid_until: dt.date,
    on: dt.date,
) -> bool:
    """Whether ``event`` is a ground to revoke a grade announced on ``announced_on`` and valid to
    ``valid_until``, decided on ``on`` (应急〔2021〕83号 via the Shanghai notice [C]: "在有效期内，企业
    发生生产安全死亡事故、存在重大生产安全事故隐患未在规定期限内完成整改…将撤销其…等级"): a death in an
    accident inside the validity and by the day; a major hazard whose rectification deadline fell
    inside the validity and passed before the day without rectification by it."""
    last = min(on, valid_until)
    if reason == "fatal_accident":
        return event.kind == "accident" and event.deaths > 0 and announced_on <= event.occurred_on <= last
    if reason == "major_hazard_unrectified":
        deadline = event.deadline
        return (
            event.kind == "major_hazard"
            and deadline is not None
            and announced_on <= deadline <= valid_until
            and deadline < on
            and (event.rectified_on is None or event.rectified_on > deadline)
        )
    return False


#: revocation reasons whose grounds are events the rules can read (the others rest on the
#: grade's own record: annual-check findings, or the bureau's finding)
EVENT_GROUNDS: Final = ("fatal_accident", "major_hazard_unrectified")

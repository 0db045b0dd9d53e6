"""The vocabulary rules are written in: the facts a rule may read, the operators, and (from
``catalogue``) the outcomes it may order and their legal bases.

A fact is a named function of the ``View`` with typed parameters. It returns a ``Reading``: the
value, and the events (and their dates) that made it, so every decision can show the fact values
that fired it. Windows on accident dates include both ends (以内/以上 include the number);
months are calendar months.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from registry.rules.calendar import add_months, full_months
from registry.rules.catalogue import BASES, OUTCOMES, LegalBasis, OutcomeEntry
from registry.rules.facts import Event, Listing
from registry.rules.removal import (
    CONDITIONS,
    DEFAULT_CONDITIONS,
    EVENT_GROUNDS,
    application_window,
    early_removal,
    revocation_ground,
)
from registry.rules.view import ACCIDENT_RANK, PENDING_GRADE, View, last_day

LIST_TYPES: Final = {
    "SERIOUS_DISHONEST_2023": "安全生产严重失信主体名单（应急管理部令第11号）",
    "BLACKLIST_2017": "安全生产不良记录“黑名单”（安监总办〔2017〕49号第三条）",
    "JOINT_PUNISHMENT_2017": "安全生产领域失信行为联合惩戒对象（安监总办〔2017〕49号第二条）",
    "BLACKLIST_2015": "生产经营单位安全生产不良记录“黑名单”（2015年暂行规定）",
}
EVENT_TYPES: Final = {
    "reporting_violation": ("concealment", "false_report", "late_report"),
    "licence_violation": ("no_licence", "while_suspended", "while_revoked", "facilities_unaccepted"),
    "intermediary_fraud": ("renting_qualification", "affiliation", "false_report", "false_certificate"),
    "obstruction": (
        "evading_supervision",
        "resisting_supervision",
        "destroying_scene",
        "forging_evidence",
        "obstructing_investigation",
        "defying_suspension_order",
    ),
    "flight": ("no_rescue", "left_post", "fled"),
    "enforcement_order": ("suspension_for_rectification", "closure", "maximum_penalty", "accountability"),
}
EXECUTIONS: Final = ("pending", "executed", "refused")
#: 失信信息类别 a rule may ask for; ``unrecorded``: the deciding bureau recorded none
CREDIT_CLASSES: Final = ("minor", "general", "serious", "unrecorded")


@dataclass(frozen=True)
class Reading:
    value: int | bool | str
    evidence: tuple[int, ...] = ()
    #: the latest date among the evidence (a listing's term runs from it)
    anchor: dt.date | None = None
    #: for bans: the end of the sentence; for "while" terms: the listing's or grade's end
    until: dt.date | None = None
    #: listing ids behind the value (kept apart: listing and event ids are different numbers)
    listings: tuple[int, ...] = ()


@dataclass(frozen=True)
class Param:
    #: "bool" | "int" | "float" | "date" | "grade" | "role" | "reason" | "types" | "list_types" |
    #: "executions" | "conditions"
    type: str
    doc: str
    required: bool = False


@dataclass(frozen=True)
class Fact:
    name: str
    type: str  # "int" | "bool" | "str"
    doc: str
    read: Callable[[View, Mapping[str, Any]], Reading]
    params: Mapping[str, Param] = field(default_factory=dict)
    #: the kind of event whose sub-types ``types`` may name
    kind: str | None = None
    #: the value depends on the ruleset evaluated (its own listing cases), not only on the facts
    per_ruleset: bool = False


def _reading_of(events: list[Event], value: int | None = None) -> Reading:
    return Reading(
        len(events) if value is None else value,
        tuple(e.id for e in events),
        max((e.occurred_on for e in events), default=None),
    )


def _common(view: View, e: Event, p: Mapping[str, Any]) -> bool:
    """Filters every event fact accepts: a window back from the day, a first day of conduct (a
    statute reaches no conduct before it took effect), the grade's validity, the listing in
    force, a linked penalty."""
    months = p.get("within_months")
    if months is not None and e.occurred_on < add_months(view.as_of, -months):
        return False
    since = p.get("on_or_after")
    if since is not None and e.occurred_on < since:
        return False
    last = p.get("on_or_before")
    if last is not None and e.occurred_on > last:
        return False
    if p.get("during_grade"):
        grade = view.grade
        if grade is None or grade.announced_on is None or e.occurred_on < grade.announced_on:
            return False
    if p.get("since_listing"):
        current = [x for x in view.listings(None) if view.in_force(x)]
        if not current or e.occurred_on <= min(x.listed_on for x in current):
            return False
    penalised = p.get("penalised")
    return penalised is None or (e.id in view.penalised_ids) == penalised


def _with_penalties(view: View, events: list[Event], p: Mapping[str, Any]) -> list[Event]:
    """Evidence includes the linked penalties when the fact asked for them (the listing runs
    from the penalty decision, and the deciding bureau is the one that imposed it)."""
    if not p.get("penalised"):
        return events
    extra = {q.id: q for e in events for q in view.penalties_of(e)}
    return sorted({**{e.id: e for e in events}, **extra}.values(), key=lambda e: (e.occurred_on, e.id))


def _accidents(view: View, p: Mapping[str, Any]) -> list[Event]:
    floor = ACCIDENT_RANK[p.get("grade_at_least", "ordinary")]
    out = []
    for e in view.events:
        if e.kind != "accident" or ACCIDENT_RANK[e.grade or "ordinary"] < floor:
            continue
        if p.get("fatal") is not None and (e.deaths > 0) != p["fatal"]:
            continue
        if p.get("responsible") is not None and e.responsible != p["responsible"]:
            continue
        if p.get("major_responsibility") is not None and e.major_responsibility != p["major_responsibility"]:
            continue
        if _common(view, e, p):
            out.append(e)
    return out


def accidents(view: View, p: Mapping[str, Any]) -> Reading:
    found = _accidents(view, p)
    full = _with_penalties(view, found, p)
    return _reading_of(full, len(found))


def deaths(view: View, p: Mapping[str, Any]) -> Reading:
    found = _accidents(view, p)
    return _reading_of(found, sum(e.deaths for e in found))


def _best_window(
    found: list[Event], months: int, weight: Callable[[Event], int], ends: Callable[[Event], bool] | None = None
) -> tuple[int, list[Event]]:
    """The span of ``months`` calendar months (both ends included) holding the most weight; on a
    tie the latest span, whose last event completes the case soonest after the law could apply.
    With ``ends``, a span counts only up to its last event that ``ends`` accepts (the event that
    completes the case must be one of those), and not at all without one."""
    best: tuple[int, list[Event]] = (0, [])
    for i, first in enumerate(found):
        end = add_months(first.occurred_on, months)
        inside = [e for e in found[i:] if e.occurred_on <= end]
        if ends is not None:
            closing = [n for n, e in enumerate(inside) if ends(e)]
            inside = inside[: closing[-1] + 1] if closing else []
        total = sum(weight(e) for e in inside)
        if total >= best[0] and total > 0:
            best = (total, inside)
    return best


def accidents_in_any_window(view: View, p: Mapping[str, Any]) -> Reading:
    """With ``last_penalised`` the accident that completes the count must itself be penalised
    (the listing rests on a penalty decision for it: 11号 arts. 3-4, 谁处罚、谁决定; DOMAIN 8.7):
    a span counts up to its last penalised accident; the penalties join the evidence."""
    ends = (lambda e: e.id in view.penalised_ids) if p.get("last_penalised") else None
    total, inside = _best_window(_accidents(view, p), p["months"], lambda _e: 1, ends)
    full = _with_penalties(view, inside, {"penalised": p.get("penalised") or p.get("last_penalised")})
    return _reading_of(full, total)


def deaths_in_any_window(view: View, p: Mapping[str, Any]) -> Reading:
    total, inside = _best_window(_accidents(view, p), p["months"], lambda e: e.deaths)
    return _reading_of(inside, total)


def penalties(view: View, p: Mapping[str, Any]) -> Reading:
    out = []
    for e in view.events:
        if e.kind != "penalty":
            continue
        if p.get("min_multiplier") is not None and (e.multiplier or 0) < p["min_multiplier"]:
            continue
        if p.get("article") is not None and p["article"] not in e.articles:
            continue
        if p.get("execution") is not None and (e.execution or "pending") not in p["execution"]:
            continue
        if p.get("serious") is not None and e.serious != p["serious"]:
            continue
        if p.get("credit_class") is not None and credit_class(view, e) not in p["credit_class"]:
            continue
        if p.get("licence_withdrawn") is not None and (e.licence_action is not None) != p["licence_withdrawn"]:
            continue
        if _common(view, e, p):
            out.append(e)
    return _reading_of(out)


def credit_class(view: View, e: Event) -> str:
    """The class of a penalty's information: 严重 when a 部令11号 listing rests on it (DOMAIN
    8.10), else the class the deciding bureau recorded, else ``unrecorded``."""
    behind = any(e.id in x.evidence for x in view.facts.listings if x.list_type == "SERIOUS_DISHONEST_2023")
    if behind:
        return "serious"
    return e.credit_class or "unrecorded"


def conduct_day(view: View, e: Event) -> dt.date:
    """The day of the conduct behind a person's event: for a judgment, the accident it concerns
    (as recorded, else a linked accident in view, else the judgment itself); otherwise the event's
    own day (a flight, a false report)."""
    if e.kind not in ("criminal_liability", "dismissal"):
        return e.occurred_on
    if e.accident_on is not None:
        return e.accident_on
    linked = [a.occurred_on for a in _linked_accidents(view, e)]
    return max(linked, default=e.occurred_on)


def held_role(view: View, e: Event, role: str | None) -> bool:
    """Whether the subject held ``role`` on the day of the conduct, in the unit of the accident
    when it is known (a person's facts carry their roles; 安全生产法 art. 94 para 3 and 部令11号
    case 5 reach the 主要负责人 only). No role asked: every event counts."""
    if role is None:
        return True
    day = conduct_day(view, e)
    return any(
        r.role == role
        and (r.since is None or r.since <= day)
        and (r.until is None or day <= r.until)
        and (e.accident_unit is None or r.unit is None or r.unit == e.accident_unit)
        for r in view.facts.roles
    )


def _typed(kind: str) -> Callable[[View, Mapping[str, Any]], Reading]:
    def read(view: View, p: Mapping[str, Any]) -> Reading:
        types = p.get("types")
        found = [
            e
            for e in view.events
            if e.kind == kind
            and (types is None or e.type in types)
            and (p.get("serious") is None or e.serious == p["serious"])
            and (p.get("in_force") is None or (e.until is None or e.until >= view.as_of) == p["in_force"])
            and held_role(view, e, p.get("role"))
            and _common(view, e, p)
        ]
        full = _with_penalties(view, found, p)
        return _reading_of(full, len(found))

    read.__name__ = kind
    return read


def criminal_liabilities(view: View, p: Mapping[str, Any]) -> Reading:
    """Judgments against the person; ``accident_grade_at_least`` asks the linked accident's grade.
    ``until`` carries the latest known end of sentence (the ban runs from it)."""
    return _accountable(view, p, "criminal_liability")


def dismissals(view: View, p: Mapping[str, Any]) -> Reading:
    """撤职处分 of the person for an accident (安全生产法 art. 94 para 3: "受刑事处罚或者撤职处分的，
    自刑罚执行完毕或者受处分之日起"); ``until`` carries the latest day of sanction (the ban runs from it)."""
    return _accountable(view, p, "dismissal")


def _accountable(view: View, p: Mapping[str, Any], kind: str) -> Reading:
    floor = p.get("accident_grade_at_least")
    found = []
    for e in view.events:
        if e.kind != kind or not _common(view, e, p) or not held_role(view, e, p.get("role")):
            continue
        if floor is not None:
            grades = [a.grade or "ordinary" for a in _linked_accidents(view, e)]
            if e.accident_grade is not None:
                grades.append(e.accident_grade)
            if not any(ACCIDENT_RANK[g] >= ACCIDENT_RANK[floor] for g in grades):
                continue
        found.append(e)
    marked = [e.occurred_on if kind == "dismissal" else e.sentence_end_on for e in found]
    ends = [d for d in marked if d is not None]
    base = _reading_of(found)
    return Reading(base.value, base.evidence, base.anchor, max(ends, default=None))


def _linked_accidents(view: View, e: Event) -> list[Event]:
    """Accidents the judgment names (the facts builder resolves them across subjects)."""
    own = [a for a in view.linked(e) if a.kind == "accident"]
    return own + [a for a in view.events if a.kind == "accident" and e.id in a.links and a not in own]


def major_hazards(view: View, p: Mapping[str, Any]) -> Reading:
    """``overdue``: the deadline passed (before the day) without rectification by the deadline."""
    out = []
    for e in view.events:
        if e.kind != "major_hazard" or not _common(view, e, p):
            continue
        if p.get("overdue") is not None:
            late = (
                e.deadline is not None
                and e.deadline < view.as_of
                and (e.rectified_on is None or e.rectified_on > e.deadline)
            )
            if late != p["overdue"]:
                continue
        if p.get("risky_work") is not None and e.risky_work != p["risky_work"]:
            continue
        out.append(e)
    return _reading_of(out)


def subject_type(view: View, _p: Mapping[str, Any]) -> Reading:
    return Reading(view.facts.subject.type)


def industry(view: View, _p: Mapping[str, Any]) -> Reading:
    return Reading(view.facts.subject.industry or "")


def scale(view: View, _p: Mapping[str, Any]) -> Reading:
    return Reading(view.facts.subject.scale or "")


def has_parent(view: View, _p: Mapping[str, Any]) -> Reading:
    return Reading(view.facts.subject.parent_uscc is not None)


def grade_level(view: View, _p: Mapping[str, Any]) -> Reading:
    g = view.grade
    if g is None:
        return Reading(0)
    return Reading(g.level, (), g.announced_on, g.valid_until)


def grade_pending(view: View, _p: Mapping[str, Any]) -> Reading:
    return Reading(any(g.status in PENDING_GRADE for g in view.facts.grades))


def _current(view: View, p: Mapping[str, Any]) -> list[Any]:
    return sorted(
        (x for x in view.listings(p.get("list_types")) if view.in_force(x)), key=lambda x: (x.listed_on, x.list_type)
    )


def listed(view: View, p: Mapping[str, Any]) -> Reading:
    current = _current(view, p)
    if not current:
        return Reading(False)
    first = current[0]
    until = last_day(x.until for x in current)
    return Reading(True, (), first.listed_on, until, tuple(x.id for x in current if x.id is not None))


def months_listed(view: View, p: Mapping[str, Any]) -> Reading:
    current = _current(view, p)
    if not current:
        return Reading(0)
    return Reading(full_months(current[0].listed_on, view.as_of), (), current[0].listed_on, current[0].until)


def days_to_listing_end(view: View, p: Mapping[str, Any]) -> Reading:
    """Days from the day to the end of the listing in force (-1 when none, or none has an end)."""
    current = [x for x in _current(view, p) if x.until is not None]
    if not current:
        return Reading(-1)
    end = max(x.until for x in current if x.until is not None)
    return Reading((end - view.as_of).days, (), min(x.listed_on for x in current), end)


def early_removal_eligible(view: View, p: Mapping[str, Any]) -> Reading:
    """Listings in force that may be removed early on the day, each judged on its own penalty and
    from its own date (``registry.rules.removal``, the definition the listing workflow applies)."""
    assert view.ruleset is not None, "the evaluator names the ruleset"
    conditions = p.get("conditions") or DEFAULT_CONDITIONS
    eligible: list[tuple[Listing, tuple[int, ...]]] = []
    for x in _current(view, p):
        checks = early_removal(view.ruleset, view.facts, x, view.as_of, conditions)
        if all(c.held for c in checks):
            own = next((c.evidence for c in checks if c.code == "penalty_performed"), ())
            eligible.append((x, own))
    if not eligible:
        return Reading(0)
    return Reading(
        len(eligible),
        tuple(sorted({i for _, own in eligible for i in own})),
        min(x.listed_on for x, _ in eligible),
        last_day(x.until for x, _ in eligible),
        tuple(x.id for x, _ in eligible if x.id is not None),
    )


def removal_application_open(view: View, p: Mapping[str, Any]) -> Reading:
    """Listings in force whose 49号 application window (``registry.rules.removal``) holds the day."""
    found = [
        x
        for x in _current(view, p)
        if x.until is not None and application_window(x.until)[0] <= view.as_of <= application_window(x.until)[1]
    ]
    if not found:
        return Reading(0)
    return Reading(
        len(found),
        (),
        min(x.listed_on for x in found),
        last_day(x.until for x in found),
        tuple(x.id for x in found if x.id is not None),
    )


def grade_revocation_grounds(view: View, p: Mapping[str, Any]) -> Reading:
    """Events that are grounds to revoke the grade in force (``registry.rules.removal``, the
    definition the grade workflow applies to a revocation)."""
    g = view.grade
    if g is None:
        return Reading(0)
    assert g.announced_on is not None
    until = g.valid_until or dt.date.max
    found = [e for e in view.events if revocation_ground(p["reason"], e, g.announced_on, until, view.as_of)]
    return _reading_of(found)


def prior_listings(view: View, p: Mapping[str, Any]) -> Reading:
    """Listings of the subject that ended (removed or expired) before the day, or with
    ``before_latest_event`` before the latest event seen: a listing the same conduct caused is not
    a prior one, a listing that ended before new conduct is."""
    limit = view.as_of
    if p.get("before_latest_event"):
        limit = view.events[-1].occurred_on if view.events else dt.date.min
    ended = [
        x
        for x in view.listings(p.get("list_types"))
        if x.listed_on <= view.as_of and not view.in_force(x) and _ended_on(x) < limit
    ]
    return Reading(len(ended), listings=tuple(x.id for x in ended if x.id is not None))


def _ended_on(listing: Listing) -> dt.date:
    ends = [d for d in (listing.removed_on, listing.until) if d is not None]
    return min(ends, default=dt.date.max)


def listings_expired_unremoved(view: View, p: Mapping[str, Any]) -> Reading:
    """Listings whose term ended before the day with no removal recorded: due for removal."""
    due = [
        x
        for x in view.listings(p.get("list_types"))
        if x.removed_on is None and x.until is not None and x.until < view.as_of
    ]
    return Reading(len(due), listings=tuple(x.id for x in due if x.id is not None))


def work_injury_class(view: View, _p: Mapping[str, Any]) -> Reading:
    return Reading(view.facts.insurance.work_injury_class or 0)


_WINDOW = {
    "within_months": Param("int", "only events dated in the N calendar months up to the day (inclusive)"),
    "on_or_after": Param("date", "only events dated on or after this day (a statute reaches no earlier conduct)"),
    "on_or_before": Param("date", "only events dated on or before this day (a regime ends with its successor)"),
    "during_grade": Param("bool", "only events since the grade in force was announced"),
    "since_listing": Param("bool", "only events after the listing in force began"),
}
_PENALISED = {"penalised": Param("bool", "only events that are, or are linked with, an administrative penalty")}
_ACCIDENT = {
    "grade_at_least": Param("grade", "accident grade floor: ordinary, larger, major, especially_major"),
    "fatal": Param("bool", "only accidents with (true) or without (false) deaths"),
    "responsible": Param("bool", "only 责任事故 (true) or not (false)"),
    "major_responsibility": Param("bool", "only accidents the bureau found the subject bore major responsibility for"),
    **_PENALISED,
    **_WINDOW,
}
_TYPES = {"types": Param("types", "sub-types of the event kind")}
_ROLE = {
    "role": Param("role", "only where the person held this role (in the accident's unit) on the day of the conduct")
}

FACTS: Final[dict[str, Fact]] = {
    f.name: f
    for f in (
        Fact("accidents", "int", "number of accidents matching the filters", accidents, _ACCIDENT),
        Fact(
            "accidents_in_any_window",
            "int",
            "the most matching accidents inside any span of `months` calendar months, ends included",
            accidents_in_any_window,
            {
                **_ACCIDENT,
                "months": Param("int", "span length in calendar months", required=True),
                "last_penalised": Param(
                    "bool", "count each span only up to its last penalised accident (the one completing the case)"
                ),
            },
        ),
        Fact("deaths", "int", "deaths in the matching accidents", deaths, _ACCIDENT),
        Fact(
            "deaths_in_any_window",
            "int",
            "the most deaths in matching accidents inside any span of `months` calendar months",
            deaths_in_any_window,
            {**_ACCIDENT, "months": Param("int", "span length in calendar months", required=True)},
        ),
        Fact(
            "penalties",
            "int",
            "administrative penalties matching the filters",
            penalties,
            {
                "min_multiplier": Param("float", "安全生产法 art. 114 multiple at least this"),
                "article": Param("int", "only penalties whose legal basis cites this 安全生产法 article"),
                "execution": Param("executions", "execution states: pending, executed, refused"),
                "serious": Param("bool", "性质恶劣、情节严重 as found by the deciding bureau"),
                "credit_class": Param(
                    "classes",
                    "失信信息类别 (minor, general, serious, unrecorded): as recorded; serious behind an 11号 listing",
                ),
                "licence_withdrawn": Param("bool", "the penalty suspended or revoked the safety-production licence"),
                **_WINDOW,
            },
        ),
        Fact(
            "reporting_violations",
            "int",
            "瞒报 / 谎报 / 迟报 established",
            _typed("reporting_violation"),
            {**_TYPES, **_PENALISED, **_WINDOW},
            "reporting_violation",
        ),
        Fact(
            "licence_violations",
            "int",
            "operating without a licence or while it is suspended or revoked; using a construction project's "
            "safety facilities before their acceptance",
            _typed("licence_violation"),
            {**_TYPES, **_PENALISED, **_WINDOW},
            "licence_violation",
        ),
        Fact(
            "intermediary_frauds",
            "int",
            "an intermediary renting its qualification, affiliating, or issuing false reports or certificates",
            _typed("intermediary_fraud"),
            {**_TYPES, "serious": Param("bool", "情节严重 (安全生产法 art. 92 para 3)"), **_PENALISED, **_WINDOW},
            "intermediary_fraud",
        ),
        Fact(
            "obstructions",
            "int",
            "evading or resisting supervision, destroying the scene or evidence, obstructing the investigation, "
            "working on after a 停产停业整顿 order",
            _typed("obstruction"),
            {**_TYPES, **_PENALISED, **_WINDOW},
            "obstruction",
        ),
        Fact(
            "flights",
            "int",
            "the principal did not organise rescue, left the post or fled",
            _typed("flight"),
            {**_TYPES, **_ROLE, **_PENALISED, **_WINDOW},
            "flight",
        ),
        Fact(
            "enforcement_orders",
            "int",
            "停产整顿 / 关闭取缔 / 上限处罚 / 责任追究 ordered",
            _typed("enforcement_order"),
            {
                **_TYPES,
                "in_force": Param("bool", "in force on the day (no end, or ending on or after it)"),
                **_WINDOW,
            },
            "enforcement_order",
        ),
        Fact(
            "criminal_liabilities",
            "int",
            "judgments holding the person criminally liable",
            criminal_liabilities,
            {
                "accident_grade_at_least": Param("grade", "grade floor of the accident the judgment names"),
                **_ROLE,
                **_WINDOW,
            },
        ),
        Fact(
            "dismissals",
            "int",
            "撤职处分 of the person for an accident (安全生产法 art. 94 para 3)",
            dismissals,
            {
                "accident_grade_at_least": Param("grade", "grade floor of the accident the sanction names"),
                **_ROLE,
                **_WINDOW,
            },
        ),
        Fact(
            "major_hazards",
            "int",
            "major hidden hazards (重大事故隐患)",
            major_hazards,
            {
                "overdue": Param("bool", "not rectified by the deadline, the deadline being past"),
                "risky_work": Param("bool", "the unit still had its workers work at risk (仍组织从业人员冒险作业)"),
                **_WINDOW,
            },
        ),
        Fact("subject_type", "str", "enterprise, agency or person", subject_type),
        Fact("industry", "str", "the unit's industry code (DESIGN section 6)", industry),
        Fact("scale", "str", "above_scale, below_scale or micro", scale),
        Fact("has_parent", "bool", "the unit has a recorded parent company (上级公司)", has_parent),
        Fact("grade_level", "int", "level of the standardization grade in force (0: none)", grade_level),
        Fact("grade_pending", "bool", "a grading application is under way", grade_pending),
        Fact(
            "listed",
            "bool",
            "a listing is in force",
            listed,
            {"list_types": Param("list_types", "only these list types")},
        ),
        Fact(
            "months_listed",
            "int",
            "whole calendar months since the listing in force began (0: none)",
            months_listed,
            {"list_types": Param("list_types", "only these list types")},
        ),
        Fact(
            "days_to_listing_end",
            "int",
            "days left until the listing in force ends (-1: none)",
            days_to_listing_end,
            {"list_types": Param("list_types", "only these list types")},
        ),
        Fact(
            "early_removal_eligible",
            "int",
            "listings in force that may be removed early on the day (12 months and the conditions)",
            early_removal_eligible,
            {
                "list_types": Param("list_types", "only these list types"),
                "conditions": Param(
                    "conditions",
                    "the conditions beyond the 12 months (default: penalty_performed, no_new_listing_case)",
                ),
            },
            per_ruleset=True,
        ),
        Fact(
            "removal_application_open",
            "int",
            "listings in force whose removal-on-application window (30 days before the end) holds the day",
            removal_application_open,
            {"list_types": Param("list_types", "only these list types")},
        ),
        Fact(
            "grade_revocation_grounds",
            "int",
            "events that are grounds to revoke the grade in force",
            grade_revocation_grounds,
            {"reason": Param("reason", "fatal_accident or major_hazard_unrectified", required=True)},
        ),
        Fact(
            "prior_listings",
            "int",
            "listings that ended before the day",
            prior_listings,
            {
                "list_types": Param("list_types", "only these list types"),
                "before_latest_event": Param("bool", "only listings that ended before the latest event seen"),
            },
        ),
        Fact(
            "listings_expired_unremoved",
            "int",
            "listings whose term ended before the day and that are not yet recorded as removed",
            listings_expired_unremoved,
            {"list_types": Param("list_types", "only these list types")},
        ),
        Fact("work_injury_class", "int", "工伤保险行业风险类别 1-8 (0: not recorded)", work_injury_class),
    )
}

#: operators by fact type
OPERATORS: Final[dict[str, tuple[str, ...]]] = {
    "int": ("==", "!=", ">=", ">", "<=", "<", "in", "not_in"),
    "bool": ("==", "!="),
    "str": ("==", "!=", "in", "not_in"),
}


_COMPARE: Final[dict[str, Callable[[Any, Any], Any]]] = {
    "==": operator.eq,
    "!=": operator.ne,
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
    "in": lambda actual, expected: actual in expected,
    "not_in": lambda actual, expected: actual not in expected,
}


def compare(op: str, actual: Any, expected: Any) -> bool:
    return bool(_COMPARE[op](actual, expected))


__all__ = [
    "BASES",
    "CONDITIONS",
    "CREDIT_CLASSES",
    "EVENT_GROUNDS",
    "EVENT_TYPES",
    "FACTS",
    "LIST_TYPES",
    "OPERATORS",
    "OUTCOMES",
    "Fact",
    "LegalBasis",
    "OutcomeEntry",
    "Param",
    "Reading",
    "compare",
]

"""The evaluator turns fired rules into dated, explained outcomes; each date, trace and merge must be right."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest
import yaml
from msgspec import to_builtins

from registry.rules.catalogue import BASES, OUTCOMES
from registry.rules.decision import GROUPS, Decision, Outcome, PersonRef
from registry.rules.evaluator import Memo, applicable, evaluate, evaluate_ruleset
from registry.rules.facts import Event, Facts, Grade, Listing, Role, Subject
from registry.rules.loader import parse
from registry.rules.model import Ruleset
from registry.rules.view import View
from registry.rules.vocabulary import FACTS, Reading

D = dt.date
AS_OF = D(2025, 1, 1)
EPOCH = D(2000, 1, 1)
SENTENCE_NOTE = "自刑罚执行完毕之日起计算；执行完毕日期尚未登记 / runs from the end of the sentence, not yet recorded"


def ev(id: int, kind: str, on: dt.date, **kw: Any) -> Event:
    return Event(id=id, kind=kind, occurred_on=on, **kw)  # type: ignore[arg-type]


def leaf(fact: str, op: str = ">=", value: Any = 1, **where: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"fact": fact, "op": op, "value": value}
    if where:
        out["where"] = where
    return out


def rule(id: str, when: dict[str, Any], *then: dict[str, Any] | str, **over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": id,
        "title": f"rule {id}",
        "subjects": ["enterprise", "agency", "person"],
        "basis": ["mem11"],
        "tag": "C",
        "when": when,
        "then": [{"outcome": t} if isinstance(t, str) else t for t in then],
    }
    base.update(over)
    return base


def ruleset(
    *rules: dict[str, Any],
    family: str = "fam",
    version: str = "1",
    start: dt.date = EPOCH,
    end: dt.date | None = None,
    scope: str = "state",
    combine: str = "all",
    **over: Any,
) -> Ruleset:
    raw = {
        "family": family,
        "version": version,
        "title": f"{family} {version}",
        "legal_basis": ["mem11"],
        "effective_from": start,
        "effective_to": end,
        "scope": scope,
        "combine": combine,
        "rules": list(rules),
        **over,
    }
    return parse(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), f"{family}/{version}.yaml")


def only(decision: Decision, code: str) -> Outcome:
    found = [o for o in decision.outcomes() if o.code == code]
    assert len(found) == 1, [(o.code, o.start, o.until) for o in decision.outcomes()]
    return found[0]


def codes(decision: Decision) -> list[str]:
    return [o.code for o in decision.outcomes()]


ACCIDENT = ev(1, "accident", D(2024, 3, 1), grade="larger", deaths=3)
PENALTY = ev(2, "penalty", D(2024, 5, 1), links=(1,), deciding_authority="110000")
FACTS_1 = Facts(events=(ACCIDENT, PENALTY))


# --- an outcome and its explanation --------------------------------------------------------------


def test_an_outcome_names_its_rule_facts_basis_and_dates() -> None:
    rs = ruleset(
        rule(
            "R1",
            leaf("accidents", grade_at_least="larger", penalised=True),
            {"outcome": "list_serious_dishonest_2023", "term": {"years": 3}, "criterion": "11-2", "note": "spec"},
            note="rule note",
        )
    )
    decision = evaluate(rs, FACTS_1, AS_OF)
    assert decision.subject == FACTS_1.subject
    assert decision.as_of == AS_OF
    assert decision.fired == ["fam/1#R1"]
    assert [(r.id, r.family, r.version, r.hash, r.title) for r in decision.rulesets] == [
        ("fam/1", "fam", "1", rs.hash, "fam 1")
    ]
    (o,) = decision.listings
    entry = OUTCOMES["list_serious_dishonest_2023"]
    assert (o.kind, o.code, o.text, o.text_en) == ("listing", entry.code, entry.text, entry.text_en)
    assert (o.departments, o.applies_to) == (list(entry.departments), list(entry.applies_to))
    assert (o.start, o.until, o.lifetime) == (D(2024, 5, 1), D(2027, 5, 1), False)  # from the penalty decision
    assert (o.value, o.unit, o.criteria) == (None, None, ["11-2"])
    assert o.evidence == [1, 2]
    assert o.deciding_authority == "110000"
    assert (o.tag, o.verified) == ("C-2", True)
    assert [b.code for b in o.basis] == ["mem11", "mem11_term"]  # the rule's, then the outcome's, once each
    assert o.basis[0].doc_no == BASES["mem11"].doc_no
    assert o.notes == ["spec", "rule note"]
    (because,) = o.because
    assert (because.ruleset, because.version, because.hash, because.rule, because.title, because.tag) == (
        "fam/1",
        "1",
        rs.hash,
        "R1",
        "rule R1",
        "C",
    )
    (fact,) = because.facts
    assert (fact.fact, fact.where, fact.op, fact.expected, fact.actual, fact.held, fact.evidence) == (
        "accidents",
        {"grade_at_least": "larger", "penalised": True},
        ">=",
        1,
        1,
        True,
        [1, 2],
    )


def test_list_values_are_sent_as_lists() -> None:
    rs = ruleset(
        rule(
            "R1",
            leaf("industry", "in", ["mining", "metallurgy"]),
            {"outcome": "work_injury_tiers", "value": [50, 80.5], "unit": "%"},
        ),
        rule("R2", leaf("reporting_violations", types=["concealment"]), "key_target"),
    )
    facts = Facts(
        subject=Subject(industry="mining"), events=(ev(5, "reporting_violation", D(2024, 1, 1), type="concealment"),)
    )
    decision = evaluate(rs, facts, AS_OF)
    tiers = only(decision, "work_injury_tiers")
    assert (tiers.value, tiers.unit) == ([50, 80.5], "%")
    assert tiers.because[0].facts[0].expected == ["mining", "metallurgy"]
    assert tiers.because[0].facts[0].actual == "mining"
    assert only(decision, "key_target").because[0].facts[0].where == {"types": ["concealment"]}


def test_a_rule_on_an_unverified_basis_is_not_verified() -> None:
    rs = ruleset(rule("R1", leaf("accidents"), "more_inspections", basis=["mem11_case8"], tag="R"))
    o = only(evaluate(rs, FACTS_1, AS_OF), "more_inspections")
    assert o.verified is False
    assert [(b.code, b.verified) for b in o.basis] == [("mem11_case8", False), ("ndrc1001_1", True)]
    assert (
        only(
            evaluate(ruleset(rule("R1", leaf("accidents"), "restrict_financing")), FACTS_1, AS_OF), "restrict_financing"
        ).verified
        is False
    )


def test_a_rule_applies_only_to_its_subjects() -> None:
    rs = ruleset(rule("R1", leaf("accidents"), "more_inspections", subjects=["person"]))
    assert evaluate(rs, FACTS_1, AS_OF).fired == []
    person = Facts(subject=Subject(type="person"), events=FACTS_1.events)
    assert evaluate(rs, person, AS_OF).fired == ["fam/1#R1"]


def test_outcomes_are_grouped_by_kind() -> None:
    kinds = {
        "list_blacklist_2017": "listings",
        "notice_before_listing": "notices",
        "removal_at_expiry": "removals",
        "more_inspections": "measures",
        "grade_review_suspended": "grade_actions",
        "grade_in_force": "standardization",
        "disclose_penalty": "disclosures",
        "ban_principal_any_unit": "bans",
        "work_injury_tiers": "incentives",
    }
    rs = ruleset(rule("R1", leaf("accidents"), *kinds, basis=["mem11", "safety_law_94"]))
    decision = evaluate(rs, FACTS_1, AS_OF)
    for code, group in kinds.items():
        assert [o.code for o in getattr(decision, group)] == [code]
        assert GROUPS[OUTCOMES[code].kind] == group
    assert codes(decision) == list(kinds)  # in the order of the groups


# --- conditions and their trace ------------------------------------------------------------------


def test_any_keeps_only_the_children_that_held() -> None:
    rs = ruleset(
        rule(
            "R1",
            {"any": [leaf("accidents", grade_at_least="major"), leaf("penalties"), leaf("major_hazards")]},
            "more_inspections",
        )
    )
    o = only(evaluate(rs, FACTS_1, AS_OF), "more_inspections")
    assert [(f.fact, f.held) for f in o.because[0].facts] == [("penalties", True)]
    assert (o.evidence, o.start) == ([2], D(2024, 5, 1))


def test_any_with_nothing_true_does_not_fire() -> None:
    rs = ruleset(rule("R1", {"any": [leaf("major_hazards"), leaf("flights")]}, "more_inspections"))
    decision = evaluate(rs, FACTS_1, AS_OF)
    assert (decision.fired, decision.outcomes()) == ([], [])


def test_all_traces_every_child_and_starts_from_the_latest_evidence() -> None:
    rs = ruleset(
        rule(
            "R1",
            {"all": [leaf("accidents"), leaf("penalties")]},
            {"outcome": "more_inspections", "term": {"months": 6}},
        )
    )
    o = only(evaluate(rs, FACTS_1, D(2024, 6, 1)), "more_inspections")
    assert [f.fact for f in o.because[0].facts] == ["accidents", "penalties"]
    assert (o.start, o.until) == (D(2024, 5, 1), D(2024, 11, 1))
    assert evaluate(rs, FACTS_1, AS_OF).fired == []  # that ended before the day
    assert evaluate(rs, FACTS_1, D(2024, 11, 1)).fired == ["fam/1#R1"]  # its last day


def test_all_with_a_false_child_does_not_fire() -> None:
    rs = ruleset(rule("R1", {"all": [leaf("accidents"), leaf("major_hazards")]}, "more_inspections"))
    assert evaluate(rs, FACTS_1, AS_OF).fired == []


def test_not_fires_on_absence_with_no_evidence_and_starts_on_the_day() -> None:
    rs = ruleset(rule("R1", {"not": leaf("major_hazards")}, {"outcome": "more_inspections", "term": {"years": 1}}))
    o = only(evaluate(rs, FACTS_1, AS_OF), "more_inspections")
    (fact,) = o.because[0].facts
    assert (fact.fact, fact.actual, fact.held) == ("major_hazards", 0, False)
    assert (o.evidence, o.start, o.until) == ([], AS_OF, D(2026, 1, 1))
    assert evaluate(ruleset(rule("R1", {"not": leaf("accidents")}, "more_inspections")), FACTS_1, AS_OF).fired == []


def test_a_negated_leaf_that_held_is_not_evidence() -> None:
    # not (penalties >= 1 and penalties >= 5): the first leaf held but explains nothing positive
    condition = {"all": [leaf("accidents"), {"not": {"all": [leaf("penalties"), leaf("penalties", value=5)]}}]}
    o = only(evaluate(ruleset(rule("R1", condition, "more_inspections")), FACTS_1, AS_OF), "more_inspections")
    assert [(f.fact, f.expected, f.held) for f in o.because[0].facts] == [
        ("accidents", 1, True),
        ("penalties", 1, True),
        ("penalties", 5, False),
    ]
    assert (o.evidence, o.start, o.deciding_authority) == ([1], D(2024, 3, 1), None)


def test_a_double_negation_is_positive_evidence() -> None:
    rs = ruleset(rule("R1", {"not": {"not": leaf("penalties")}}, "more_inspections"))
    o = only(evaluate(rs, FACTS_1, AS_OF), "more_inspections")
    assert (o.evidence, o.start, o.deciding_authority) == ([2], D(2024, 5, 1), "110000")


def test_produced_sees_what_earlier_rules_ordered() -> None:
    rs = ruleset(
        rule("early", {"produced": "notice"}, "key_target"),  # before the notice: nothing produced yet
        rule("notice", leaf("accidents"), "notice_before_listing"),
        rule("listing", {"all": [{"produced": "notice"}, leaf("accidents")]}, "list_serious_dishonest_2023"),
        rule("after", {"not": {"produced": "listing"}}, "more_inspections"),
    )
    decision = evaluate(rs, FACTS_1, AS_OF)
    assert decision.fired == ["fam/1#notice", "fam/1#listing"]
    listing = only(decision, "list_serious_dishonest_2023")
    assert [f.fact for f in listing.because[0].facts] == ["accidents"]  # produced leaves no trace


def test_a_fact_is_read_once_per_view(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[dict[str, Any]] = []
    original = FACTS["accidents"]

    def counting(view: View, p: Any) -> Reading:
        calls.append(dict(p))
        return original.read(view, p)

    state_a = ruleset(rule("A", {"all": [leaf("accidents"), leaf("accidents")]}, "key_target"), family="a")
    state_b = ruleset(rule("B", leaf("accidents"), "more_inspections"), family="b")
    conduct_1 = ruleset(
        rule("C", leaf("accidents"), "more_inspections"), family="c", end=D(2019, 12, 31), scope="conduct"
    )
    conduct_2 = ruleset(
        rule("C", leaf("accidents"), "more_inspections"), family="c", version="2", start=D(2020, 1, 1), scope="conduct"
    )
    monkeypatch.setitem(FACTS, "accidents", dataclasses.replace(original, read=counting))
    decision = evaluate([state_a, state_b], FACTS_1, AS_OF)
    assert decision.fired == ["a/1#A", "b/1#B"]
    assert calls == [{}]  # state rulesets share one view
    calls.clear()
    evaluate([conduct_1, conduct_2], FACTS_1, AS_OF)
    assert len(calls) == 2  # each conduct period has its own
    calls.clear()
    evaluate_ruleset(state_a, FACTS_1, AS_OF)
    assert calls == [{}]


# --- starts --------------------------------------------------------------------------------------

LISTINGS = (
    Listing(id=11, list_type="BLACKLIST_2017", listed_on=D(2024, 2, 1), until=D(2025, 2, 1)),
    Listing(id=12, list_type="SERIOUS_DISHONEST_2023", listed_on=D(2024, 6, 1), until=D(2027, 6, 1)),
)
GRADE = Grade(id=1, level=2, status="valid", announced_on=D(2023, 7, 1), valid_until=D(2026, 7, 1))


def dates(when: dict[str, Any], facts: Facts, as_of: dt.date = AS_OF, **spec: Any) -> tuple[Any, ...]:
    decision = evaluate(ruleset(rule("R1", when, {"outcome": "more_inspections", **spec})), facts, as_of)
    if not decision.outcomes():
        return ()
    o = only(decision, "more_inspections")
    return o.start, o.until, o.lifetime, o.notes


def test_start_on_the_day() -> None:
    assert dates(leaf("accidents"), FACTS_1, start="as_of", term={"years": 1}) == (AS_OF, D(2026, 1, 1), False, [])


def test_start_and_end_with_the_listings_the_rule_read() -> None:
    facts = Facts(listings=LISTINGS)
    only_sd = leaf("listed", "==", True, list_types=["SERIOUS_DISHONEST_2023"])
    assert dates(only_sd, facts, start="listing", term="listing") == (D(2024, 6, 1), D(2027, 6, 1), False, [])
    # several listing facts read: from the earliest start to the latest end among them
    both = {"all": [leaf("months_listed", ">=", 0, list_types=["BLACKLIST_2017"]), leaf("listed", "==", True)]}
    assert dates(both, facts, start="listing", term="listing") == (D(2024, 2, 1), D(2027, 6, 1), False, [])
    days = leaf("days_to_listing_end", ">=", 0, list_types=["BLACKLIST_2017"])
    assert dates(days, facts, start="listing", term="listing") == (D(2024, 2, 1), D(2025, 2, 1), False, [])
    open_ended = Facts(listings=(*LISTINGS, Listing(list_type="BLACKLIST_2015", listed_on=D(2024, 8, 1))))
    assert dates(leaf("listed", "==", True), open_ended, start="listing", term="listing") == (
        D(2024, 2, 1),
        None,
        False,
        [],
    )


def test_start_and_end_with_every_listing_in_force_when_the_rule_read_none() -> None:
    facts = Facts(events=FACTS_1.events, listings=LISTINGS)
    assert dates(leaf("accidents"), facts, start="listing", term="listing") == (D(2024, 2, 1), D(2027, 6, 1), False, [])
    open_ended = Facts(
        events=FACTS_1.events, listings=(*LISTINGS, Listing(list_type="BLACKLIST_2015", listed_on=D(2024, 8, 1)))
    )
    assert dates(leaf("accidents"), open_ended, start="listing", term="listing") == (D(2024, 2, 1), None, False, [])
    # a listing rule reading "not listed" reads no listing span either
    assert dates(leaf("listed", "==", False), Facts(), start="listing", term="listing") == (None, None, False, [])


def test_with_no_listing_in_force_a_period_from_the_listing_has_no_end() -> None:
    assert dates(leaf("accidents"), FACTS_1, start="listing", term={"years": 1}) == (None, None, False, [])


def test_start_and_end_with_the_grade() -> None:
    facts = Facts(grades=(GRADE,))
    assert dates(leaf("grade_level", value=1), facts, start="grade", term="grade") == (
        D(2023, 7, 1),
        D(2026, 7, 1),
        False,
        [],
    )
    assert dates(leaf("grade_level", "==", 0), Facts(), start="grade", term="grade") == (None, None, False, [])


def test_start_from_the_end_of_the_sentence() -> None:
    judgments = Facts(
        subject=Subject(type="person"),
        events=(
            ev(1, "criminal_liability", D(2022, 1, 1), sentence_end_on=D(2023, 6, 1)),
            ev(2, "criminal_liability", D(2022, 6, 1), sentence_end_on=D(2024, 6, 1)),
        ),
    )
    assert dates(leaf("criminal_liabilities"), judgments, start="sentence_end", term={"years": 5}) == (
        D(2024, 6, 1),
        D(2029, 6, 1),
        False,
        [],
    )
    # a lifetime ban from a sentence whose end is not recorded
    unknown = Facts(subject=Subject(type="person"), events=(ev(1, "criminal_liability", D(2022, 1, 1)),))
    assert dates(leaf("criminal_liabilities"), unknown, start="sentence_end", term="lifetime") == (
        None,
        None,
        True,
        [SENTENCE_NOTE],
    )
    assert dates(leaf("criminal_liabilities"), unknown, start="sentence_end", term={"years": 5}) == (
        None,
        None,
        False,
        [SENTENCE_NOTE],
    )


def test_the_sentence_end_comes_only_from_criminal_liabilities_that_held() -> None:
    facts = Facts(
        subject=Subject(type="person"),
        events=(
            ev(1, "criminal_liability", D(2022, 1, 1), sentence_end_on=D(2023, 6, 1)),
            ev(2, "flight", D(2022, 2, 1)),
        ),
    )
    when = {"all": [leaf("flights"), {"not": leaf("criminal_liabilities", value=2)}]}
    assert dates(when, facts, start="sentence_end", term={"years": 5})[:2] == (None, None)


def test_start_from_the_trigger_defaults_to_the_day_without_evidence() -> None:
    assert dates(leaf("accidents"), FACTS_1, term={"years": 1}) == (D(2024, 3, 1), D(2025, 3, 1), False, [])
    assert dates(leaf("industry", "==", ""), FACTS_1, term={"years": 1}) == (AS_OF, D(2026, 1, 1), False, [])


# --- terms ---------------------------------------------------------------------------------------


def test_period_terms_are_calendar_periods() -> None:
    leap = Facts(events=(ev(1, "accident", D(2024, 2, 29)),))
    assert dates(leaf("accidents"), leap, term={"years": 1, "months": 1})[:2] == (D(2024, 2, 29), D(2025, 3, 29))
    assert dates(leaf("accidents"), leap, term={"years": 3})[:2] == (D(2024, 2, 29), D(2027, 2, 28))


def test_lifetime_and_open_terms() -> None:
    assert dates(leaf("accidents"), FACTS_1, term="lifetime") == (D(2024, 3, 1), None, True, [])
    assert dates(leaf("accidents"), FACTS_1) == (D(2024, 3, 1), None, False, [])


def test_a_grade_term_without_a_grade_is_open() -> None:
    assert dates(leaf("accidents"), FACTS_1, term="grade") == (D(2024, 3, 1), None, False, [])


def order(id: int, until: dt.date | None) -> Event:
    return ev(id, "enforcement_order", D(2024, 1, id), type="suspension_for_rectification", until=until)


@pytest.mark.parametrize(
    ("orders", "until"),
    [
        ((order(1, D(2025, 3, 1)),), D(2025, 3, 1)),
        ((order(1, None),), None),  # open order
        ((order(1, D(2025, 3, 1)), order(2, D(2025, 6, 1))), D(2025, 6, 1)),
        ((order(1, D(2025, 3, 1)), order(2, None)), None),  # one of them open
    ],
)
def test_a_term_ending_with_the_events(orders: tuple[Event, ...], until: dt.date | None) -> None:
    when = leaf("enforcement_orders", types=["suspension_for_rectification"], in_force=True)
    got = dates(when, Facts(events=orders), term="event_end")
    assert got[1] == until


def test_an_event_end_term_over_no_event_is_open() -> None:
    assert dates(leaf("listed", "==", True), Facts(listings=LISTINGS), term="event_end")[1] is None


# --- outcomes that no longer apply, listings already decided -------------------------------------


def test_an_outcome_ended_before_the_day_is_dropped_and_its_rule_does_not_fire() -> None:
    rs = ruleset(
        rule("old", leaf("accidents"), {"outcome": "more_inspections", "term": {"months": 1}}),
        rule("current", leaf("accidents"), {"outcome": "key_target", "term": {"years": 1}}),
        combine="first",
    )
    decision = evaluate(rs, FACTS_1, AS_OF)
    assert decision.fired == ["fam/1#current"]
    assert codes(decision) == ["key_target"]
    assert evaluate(rs, FACTS_1, D(2024, 4, 1)).fired == ["fam/1#old"]  # first: the next rule is not reached


def test_of_several_outcomes_only_the_ended_ones_are_dropped() -> None:
    rs = ruleset(
        rule(
            "R1",
            leaf("accidents"),
            {"outcome": "more_inspections", "term": {"months": 1}},
            {"outcome": "key_target", "term": {"years": 1}},
        ),
    )
    decision = evaluate(rs, FACTS_1, AS_OF)
    assert (decision.fired, codes(decision)) == (["fam/1#R1"], ["key_target"])


def listing_case(*listings: Listing, start: str = "trigger") -> list[str]:
    rs = ruleset(
        rule("R1", leaf("accidents"), {"outcome": "list_serious_dishonest_2023", "start": start}, "key_target")
    )
    return codes(evaluate(rs, Facts(events=FACTS_1.events, listings=listings), AS_OF))


def test_a_listing_already_decided_for_the_case_is_not_proposed_again() -> None:
    def sd(on: dt.date, list_type: str = "SERIOUS_DISHONEST_2023") -> Listing:
        return Listing(list_type=list_type, listed_on=on, until=D(2030, 1, 1))

    assert listing_case() == ["list_serious_dishonest_2023", "key_target"]
    assert listing_case(sd(D(2024, 3, 1))) == ["key_target"]  # decided on the case's start
    assert listing_case(sd(AS_OF)) == ["key_target"]
    assert listing_case(sd(D(2024, 2, 29))) == ["list_serious_dishonest_2023", "key_target"]  # an earlier case's
    assert listing_case(sd(D(2025, 1, 2))) == ["list_serious_dishonest_2023", "key_target"]  # after the day
    assert listing_case(sd(D(2024, 6, 1), "BLACKLIST_2017")) == ["list_serious_dishonest_2023", "key_target"]
    # a case with no start (no grade) cannot be matched to a decision
    assert listing_case(sd(D(2024, 6, 1)), start="grade") == ["list_serious_dishonest_2023", "key_target"]


# --- combining -----------------------------------------------------------------------------------


def two_rules(combine: str, first: dict[str, Any], second: dict[str, Any], **rule_over: Any) -> Decision:
    rs = ruleset(
        rule("A", leaf("accidents"), {"outcome": "more_inspections", **first}, **rule_over),
        rule("B", leaf("penalties"), {"outcome": "more_inspections", **second}),
        combine=combine,
    )
    facts = Facts(
        events=FACTS_1.events,
        roles=(Role(person_id=7, role="principal"), Role(person_id=8, role="legal_representative")),
    )
    return evaluate(rs, facts, AS_OF)


def test_combine_all_keeps_each_outcome() -> None:
    decision = two_rules("all", {"term": {"years": 1}}, {"term": {"years": 2}})
    assert decision.fired == ["fam/1#A", "fam/1#B"]
    assert [(o.start, o.until) for o in decision.measures] == [
        (D(2024, 3, 1), D(2025, 3, 1)),
        (D(2024, 5, 1), D(2026, 5, 1)),
    ]


def test_combine_first_stops_at_the_first_rule_that_fires() -> None:
    decision = two_rules("first", {"term": {"years": 1}}, {"term": {"years": 2}})
    assert decision.fired == ["fam/1#A"]
    assert [o.until for o in decision.measures] == [D(2025, 3, 1)]


def test_combine_merge_keeps_the_longest_term_and_every_reason() -> None:
    decision = two_rules(
        "merge",
        {"term": {"years": 2}, "criterion": "b", "persons": ["principal"], "note": "A note"},
        {"term": {"years": 1}, "criterion": "a", "persons": ["legal_representative", "principal"], "note": "B note"},
        basis=["mem11_case8"],
        tag="R",
    )
    assert decision.fired == ["fam/1#A", "fam/1#B"]
    (o,) = decision.measures
    assert (o.start, o.until) == (D(2024, 3, 1), D(2026, 3, 1))  # A's two years outlast B's one
    assert o.criteria == ["a", "b"]
    assert o.evidence == [1, 2]
    assert [b.rule for b in o.because] == ["A", "B"]
    assert [b.code for b in o.basis] == ["mem11_case8", "ndrc1001_1", "mem11"]
    assert [(p.role, p.person_id) for p in o.persons] == [("principal", 7), ("legal_representative", 8)]
    assert o.notes == ["A note", "B note"]
    assert o.verified is False  # A rests on an R basis
    assert o.deciding_authority == "110000"  # from B's penalty


def test_merge_keeps_the_later_dated_term_whichever_comes_first() -> None:
    (o,) = two_rules("merge", {"term": {"years": 1}}, {"term": {"years": 1}}).measures
    assert (o.start, o.until) == (D(2024, 5, 1), D(2025, 5, 1))
    assert [b.rule for b in o.because] == ["B", "A"]
    assert o.deciding_authority == "110000"


@pytest.mark.parametrize(("first", "second"), [({}, {"term": {"years": 3}}), ({"term": {"years": 3}}, {})])
def test_merge_open_beats_dated(first: dict[str, Any], second: dict[str, Any]) -> None:
    (o,) = two_rules("merge", first, second).measures
    assert o.until is None
    assert o.start == (D(2024, 3, 1) if not first else D(2024, 5, 1))  # the open one is kept


def test_merge_of_equal_terms_keeps_the_first() -> None:
    (o,) = two_rules("merge", {"term": "lifetime"}, {"term": "lifetime"}).measures
    assert (o.start, o.until, o.lifetime) == (D(2024, 3, 1), None, True)
    assert [b.rule for b in o.because] == ["A", "B"]


def test_merge_lifetime_outlasts_open_whichever_comes_first() -> None:
    (o,) = two_rules("merge", {}, {"term": "lifetime"}).measures
    assert o.lifetime is True


def test_merge_unions_different_codes_separately() -> None:
    rs = ruleset(
        rule("A", leaf("accidents"), "more_inspections", "key_target"),
        rule("B", leaf("penalties"), "more_inspections"),
        combine="merge",
    )
    decision = evaluate(rs, FACTS_1, AS_OF)
    assert sorted(codes(decision)) == ["key_target", "more_inspections"]
    assert [b.rule for b in only(decision, "more_inspections").because] == ["A", "B"]


def test_the_same_outcome_from_two_rulesets_is_sent_once_with_both_reasons() -> None:
    a = ruleset(rule("A", leaf("accidents"), {"outcome": "more_inspections", "term": {"years": 1}}), family="a")
    b = ruleset(
        rule("B", leaf("accidents", fatal=True), {"outcome": "more_inspections", "term": {"years": 1}}), family="b"
    )
    decision = evaluate([b, a], FACTS_1, AS_OF)
    assert decision.fired == ["a/1#A", "b/1#B"]  # rulesets in family order
    (o,) = decision.measures
    assert [(x.ruleset, x.rule) for x in o.because] == [("a/1", "A"), ("b/1", "B")]


def test_different_terms_from_two_rulesets_stay_apart() -> None:
    a = ruleset(rule("A", leaf("accidents"), {"outcome": "more_inspections", "term": {"years": 1}}), family="a")
    b = ruleset(rule("B", leaf("accidents"), {"outcome": "more_inspections", "term": {"years": 2}}), family="b")
    decision = evaluate([a, b], FACTS_1, AS_OF)
    assert [(o.until, o.because[0].ruleset) for o in decision.measures] == [
        (D(2025, 3, 1), "a/1"),
        (D(2026, 3, 1), "b/1"),
    ]


# --- persons and the deciding authority ----------------------------------------------------------

ROLES = (
    Role(person_id=7, role="principal", name="甲", since=D(2020, 1, 1), until=D(2024, 3, 1)),
    Role(person_id=8, role="principal", name="乙", since=D(2024, 3, 2)),
    Role(person_id=9, role="legal_representative", since=D(2024, 3, 1), until=D(2024, 3, 1)),
    Role(person_id=10, role="safety_deputy"),
)


def persons(when: dict[str, Any], facts: Facts, **spec: Any) -> list[PersonRef]:
    roles = ["principal", "legal_representative", "safety_deputy", "directly_responsible"]
    rs = ruleset(rule("R1", when, {"outcome": "more_inspections", "persons": roles, **spec}))
    return only(evaluate(rs, facts, AS_OF), "more_inspections").persons


def test_persons_are_those_in_office_on_the_day_of_the_conduct() -> None:
    facts = Facts(events=FACTS_1.events, roles=ROLES)
    # the accident (not the later penalty) dates the conduct: 甲 was principal that day
    assert persons(leaf("accidents", penalised=True), facts) == [
        PersonRef(role="principal", person_id=7, name="甲"),
        PersonRef(role="legal_representative", person_id=9),
        PersonRef(role="safety_deputy", person_id=10),
        PersonRef(role="directly_responsible"),  # nobody recorded: the bureau must name one
    ]


def test_without_conduct_evidence_persons_are_those_in_office_on_the_start() -> None:
    facts = Facts(events=FACTS_1.events, roles=ROLES)
    assert [p.person_id for p in persons(leaf("penalties"), facts, start="as_of")] == [8, None, 10, None]
    assert [p.person_id for p in persons(leaf("industry", "==", ""), facts, start="as_of")] == [8, None, 10, None]


def test_without_any_day_the_holders_on_the_day_of_evaluation_are_named() -> None:
    facts = Facts(roles=ROLES)
    # no start and no conduct: those in office on AS_OF (2025-01-01), not everyone who ever held the role
    assert [p.person_id for p in persons(leaf("grade_level", "==", 0), facts, start="grade")] == [8, None, 10, None]


def test_the_deciding_authority_is_the_latest_penalty_s() -> None:
    facts = Facts(
        events=(
            ACCIDENT,
            ev(2, "penalty", D(2024, 5, 1), links=(1,), deciding_authority="110000"),
            ev(4, "penalty", D(2024, 6, 1), links=(1,), deciding_authority="120000"),
            ev(3, "penalty", D(2024, 6, 1), links=(1,), deciding_authority="130000"),
        )
    )
    rs = ruleset(rule("R1", leaf("accidents", penalised=True), "more_inspections"))
    o = only(evaluate(rs, facts, AS_OF), "more_inspections")
    assert (o.evidence, o.deciding_authority) == ([1, 2, 3, 4], "120000")  # same day: the higher id
    unpenalised = ruleset(rule("R1", leaf("accidents"), "more_inspections"))
    assert only(evaluate(unpenalised, facts, AS_OF), "more_inspections").deciding_authority is None


def test_listing_evidence_is_not_mistaken_for_an_event() -> None:
    facts = Facts(
        events=(ev(11, "penalty", D(2019, 1, 1), deciding_authority="440000"),),  # unrelated, old
        listings=(Listing(id=11, list_type="BLACKLIST_2017", listed_on=D(2024, 2, 1), until=D(2025, 2, 1)),),
    )
    rs = ruleset(
        rule("R1", leaf("listed", "==", True), {"outcome": "restrict_financing", "start": "listing", "term": "listing"})
    )
    o = only(evaluate(rs, facts, AS_OF), "restrict_financing")
    assert o.deciding_authority is None


# --- which versions apply ------------------------------------------------------------------------


def versions(scope: str) -> list[Ruleset]:
    return [
        ruleset(
            rule("R", leaf("accidents"), "more_inspections"),
            version="2015",
            start=D(2015, 7, 29),
            end=D(2017, 5, 8),
            scope=scope,
        ),
        ruleset(
            rule("R", leaf("accidents"), "more_inspections"),
            version="2017",
            start=D(2017, 5, 9),
            end=D(2023, 9, 30),
            scope=scope,
        ),
        ruleset(rule("R", leaf("accidents"), "more_inspections"), version="2023", start=D(2023, 10, 1), scope=scope),
    ]


@pytest.mark.parametrize(
    ("day", "conduct", "state"),
    [
        (D(2015, 7, 28), [], []),
        (D(2015, 7, 29), ["2015"], ["2015"]),
        (D(2017, 5, 8), ["2015"], ["2015"]),
        (D(2017, 5, 9), ["2015", "2017"], ["2017"]),
        (D(2023, 9, 30), ["2015", "2017"], ["2017"]),
        (D(2023, 10, 1), ["2015", "2017", "2023"], ["2023"]),
    ],
)
def test_applicable_versions(day: dt.date, conduct: list[str], state: list[str]) -> None:
    assert [r.version for r in applicable(reversed(versions("conduct")), day)] == conduct
    assert [r.version for r in applicable(versions("state"), day)] == state


def test_applicable_sorts_by_family_then_start() -> None:
    b = ruleset(rule("R", leaf("accidents"), "more_inspections"), family="b")
    a = ruleset(rule("R", leaf("accidents"), "more_inspections"), family="a", start=D(2010, 1, 1))
    assert [r.id for r in applicable([*versions("conduct"), b, a], AS_OF)] == [
        "a/1",
        "b/1",
        "fam/2015",
        "fam/2017",
        "fam/2023",
    ]


@pytest.mark.parametrize(
    ("division", "applies"),
    [("110105", True), ("11", True), ("120000", False), ("", False), (None, False)],
)
def test_a_local_pack_applies_only_inside_its_jurisdiction(division: str | None, applies: bool) -> None:
    local = ruleset(rule("R", leaf("accidents"), "work_injury_tiers"), family="local", jurisdiction=["11", "3101"])
    national = ruleset(rule("R", leaf("accidents"), "more_inspections"), family="national")
    assert [r.id for r in applicable([local, national], AS_OF, division)] == (["local/1"] if applies else []) + [
        "national/1"
    ]
    facts = Facts(subject=Subject(division_code=division), events=FACTS_1.events)
    assert ("work_injury_tiers" in codes(evaluate([local, national], facts, AS_OF))) is applies


def test_a_conduct_regime_judges_only_conduct_inside_its_period() -> None:
    facts = Facts(
        events=(
            ev(1, "accident", D(2017, 3, 1), grade="larger"),
            ev(2, "penalty", D(2017, 6, 1), links=(1,)),  # the 2015 case's penalty, decided under 2017
            ev(3, "accident", D(2018, 1, 1), grade="larger"),
        )
    )
    decision = evaluate(versions("conduct"), facts, AS_OF)
    assert decision.fired == ["fam/2015#R", "fam/2017#R"]
    assert [(b.ruleset, o.evidence) for o in decision.measures for b in o.because] == [
        ("fam/2015", [1]),
        ("fam/2017", [3]),
    ]
    state = evaluate(versions("state"), facts, AS_OF)
    assert state.fired == ["fam/2023#R"]
    assert state.measures[0].evidence == [1, 3]


def test_evaluate_takes_one_ruleset_or_many() -> None:
    rs = ruleset(rule("R1", leaf("accidents"), "more_inspections"))
    assert evaluate(rs, FACTS_1, AS_OF) == evaluate([rs], FACTS_1, AS_OF) == evaluate(iter([rs]), FACTS_1, AS_OF)
    assert evaluate([], FACTS_1, AS_OF) == Decision(subject=FACTS_1.subject, as_of=AS_OF, rulesets=[], fired=[])


def test_evaluate_ruleset_on_its_own() -> None:
    rs = ruleset(rule("R1", leaf("accidents"), "more_inspections"), rule("R2", leaf("flights"), "key_target"))
    fired, made = evaluate_ruleset(rs, FACTS_1, AS_OF)
    assert fired == ["fam/1#R1"]
    assert [o.code for o in made] == ["more_inspections"]


def test_memo_chooses_the_local_packs_by_division_and_keeps_a_bounded_memory() -> None:
    """A Beijing unit and a Henan unit with the same grade get different incentives (the Beijing
    pack applies only inside 11); the memo keeps them apart and forgets the oldest beyond its size."""
    from registry.rules.loader import load

    rulesets = load()
    grade = Grade(
        id=1, level=2, status="valid", applied_on=D(2024, 1, 1), announced_on=D(2024, 3, 1), valid_until=D(2027, 2, 28)
    )
    on = D(2026, 11, 26)

    def unit(division: str, n: int) -> Facts:
        subject = Subject(id=f"9111{n:014d}", name=f"单位{n}", division_code=division, industry="machinery")
        return Facts(subject=subject, grades=(grade,))

    memo = Memo(rulesets, size=2)
    beijing, henan = unit("110105", 1), unit("410103", 2)
    for facts in (beijing, henan, unit("120101", 3), henan, beijing):
        got = memo(facts, on)
        assert got.subject == facts.subject
        assert to_builtins(got) == to_builtins(evaluate(rulesets, facts, on))
    assert {o.code for o in memo(beijing, on).incentives} != {o.code for o in memo(henan, on).incentives}
    assert len(memo._memo) == 2


def test_memo_remembering_the_rulesets_per_division_and_day_decides_as_evaluate() -> None:
    """The chosen rulesets are remembered per (division, day): for units in many divisions (local
    packs by jurisdiction and by configuration, none) on days either side of the packs' and the
    regimes' dates, in an order that meets each pair again after others, the memo's decisions are
    ``evaluate``'s; its memory of pairs stays bounded."""
    from registry.rules.loader import load

    rulesets = load(extensions={"beijing_incentives": ["3205"], "erqi_incentives": ["410104"]})
    grade = Grade(
        id=1, level=2, status="valid", applied_on=D(2015, 1, 1), announced_on=D(2015, 3, 1), valid_until=D(2030, 2, 28)
    )
    penalty = ev(7, "penalty", D(2015, 9, 1), deciding_authority="110000", articles=("114-1-2",), multiplier=2.0)
    divisions = ["110105", "320505", "410103", "410104", "410108", "440305", "120101", "650102", None]
    days = [D(2016, 6, 1), D(2017, 5, 8), D(2017, 5, 9), D(2026, 11, 26)]
    kinds = [
        {},
        {"grades": (grade,)},
        {"events": (ACCIDENT, PENALTY)},
        {"events": (penalty,), "grades": (grade,)},
    ]
    memo = Memo(rulesets, size=16)
    seen: dict[tuple[str | None, dt.date], set[tuple[str | None, str | None]]] = {}
    for n, (day, division, kind) in enumerate(
        [(day, d, k) for _ in range(2) for day in days for k in range(len(kinds)) for d in divisions]
    ):
        subject = Subject(id=f"9111{n:014d}", name=f"单位{n}", division_code=division, industry="machinery")
        facts = Facts(subject=subject, **kinds[kind])  # type: ignore[arg-type]
        got = memo(facts, day)
        assert to_builtins(got) == to_builtins(evaluate(rulesets, facts, day)), (division, day, kind)
        assert got.subject == subject
        assert len(memo._chosen) <= 16
        seen.setdefault((division, day), set()).update((r.id, r.enabled_by) for r in got.rulesets)
    on = D(2026, 11, 26)
    assert ("beijing_incentives/2015", "jurisdiction") in seen[("110105", on)]
    assert ("beijing_incentives/2015", "configuration") in seen[("320505", on)]
    assert ("erqi_incentives/2016", "configuration") in seen[("410104", on)]
    assert ("shenzhen_incentives/2017", "jurisdiction") not in seen[("440305", D(2016, 6, 1))]
    assert ("shenzhen_incentives/2017", "jurisdiction") in seen[("440305", on)]
    assert not {r for r, how in seen[(None, on)] if how is not None}


# --- local packs: where they apply and what their outcomes say (DOMAIN 8.9) ------------------------


def _pack(extensions: tuple[str, ...] = ()) -> Ruleset:
    local = ruleset(
        rule("R", leaf("accidents"), "work_injury_tiers", tag="L", basis=["beijing_incentives"]),
        family="local",
        legal_basis=["beijing_incentives"],
        jurisdiction=["11"],
    )
    return dataclasses.replace(local, extensions=extensions)


@pytest.mark.parametrize(
    ("division", "how"),
    [("110105", "jurisdiction"), ("320505", "configuration"), ("3205", "configuration"), ("3206", None), (None, None)],
)
def test_a_local_pack_says_which_pack_and_why_it_applies(division: str | None, how: str | None) -> None:
    local = _pack(("3205",))
    assert local.enabled_by(division) == how
    facts = Facts(subject=Subject(division_code=division), events=FACTS_1.events)
    decision = evaluate(local, facts, AS_OF)
    if how is None:
        assert decision.outcomes() == []
        assert decision.rulesets == []
        return
    made = only(decision, "work_injury_tiers")
    assert (made.pack, made.jurisdiction, made.enabled_by) == ("local/1", ["11"], how)
    assert [b.code for b in made.basis] == ["beijing_incentives", "rsb2015_71"]
    assert [(r.id, r.jurisdiction, r.enabled_by) for r in decision.rulesets] == [("local/1", ["11"], how)]


def test_a_national_ruleset_applies_everywhere_and_its_outcomes_name_no_pack() -> None:
    national = ruleset(rule("R", leaf("accidents"), "more_inspections"))
    assert national.enabled_by(None) == national.enabled_by("650000") == "national"
    decision = evaluate(national, FACTS_1, AS_OF)
    made = only(decision, "more_inspections")
    assert (made.pack, made.jurisdiction, made.enabled_by) == (None, None, None)
    assert (decision.rulesets[0].jurisdiction, decision.rulesets[0].enabled_by) == (None, None)


@pytest.mark.parametrize("local_first", [True, False])
def test_a_measure_also_ordered_nationally_is_national(local_first: bool) -> None:
    """The same outcome from a local pack and a national ruleset is sent once; it holds everywhere,
    so it names no pack, and both reasons stay in ``because``."""
    local = ruleset(
        rule("R", leaf("accidents"), "work_injury_tiers", tag="L", basis=["beijing_incentives"]),
        family="a" if local_first else "z",
        legal_basis=["beijing_incentives"],
        jurisdiction=["11"],
    )
    national = ruleset(rule("R", leaf("accidents"), "work_injury_tiers"), family="m")
    facts = Facts(subject=Subject(division_code="110105"), events=FACTS_1.events)
    made = only(evaluate([local, national], facts, AS_OF), "work_injury_tiers")
    assert (made.pack, made.jurisdiction, made.enabled_by) == (None, None, None)
    assert sorted(b.ruleset for b in made.because) == sorted([local.id, "m/1"])


def test_two_local_packs_ordering_the_same_measure_keep_the_first_pack() -> None:
    one = _pack()
    other = dataclasses.replace(one, family="other")
    facts = Facts(subject=Subject(division_code="110105"), events=FACTS_1.events)
    made = only(evaluate([one, other], facts, AS_OF), "work_injury_tiers")
    assert (made.pack, made.enabled_by) == ("local/1", "jurisdiction")


def test_memo_keeps_a_pack_enabled_by_configuration_apart_from_its_own_area() -> None:
    """Two subjects whose facts differ only in their division get the same outcomes from a pack
    enabled for both, but one by its jurisdiction, the other by configuration: never swapped."""
    local = _pack(("32",))
    memo = Memo([local])

    def facts(division: str) -> Facts:
        return Facts(subject=Subject(division_code=division), events=FACTS_1.events)

    for division, how in (("110105", "jurisdiction"), ("320505", "configuration"), ("110101", "jurisdiction")):
        got = memo(facts(division), AS_OF)
        assert only(got, "work_injury_tiers").enabled_by == how
        assert to_builtins(got) == to_builtins(evaluate([local], facts(division), AS_OF))
    assert len(memo._memo) == 2

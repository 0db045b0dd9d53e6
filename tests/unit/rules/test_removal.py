"""registry.rules.removal: the one definition of early removal (11号, DOMAIN 8.6), the 49号
application window and the grounds to revoke a grade, which both the rules and the workflows use."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from registry.rules import removal as rm
from registry.rules.evaluator import evaluate
from registry.rules.facts import Event, Facts, Listing, Subject
from registry.rules.loader import RulesetError, load, parse

D = dt.date
RULESETS = load()
LISTING_2023 = next(r for r in RULESETS if r.id == "listing/2023")
UNIT = Subject(type="enterprise", industry="metallurgy")


def ev(id: int, kind: str, on: dt.date, **kw: Any) -> Event:
    return Event(id=id, kind=kind, occurred_on=on, **kw)  # type: ignore[arg-type]


def listing(id: int, on: dt.date, *evidence: int) -> Listing:
    return Listing(
        id=id,
        list_type="SERIOUS_DISHONEST_2023",
        listed_on=on,
        until=D(on.year + 3, on.month, on.day),
        evidence=evidence,
    )


def held(checks: list[rm.Check]) -> dict[str, bool]:
    return {c.code: c.held for c in checks}


def test_default_conditions_are_domain_8_6() -> None:
    assert rm.DEFAULT_CONDITIONS == ("penalty_performed", "no_new_listing_case")
    assert rm.early_rule(RULESETS, "SERIOUS_DISHONEST_2023") == (LISTING_2023, rm.DEFAULT_CONDITIONS)
    assert rm.early_rule(RULESETS, "BLACKLIST_2017") is None


def test_a_later_fine_blocks_only_under_the_stricter_condition() -> None:
    x = listing(9, D(2024, 1, 31), 1)
    facts = Facts(
        subject=UNIT,
        events=(
            ev(1, "penalty", D(2024, 1, 10), execution="executed"),
            ev(2, "penalty", D(2024, 8, 1), execution="pending"),
            ev(3, "penalty", D(2025, 6, 1), execution="pending"),  # after the day: not yet known
        ),
        listings=(x,),
    )
    on = D(2025, 3, 1)
    assert held(rm.early_removal(LISTING_2023, facts, x, on)) == {
        "listed_12_months": True,
        "penalty_performed": True,
        "no_new_listing_case": True,
    }
    strict = rm.early_removal(LISTING_2023, facts, x, on, ("no_new_penalty",))
    assert held(strict) == {"listed_12_months": True, "no_new_penalty": False}
    assert strict[1].evidence == (2,)
    assert "2" in strict[1].en


def test_a_new_listing_case_names_its_evidence() -> None:
    x = listing(9, D(2024, 1, 31), 1)
    facts = Facts(
        subject=UNIT,
        events=(
            ev(1, "penalty", D(2024, 1, 10), execution="executed"),
            ev(2, "reporting_violation", D(2024, 6, 1), type="concealment"),
            ev(3, "penalty", D(2024, 7, 1), links=(2,), execution="executed"),
        ),
        listings=(x,),
    )
    [months, performed, new] = rm.early_removal(LISTING_2023, facts, x, D(2025, 3, 1))
    assert (months.held, months.tag, performed.held, performed.evidence) == (True, "C-2", True, (1,))
    assert (new.code, new.held, new.evidence) == ("no_new_listing_case", False, (2, 3))
    assert "新" not in new.zh or "事件 [2, 3]" in new.zh


def test_each_listing_is_judged_on_its_own_penalty_and_date() -> None:
    a, b = listing(9, D(2024, 1, 31), 1), listing(10, D(2024, 2, 5), 2)
    facts = Facts(
        subject=UNIT,
        events=(
            ev(1, "penalty", D(2024, 1, 10), execution="executed"),
            ev(2, "penalty", D(2024, 1, 20), execution="refused"),
        ),
        listings=(a, b),
    )
    on = D(2025, 2, 4)
    assert held(rm.early_removal(LISTING_2023, facts, a, on)) == dict.fromkeys(
        ("listed_12_months", "penalty_performed", "no_new_listing_case"), True
    )
    of_b = rm.early_removal(LISTING_2023, facts, b, on)
    assert held(of_b) == {"listed_12_months": False, "penalty_performed": False, "no_new_listing_case": True}
    assert of_b[1].evidence == (2,)
    decision = evaluate(RULESETS, facts, on)
    [eligible] = decision.removals
    assert (eligible.code, eligible.until, eligible.evidence) == ("removal_early_eligible", a.until, [1])
    assert eligible.because[0].facts[0].listings == [9]


def test_a_listing_without_evidence_rests_on_the_penalties_before_it() -> None:
    x = Listing(list_type="SERIOUS_DISHONEST_2023", listed_on=D(2024, 1, 31), until=D(2027, 1, 31))
    facts = Facts(
        subject=UNIT,
        events=(ev(1, "penalty", D(2024, 1, 10), execution="pending"), ev(2, "penalty", D(2024, 5, 1))),
        listings=(x,),
    )
    [_, performed, _] = rm.early_removal(LISTING_2023, facts, x, D(2025, 3, 1))
    assert (performed.held, performed.evidence) == (False, (1,))
    assert evaluate(RULESETS, facts, D(2025, 3, 1)).removals == []


def test_the_conditions_are_a_ruleset_parameter() -> None:
    text = """
family: listing
version: "2099"
title: t
legal_basis: [mem11]
effective_from: 2099-01-01
effective_to: null
scope: conduct
combine: merge
rules:
  - id: X
    title: t
    subjects: [enterprise]
    basis: [mem11_early]
    tag: R
    when:
      not:
        not: {fact: early_removal_eligible, where: {conditions: [no_new_penalty]}, op: ">=", value: 1}
    then: [{outcome: removal_early_eligible, start: as_of, term: listing}]
"""
    ruleset = parse(text)
    assert rm.early_rule([ruleset], "BLACKLIST_2017") == (ruleset, ("no_new_penalty",))
    with pytest.raises(RulesetError, match="conditions must be a non-empty list"):
        parse(text.replace("[no_new_penalty]", "[no_fine_at_all]"))


@pytest.mark.parametrize(
    ("on", "inside"),
    [(D(2024, 1, 30), False), (D(2024, 1, 31), True), (D(2024, 3, 1), True), (D(2024, 3, 2), False)],
)
def test_the_49_application_window_ends_at_expiry(on: dt.date, inside: bool) -> None:
    opens, closes = rm.application_window(D(2024, 3, 1))
    assert (opens, closes) == (D(2024, 1, 31), D(2024, 3, 1))
    assert (opens <= on <= closes) is inside


GRADE = (D(2024, 1, 1), D(2027, 1, 1))


@pytest.mark.parametrize(
    ("reason", "event", "on", "ground"),
    [
        ("fatal_accident", ev(1, "accident", D(2024, 5, 1), deaths=1), D(2024, 6, 1), True),
        ("fatal_accident", ev(1, "accident", D(2024, 5, 1), deaths=0), D(2024, 6, 1), False),
        ("fatal_accident", ev(1, "accident", D(2023, 12, 31), deaths=1), D(2024, 6, 1), False),
        ("fatal_accident", ev(1, "accident", D(2024, 7, 1), deaths=1), D(2024, 6, 1), False),
        ("fatal_accident", ev(1, "major_hazard", D(2024, 5, 1)), D(2024, 6, 1), False),
        # found before the announcement, deadline inside the validity, missed: a ground
        (
            "major_hazard_unrectified",
            ev(2, "major_hazard", D(2023, 12, 1), deadline=D(2024, 2, 1)),
            D(2024, 6, 1),
            True,
        ),
        (
            "major_hazard_unrectified",
            ev(2, "major_hazard", D(2024, 1, 5), deadline=D(2024, 2, 1), rectified_on=D(2024, 2, 1)),
            D(2024, 6, 1),
            False,
        ),
        (
            "major_hazard_unrectified",
            ev(2, "major_hazard", D(2024, 1, 5), deadline=D(2024, 2, 1), rectified_on=D(2024, 2, 2)),
            D(2024, 6, 1),
            True,
        ),
        (
            "major_hazard_unrectified",
            ev(2, "major_hazard", D(2024, 1, 5), deadline=D(2024, 6, 1)),
            D(2024, 6, 1),
            False,
        ),
        (
            "major_hazard_unrectified",
            ev(2, "major_hazard", D(2023, 6, 1), deadline=D(2023, 12, 31)),
            D(2024, 6, 1),
            False,
        ),
        ("major_hazard_unrectified", ev(2, "major_hazard", D(2024, 1, 5)), D(2024, 6, 1), False),
        ("system_ineffective", ev(1, "accident", D(2024, 5, 1), deaths=1), D(2024, 6, 1), False),
    ],
)
def test_revocation_grounds(reason: str, event: Event, on: dt.date, ground: bool) -> None:
    assert rm.revocation_ground(reason, event, *GRADE, on) is ground


def test_the_rules_shipped_ask_the_shared_definition() -> None:
    """R10, R21-2017-removal and R18 read the facts backed by registry.rules.removal."""
    facts_of = {
        f"{r.id}#{rule.id}": {leaf.fact for leaf in rm._leaves(rule.when)} for r in RULESETS for rule in r.rules
    }
    assert facts_of["listing/2023#R10"] == {"early_removal_eligible"}
    assert facts_of["listing/2017#R21-2017-removal"] == {"removal_application_open"}
    assert facts_of["standardization/2021#R18-fatal"] == {"grade_revocation_grounds"}
    assert facts_of["standardization/2021#R18-hazard"] == {"grade_revocation_grounds"}


def test_judge_uses_the_ruleset_that_decides_the_type_and_its_conditions() -> None:
    """The workflow and the what-if ask ``judge``: the conditions of the ruleset that decides early
    removal of the listing's type, every one held or not; none for a type no ruleset repairs."""
    x = listing(9, D(2024, 1, 31), 1)
    facts = Facts(subject=UNIT, events=(ev(1, "penalty", D(2024, 1, 10), execution="pending"),), listings=(x,))
    found = rm.judge(RULESETS, facts, x, D(2025, 3, 1))
    assert found is not None
    ruleset, checks = found
    assert ruleset is LISTING_2023
    assert held(checks) == {"listed_12_months": True, "penalty_performed": False, "no_new_listing_case": True}
    old = Listing(id=3, list_type="BLACKLIST_2017", listed_on=D(2020, 1, 1), until=D(2021, 1, 1))
    assert rm.judge(RULESETS, facts, old, D(2020, 6, 1)) is None
    assert set(rm.CONDITIONS_ZH) == set(rm.CONDITIONS)

"""Every fact a rule may read, and every filter on it, must count the right events on the right day."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from registry.rules.calendar import full_months
from registry.rules.facts import Event, Facts, Grade, Insurance, Listing, Subject
from registry.rules.view import View
from registry.rules.vocabulary import EVENT_TYPES, FACTS, OPERATORS, Reading, compare

D = dt.date


def ev(id: int, kind: str, on: dt.date, **kw: Any) -> Event:
    return Event(id=id, kind=kind, occurred_on=on, **kw)  # type: ignore[arg-type]


def read(fact: str, facts: Facts, as_of: dt.date, **params: Any) -> Reading:
    return FACTS[fact].read(View(facts, as_of), params)


# --- accidents and their filters -----------------------------------------------------------------

AS_OF = D(2025, 6, 15)
ACCIDENTS = Facts(
    events=(
        ev(1, "accident", D(2023, 3, 1)),  # no grade recorded: ordinary
        ev(2, "accident", D(2024, 6, 15), grade="larger", deaths=3),
        ev(3, "accident", D(2024, 6, 14), grade="major", deaths=12, responsible=False),
        ev(4, "accident", AS_OF, grade="especially_major", deaths=40),
        ev(5, "accident", D(2025, 6, 16), grade="larger", deaths=5),  # after the day: not yet known
        ev(6, "penalty", D(2024, 7, 1)),  # not an accident
    )
)


@pytest.mark.parametrize(
    ("params", "value", "evidence"),
    [
        ({}, 4, (1, 3, 2, 4)),
        ({"grade_at_least": "ordinary"}, 4, (1, 3, 2, 4)),
        ({"grade_at_least": "larger"}, 3, (3, 2, 4)),
        ({"grade_at_least": "major"}, 2, (3, 4)),
        ({"grade_at_least": "especially_major"}, 1, (4,)),
        ({"fatal": True}, 3, (3, 2, 4)),
        ({"fatal": False}, 1, (1,)),
        ({"responsible": True}, 3, (1, 2, 4)),
        ({"responsible": False}, 1, (3,)),
        ({"within_months": 12}, 2, (2, 4)),  # 2024-06-15 is inside, 2024-06-14 is not
        ({"within_months": 0}, 1, (4,)),
        ({"grade_at_least": "major", "responsible": True}, 1, (4,)),
    ],
)
def test_accident_filters(params: dict[str, Any], value: int, evidence: tuple[int, ...]) -> None:
    got = read("accidents", ACCIDENTS, AS_OF, **params)
    assert (got.value, got.evidence) == (value, evidence)
    assert got.anchor == max(e.occurred_on for e in ACCIDENTS.events if e.id in evidence)
    assert got.until is None


def test_no_accident_reads_zero_without_an_anchor() -> None:
    assert read("accidents", ACCIDENTS, D(2020, 1, 1)) == Reading(0, (), None)
    assert read("deaths", Facts(), AS_OF) == Reading(0, (), None)


@pytest.mark.parametrize(
    ("params", "value", "evidence"),
    [
        ({}, 55, (1, 3, 2, 4)),
        ({"within_months": 12}, 43, (2, 4)),
        ({"responsible": False}, 12, (3,)),
        ({"fatal": False}, 0, (1,)),
    ],
)
def test_deaths_sum_the_matching_accidents(params: dict[str, Any], value: int, evidence: tuple[int, ...]) -> None:
    got = read("deaths", ACCIDENTS, AS_OF, **params)
    assert (got.value, got.evidence) == (value, evidence)


PENALISED = Facts(
    events=(
        ev(10, "accident", D(2024, 1, 1)),
        ev(11, "accident", D(2024, 2, 1), links=(20,)),  # the accident names its penalty
        ev(12, "accident", D(2024, 3, 1)),
        ev(13, "penalty", D(2024, 4, 1), links=(10,)),  # the penalty names its accident
        ev(20, "penalty", D(2024, 5, 1)),
    )
)


def test_penalised_accidents_carry_their_penalties_as_evidence() -> None:
    got = read("accidents", PENALISED, D(2024, 6, 1), penalised=True)
    assert got == Reading(2, (10, 11, 13, 20), D(2024, 5, 1))  # the listing runs from the latest penalty


def test_unpenalised_accidents() -> None:
    assert read("accidents", PENALISED, D(2024, 6, 1), penalised=False) == Reading(1, (12,), D(2024, 3, 1))


def test_a_penalty_decided_after_the_day_does_not_count_yet() -> None:
    assert read("accidents", PENALISED, D(2024, 4, 15), penalised=True) == Reading(1, (10, 13), D(2024, 4, 1))
    assert read("accidents", PENALISED, D(2024, 4, 15), penalised=False).evidence == (11, 12)


GRADE = Grade(id=1, level=2, status="valid", announced_on=D(2024, 1, 1), valid_until=D(2027, 1, 1))
DURING = (
    ev(1, "accident", D(2023, 12, 31), deaths=1),
    ev(2, "accident", D(2024, 1, 1), deaths=1),
    ev(3, "accident", D(2024, 5, 1)),
)


def test_during_grade_counts_from_the_announcement_day() -> None:
    got = read("accidents", Facts(events=DURING, grades=(GRADE,)), D(2024, 6, 1), during_grade=True)
    assert (got.value, got.evidence) == (2, (2, 3))
    got = read("accidents", Facts(events=DURING, grades=(GRADE,)), D(2024, 6, 1), during_grade=True, fatal=True)
    assert (got.value, got.evidence) == (1, (2,))


def test_during_grade_without_a_grade_in_force_counts_nothing() -> None:
    assert read("accidents", Facts(events=DURING), D(2024, 6, 1), during_grade=True).value == 0
    expired = Facts(events=DURING, grades=(GRADE,))
    assert read("accidents", expired, D(2027, 1, 2), during_grade=True).value == 0
    assert read("accidents", expired, D(2027, 1, 2), during_grade=False).value == 3  # false: no filter


SINCE = (
    ev(1, "accident", D(2024, 2, 1)),
    ev(2, "accident", D(2024, 3, 1)),  # the listing's first day: not after it
    ev(3, "accident", D(2024, 3, 2)),
    ev(4, "accident", D(2024, 6, 1)),
)


def test_since_listing_counts_events_after_the_earliest_listing_in_force() -> None:
    listings = (
        Listing(list_type="BLACKLIST_2017", listed_on=D(2024, 5, 1)),
        Listing(list_type="SERIOUS_DISHONEST_2023", listed_on=D(2024, 3, 1), until=D(2027, 3, 1)),
        Listing(list_type="BLACKLIST_2015", listed_on=D(2023, 1, 1), until=D(2024, 1, 1)),  # ended
    )
    got = read("accidents", Facts(events=SINCE, listings=listings), D(2024, 7, 1), since_listing=True)
    assert (got.value, got.evidence) == (2, (3, 4))


def test_since_listing_without_a_listing_in_force_counts_nothing() -> None:
    assert read("accidents", Facts(events=SINCE), D(2024, 7, 1), since_listing=True).value == 0
    removed = (Listing(list_type="BLACKLIST_2017", listed_on=D(2024, 1, 1), removed_on=D(2024, 6, 30)),)
    assert read("accidents", Facts(events=SINCE, listings=removed), D(2024, 7, 1), since_listing=True).value == 0


# --- the most in any window ----------------------------------------------------------------------


def test_the_window_includes_both_ends() -> None:
    facts = Facts(events=(ev(1, "accident", D(2023, 1, 15)), ev(2, "accident", D(2024, 1, 15))))
    assert read("accidents_in_any_window", facts, D(2025, 1, 1), months=12) == Reading(2, (1, 2), D(2024, 1, 15))


def test_one_day_over_the_window_and_the_tie_picks_the_latest_window() -> None:
    facts = Facts(events=(ev(1, "accident", D(2023, 1, 15)), ev(2, "accident", D(2024, 1, 16))))
    assert read("accidents_in_any_window", facts, D(2025, 1, 1), months=12) == Reading(1, (2,), D(2024, 1, 16))


def test_accidents_in_any_window_ties_pick_the_latest_window() -> None:
    facts = Facts(
        events=(
            ev(1, "accident", D(2023, 1, 1)),
            ev(2, "accident", D(2023, 3, 1)),
            ev(3, "accident", D(2024, 6, 1)),
            ev(4, "accident", D(2024, 8, 1)),
        )
    )
    assert read("accidents_in_any_window", facts, D(2025, 1, 1), months=12) == Reading(2, (3, 4), D(2024, 8, 1))
    assert read("accidents_in_any_window", facts, D(2025, 1, 1), months=24) == Reading(4, (1, 2, 3, 4), D(2024, 8, 1))


def test_accidents_in_any_window_with_none_matching() -> None:
    facts = Facts(events=(ev(1, "accident", D(2023, 1, 1)),))
    assert read("accidents_in_any_window", Facts(), D(2025, 1, 1), months=12) == Reading(0, (), None)
    assert read("accidents_in_any_window", facts, D(2025, 1, 1), months=12, fatal=True) == Reading(0, (), None)


def test_accidents_in_any_window_with_penalties() -> None:
    facts = Facts(
        events=(
            ev(1, "accident", D(2023, 1, 1), grade="larger"),
            ev(9, "penalty", D(2023, 2, 1), links=(1,)),
            ev(2, "accident", D(2023, 5, 1), grade="larger", links=(8,)),
            ev(8, "penalty", D(2023, 6, 1)),
            ev(3, "accident", D(2023, 7, 1), grade="larger"),  # not penalised
        )
    )
    got = read("accidents_in_any_window", facts, D(2025, 1, 1), months=12, grade_at_least="larger", penalised=True)
    assert got == Reading(2, (1, 9, 2, 8), D(2023, 6, 1))


def test_last_penalised_needs_the_completing_accident_penalised() -> None:
    """DOMAIN 8.7: the accident completing the count must be penalised, not only an earlier one."""
    facts = Facts(
        events=(
            ev(1, "accident", D(2023, 1, 1), grade="larger"),
            ev(2, "accident", D(2023, 5, 1), grade="larger"),
            ev(9, "penalty", D(2023, 6, 1), links=(2,)),
            ev(3, "accident", D(2024, 6, 1), grade="larger"),
            ev(8, "penalty", D(2024, 7, 1), links=(3,)),
            ev(4, "accident", D(2024, 8, 1), grade="larger"),
        )
    )
    plain = {"months": 12, "grade_at_least": "larger"}
    assert read("accidents_in_any_window", facts, D(2025, 1, 1), **plain) == Reading(2, (3, 4), D(2024, 8, 1))
    got = read("accidents_in_any_window", facts, D(2025, 1, 1), **plain, last_penalised=True)
    assert got == Reading(2, (1, 2, 9), D(2023, 6, 1))  # 3-4 ends unpenalised: it counts 1
    got = read("accidents_in_any_window", facts, D(2025, 1, 1), **plain, last_penalised=False)
    assert got == Reading(2, (3, 4), D(2024, 8, 1))
    first_only = Facts(events=(facts.events[0], ev(7, "penalty", D(2023, 2, 1), links=(1,)), facts.events[1]))
    got = read("accidents_in_any_window", first_only, D(2025, 1, 1), **plain, last_penalised=True)
    assert got == Reading(1, (1, 7), D(2023, 2, 1))
    none = Facts(events=tuple(e for e in facts.events if e.kind != "penalty"))
    assert read("accidents_in_any_window", none, D(2025, 1, 1), **plain, last_penalised=True) == Reading(0, (), None)


def test_deaths_in_any_window_weighs_by_deaths_and_ties_pick_the_latest() -> None:
    facts = Facts(
        events=(
            ev(1, "accident", D(2023, 1, 1), deaths=5),
            ev(2, "accident", D(2023, 6, 1)),
            ev(3, "accident", D(2024, 3, 1), deaths=3),
            ev(4, "accident", D(2024, 4, 1), deaths=2),
        )
    )
    # windows from 1: 5 deaths; from 2: 0+3+2; from 3: 3+2; from 4: 2 -> the latest of the fives
    assert read("deaths_in_any_window", facts, D(2025, 1, 1), months=12) == Reading(5, (3, 4), D(2024, 4, 1))
    assert read("deaths_in_any_window", facts, D(2025, 1, 1), months=36) == Reading(10, (1, 2, 3, 4), D(2024, 4, 1))


def test_deaths_in_any_window_without_deaths() -> None:
    facts = Facts(events=(ev(1, "accident", D(2023, 1, 1)), ev(2, "accident", D(2023, 2, 1))))
    assert read("deaths_in_any_window", facts, D(2025, 1, 1), months=12) == Reading(0, (), None)


# --- penalties and the typed events --------------------------------------------------------------

PENALTIES = Facts(
    events=(
        ev(1, "penalty", D(2024, 1, 1)),  # multiplier and execution not recorded
        ev(2, "penalty", D(2024, 6, 1), multiplier=1.5, execution="executed", serious=True),
        ev(3, "penalty", D(2025, 1, 1), multiplier=2.0, execution="refused"),
        ev(4, "accident", D(2025, 1, 1)),
    )
)


@pytest.mark.parametrize(
    ("params", "evidence"),
    [
        ({}, (1, 2, 3)),
        ({"min_multiplier": 2}, (3,)),
        ({"min_multiplier": 1.5}, (2, 3)),
        ({"min_multiplier": 0.5}, (2, 3)),  # an unrecorded multiple is none
        ({"min_multiplier": 0}, (1, 2, 3)),
        ({"execution": ("pending",)}, (1,)),  # unrecorded execution is pending
        ({"execution": ("executed", "refused")}, (2, 3)),
        ({"serious": True}, (2,)),
        ({"serious": False}, (1, 3)),
        ({"within_months": 12}, (2, 3)),
    ],
)
def test_penalty_filters(params: dict[str, Any], evidence: tuple[int, ...]) -> None:
    got = read("penalties", PENALTIES, D(2025, 6, 1), **params)
    assert (got.value, got.evidence) == (len(evidence), evidence)
    assert got.anchor == max(e.occurred_on for e in PENALTIES.events if e.id in evidence)


TYPED = Facts(
    events=(
        ev(30, "reporting_violation", D(2024, 1, 1), type="concealment"),
        ev(31, "reporting_violation", D(2024, 2, 1), type="late_report"),
        ev(32, "reporting_violation", D(2024, 3, 1)),
        ev(33, "intermediary_fraud", D(2024, 1, 1), type="false_report", serious=True),
        ev(34, "intermediary_fraud", D(2024, 2, 1), type="affiliation"),
        ev(40, "enforcement_order", D(2024, 1, 1), type="closure"),
        ev(41, "enforcement_order", D(2024, 2, 1), type="suspension_for_rectification", until=D(2025, 1, 1)),
        ev(42, "enforcement_order", D(2024, 3, 1), type="suspension_for_rectification", until=D(2024, 12, 31)),
        ev(50, "penalty", D(2024, 2, 15), links=(30,)),
        ev(51, "flight", D(2024, 4, 1), type="fled"),
        ev(52, "obstruction", D(2024, 4, 2), type="destroying_scene"),
        ev(53, "licence_violation", D(2024, 4, 3), type="no_licence"),
    )
)


@pytest.mark.parametrize(
    ("fact", "params", "value", "evidence"),
    [
        ("reporting_violations", {}, 3, (30, 31, 32)),
        ("reporting_violations", {"types": ("concealment", "false_report")}, 1, (30,)),
        ("reporting_violations", {"penalised": True}, 1, (30, 50)),  # the penalty joins the evidence
        ("reporting_violations", {"penalised": False}, 2, (31, 32)),
        ("intermediary_frauds", {"serious": True}, 1, (33,)),
        ("intermediary_frauds", {"serious": False}, 1, (34,)),
        ("enforcement_orders", {}, 3, (40, 41, 42)),
        ("enforcement_orders", {"in_force": True}, 2, (40, 41)),  # no end, or ending on the day
        ("enforcement_orders", {"in_force": False}, 1, (42,)),
        ("enforcement_orders", {"types": ("closure",), "in_force": True}, 1, (40,)),
        ("flights", {"types": ("fled",)}, 1, (51,)),
        ("obstructions", {}, 1, (52,)),
        ("licence_violations", {"types": ("while_suspended",)}, 0, ()),
        ("licence_violations", {"within_months": 6}, 0, ()),
        ("licence_violations", {"within_months": 9}, 1, (53,)),
    ],
)
def test_typed_facts(fact: str, params: dict[str, Any], value: int, evidence: tuple[int, ...]) -> None:
    got = read(fact, TYPED, D(2025, 1, 1), **params)
    assert (got.value, got.evidence) == (value, evidence)
    expected_anchor = max((e.occurred_on for e in TYPED.events if e.id in evidence), default=None)
    assert got.anchor == expected_anchor


def test_typed_facts_read_their_own_kind() -> None:
    for name, kind in [
        ("reporting_violations", "reporting_violation"),
        ("licence_violations", "licence_violation"),
        ("intermediary_frauds", "intermediary_fraud"),
        ("obstructions", "obstruction"),
        ("flights", "flight"),
        ("enforcement_orders", "enforcement_order"),
    ]:
        assert FACTS[name].kind == kind
        assert FACTS[name].read.__name__ == kind
        assert kind in EVENT_TYPES


# --- criminal liabilities ------------------------------------------------------------------------

JUDGMENTS = Facts(
    subject=Subject(type="person"),
    events=(
        ev(1, "accident", D(2023, 1, 1), grade="major"),
        ev(2, "accident", D(2023, 2, 1), grade="larger", links=(21,)),  # the accident names the judgment
        ev(3, "accident", D(2023, 3, 1), links=(24,)),  # no grade: ordinary
        ev(9, "penalty", D(2023, 4, 1)),
        ev(20, "criminal_liability", D(2024, 1, 1), links=(1,), sentence_end_on=D(2026, 1, 1)),  # names it
        ev(21, "criminal_liability", D(2024, 2, 1)),  # sentence end not recorded
        ev(22, "criminal_liability", D(2024, 3, 1), accident_grade="especially_major"),  # another subject's
        ev(23, "criminal_liability", D(2024, 4, 1), links=(9,), sentence_end_on=D(2025, 1, 1)),  # no accident
        ev(24, "criminal_liability", D(2024, 5, 1)),
    ),
)


@pytest.mark.parametrize(
    ("floor", "evidence", "until"),
    [
        (None, (20, 21, 22, 23, 24), D(2026, 1, 1)),
        ("ordinary", (20, 21, 22, 24), D(2026, 1, 1)),
        ("larger", (20, 21, 22), D(2026, 1, 1)),
        ("major", (20, 22), D(2026, 1, 1)),
        ("especially_major", (22,), None),  # the sentence's end is not known
    ],
)
def test_criminal_liabilities_by_the_grade_of_the_accident_named(
    floor: str | None, evidence: tuple[int, ...], until: dt.date | None
) -> None:
    params = {} if floor is None else {"accident_grade_at_least": floor}
    got = read("criminal_liabilities", JUDGMENTS, D(2024, 6, 1), **params)
    assert got == Reading(
        len(evidence), evidence, max(e.occurred_on for e in JUDGMENTS.events if e.id in evidence), until
    )


def test_criminal_liabilities_in_a_window_and_none() -> None:
    got = read("criminal_liabilities", JUDGMENTS, D(2024, 6, 1), within_months=2)
    assert (got.value, got.evidence, got.until) == (2, (23, 24), D(2025, 1, 1))
    assert read("criminal_liabilities", JUDGMENTS, D(2023, 12, 31)) == Reading(0, (), None, None)


def test_an_accident_outside_the_view_is_not_named() -> None:
    facts = Facts(
        events=(
            ev(1, "accident", D(2023, 1, 1), grade="major"),
            ev(2, "accident", D(2024, 1, 1), grade="major"),
            ev(20, "criminal_liability", D(2024, 3, 1), links=(1,)),
            ev(21, "criminal_liability", D(2024, 3, 2), links=(2,)),
        )
    )
    got = read("criminal_liabilities", facts, D(2023, 12, 31), accident_grade_at_least="major")
    assert got.evidence == ()
    got = read("criminal_liabilities", facts, D(2024, 6, 1), accident_grade_at_least="major")
    assert got.evidence == (20, 21)
    view = View(facts, D(2024, 6, 1), start=D(2023, 6, 1))  # a regime begun after accident 1
    assert FACTS["criminal_liabilities"].read(view, {"accident_grade_at_least": "major"}).evidence == (21,)


# --- major hazards -------------------------------------------------------------------------------

HAZARDS = Facts(
    events=(
        ev(60, "major_hazard", D(2024, 12, 1)),  # no deadline
        ev(61, "major_hazard", D(2024, 12, 2), deadline=D(2025, 2, 1)),  # deadline in the future
        ev(62, "major_hazard", D(2024, 12, 3), deadline=D(2025, 1, 10)),  # deadline is the day itself
        ev(63, "major_hazard", D(2024, 12, 4), deadline=D(2025, 1, 1), rectified_on=D(2025, 1, 5)),  # late
        ev(64, "major_hazard", D(2024, 12, 5), deadline=D(2025, 1, 1), rectified_on=D(2025, 1, 1)),  # in time
        ev(65, "major_hazard", D(2024, 12, 15), deadline=D(2025, 1, 1)),  # never rectified
    )
)


@pytest.mark.parametrize(
    ("params", "evidence"),
    [
        ({}, (60, 61, 62, 63, 64, 65)),
        ({"overdue": True}, (63, 65)),
        ({"overdue": False}, (60, 61, 62, 64)),
        ({"overdue": True, "within_months": 1}, (65,)),
    ],
)
def test_major_hazards_overdue(params: dict[str, Any], evidence: tuple[int, ...]) -> None:
    got = read("major_hazards", HAZARDS, D(2025, 1, 10), **params)
    assert (got.value, got.evidence) == (len(evidence), evidence)


def test_a_hazard_is_overdue_only_once_its_deadline_has_passed() -> None:
    assert read("major_hazards", HAZARDS, D(2025, 1, 1), overdue=True).value == 0
    assert read("major_hazards", HAZARDS, D(2025, 1, 2), overdue=True).evidence == (63, 65)


# --- the subject, grade and insurance ------------------------------------------------------------


def test_subject_facts() -> None:
    subject = Subject(type="agency", industry="mining", scale="micro", parent_uscc="91110000000000000X")
    facts = Facts(subject=subject)
    assert read("subject_type", facts, AS_OF) == Reading("agency")
    assert read("industry", facts, AS_OF) == Reading("mining")
    assert read("scale", facts, AS_OF) == Reading("micro")
    assert read("has_parent", facts, AS_OF) == Reading(True)


def test_subject_facts_when_nothing_is_recorded() -> None:
    facts = Facts()
    assert read("subject_type", facts, AS_OF) == Reading("enterprise")
    assert read("industry", facts, AS_OF) == Reading("")
    assert read("scale", facts, AS_OF) == Reading("")
    assert read("has_parent", facts, AS_OF) == Reading(False)
    assert read("work_injury_class", facts, AS_OF) == Reading(0)


def test_work_injury_class() -> None:
    assert read("work_injury_class", Facts(insurance=Insurance(work_injury_class=3)), AS_OF) == Reading(3)


def test_grade_level() -> None:
    assert read("grade_level", Facts(grades=(GRADE,)), D(2024, 6, 1)) == Reading(2, (), D(2024, 1, 1), D(2027, 1, 1))
    assert read("grade_level", Facts(grades=(GRADE,)), D(2023, 12, 31)) == Reading(0)
    assert read("grade_level", Facts(), D(2024, 6, 1)) == Reading(0)


@pytest.mark.parametrize(
    ("statuses", "pending"),
    [
        (("applied",), True),
        (("reviewed",), True),
        (("audited",), True),
        (("valid", "audited"), True),
        (("suspended",), True),  # halted, but still an application
        (("valid", "rejected", "withdrawn", "expired"), False),
        ((), False),
    ],
)
def test_grade_pending(statuses: tuple[str, ...], pending: bool) -> None:
    grades = tuple(Grade(id=i, level=3, status=s) for i, s in enumerate(statuses))
    assert read("grade_pending", Facts(grades=grades), AS_OF) == Reading(pending)


# --- listings ------------------------------------------------------------------------------------

LISTINGS = Facts(
    listings=(
        Listing(id=1, list_type="SERIOUS_DISHONEST_2023", listed_on=D(2024, 1, 15), until=D(2027, 1, 15)),
        Listing(list_type="BLACKLIST_2017", listed_on=D(2024, 3, 1)),  # no term recorded, no id
        Listing(id=3, list_type="JOINT_PUNISHMENT_2017", listed_on=D(2023, 1, 1), until=D(2024, 1, 1)),  # expired
        Listing(
            id=4, list_type="BLACKLIST_2015", listed_on=D(2022, 1, 1), until=D(2023, 1, 1), removed_on=D(2023, 1, 2)
        ),
        Listing(id=5, list_type="BLACKLIST_2017", listed_on=D(2025, 7, 1)),  # not yet
        Listing(
            id=6,
            list_type="SERIOUS_DISHONEST_2023",
            listed_on=D(2023, 5, 1),
            until=D(2026, 5, 1),
            removed_on=D(2024, 5, 1),  # removed early
        ),
    )
)
ON = D(2025, 6, 1)
SD = ("SERIOUS_DISHONEST_2023",)


def test_listed() -> None:
    assert read("listed", LISTINGS, ON) == Reading(True, (), D(2024, 1, 15), None, (1,))  # one listing is open-ended
    assert read("listed", LISTINGS, ON, list_types=SD) == Reading(True, (), D(2024, 1, 15), D(2027, 1, 15), (1,))
    assert read("listed", LISTINGS, ON, list_types=("BLACKLIST_2015",)) == Reading(False)
    assert read("listed", Facts(), ON) == Reading(False)


def test_listed_until_the_latest_end() -> None:
    both = Facts(
        listings=(
            Listing(id=7, list_type="BLACKLIST_2017", listed_on=D(2024, 6, 1), until=D(2025, 6, 1)),
            Listing(id=8, list_type="JOINT_PUNISHMENT_2017", listed_on=D(2024, 6, 1), until=D(2025, 9, 1)),
        )
    )
    assert read("listed", both, ON) == Reading(True, (), D(2024, 6, 1), D(2025, 9, 1), (7, 8))


def test_months_listed() -> None:
    assert read("months_listed", LISTINGS, ON) == Reading(16, (), D(2024, 1, 15), D(2027, 1, 15))
    assert read("months_listed", LISTINGS, ON, list_types=("BLACKLIST_2017",)) == Reading(15, (), D(2024, 3, 1), None)
    assert read("months_listed", LISTINGS, D(2025, 1, 14), list_types=SD).value == full_months(
        D(2024, 1, 15), D(2025, 1, 14)
    )
    assert read("months_listed", LISTINGS, D(2025, 1, 14), list_types=SD).value == 11
    assert read("months_listed", LISTINGS, D(2025, 1, 15), list_types=SD).value == 12
    assert read("months_listed", Facts(), ON) == Reading(0)


def test_days_to_listing_end() -> None:
    end = D(2027, 1, 15)
    assert read("days_to_listing_end", LISTINGS, ON) == Reading((end - ON).days, (), D(2024, 1, 15), end)
    assert read("days_to_listing_end", LISTINGS, end, list_types=SD) == Reading(0, (), D(2024, 1, 15), end)
    assert read("days_to_listing_end", LISTINGS, ON, list_types=("BLACKLIST_2017",)) == Reading(-1)  # open-ended
    assert read("days_to_listing_end", LISTINGS, ON, list_types=("BLACKLIST_2015",)) == Reading(-1)  # none


def test_prior_listings_count_the_ended_ones() -> None:
    assert read("prior_listings", LISTINGS, ON) == Reading(3, listings=(3, 4, 6))  # expired 3, removed 4 and 6; not 5
    assert read("prior_listings", LISTINGS, ON, list_types=SD) == Reading(1, listings=(6,))
    assert read("prior_listings", LISTINGS, D(2021, 1, 1)) == Reading(0)
    assert read("prior_listings", LISTINGS, D(2024, 1, 1)) == Reading(1, listings=(4,))  # 3's last day is inside
    no_id = Facts(listings=(Listing(list_type="BLACKLIST_2015", listed_on=D(2020, 1, 1), until=D(2021, 1, 1)),))
    assert read("prior_listings", no_id, ON) == Reading(1, listings=())


def test_prior_listings_before_the_latest_event() -> None:
    listings = (
        Listing(id=1, list_type="BLACKLIST_2015", listed_on=D(2015, 9, 1), until=D(2016, 9, 1)),
        Listing(
            id=2, list_type="BLACKLIST_2015", listed_on=D(2016, 1, 1), until=D(2017, 1, 1), removed_on=D(2016, 6, 1)
        ),
    )
    # removed before the new conduct: a prior listing; still running when it happened: not one
    later = Facts(listings=listings, events=(ev(1, "accident", D(2015, 8, 1)), ev(2, "accident", D(2016, 8, 1))))
    assert read("prior_listings", later, D(2017, 3, 1), before_latest_event=True) == Reading(1, listings=(2,))
    assert read("prior_listings", later, D(2017, 3, 1), before_latest_event=False) == Reading(2, listings=(1, 2))
    # conduct dated the day a listing ended is not after it
    same_day = Facts(listings=listings, events=(ev(1, "accident", D(2016, 6, 1)),))
    assert read("prior_listings", same_day, D(2017, 3, 1), before_latest_event=True) == Reading(0)
    # with no conduct seen, no listing ended before it
    assert read("prior_listings", Facts(listings=listings), D(2017, 3, 1), before_latest_event=True) == Reading(0)


def test_listings_expired_unremoved() -> None:
    assert read("listings_expired_unremoved", LISTINGS, ON) == Reading(1, listings=(3,))
    assert read("listings_expired_unremoved", LISTINGS, D(2024, 1, 1)) == Reading(0)  # the last day is inside
    assert read("listings_expired_unremoved", LISTINGS, ON, list_types=SD) == Reading(0)
    no_id = Facts(listings=(Listing(list_type="BLACKLIST_2017", listed_on=D(2020, 1, 1), until=D(2021, 1, 1)),))
    assert read("listings_expired_unremoved", no_id, ON) == Reading(1, listings=())


# --- operators -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("op", "actual", "expected", "result"),
    [
        ("==", 2, 2, True),
        ("==", 2, 3, False),
        ("==", True, True, True),
        ("!=", "a", "b", True),
        ("!=", "a", "a", False),
        (">=", 2, 2, True),
        (">=", 1, 2, False),
        (">", 3, 2, True),
        (">", 2, 2, False),
        ("<=", 2, 2, True),
        ("<=", 3, 2, False),
        ("<", 1, 2, True),
        ("<", 2, 2, False),
        ("in", "mining", ("mining", "metallurgy"), True),
        ("in", "retail", ("mining", "metallurgy"), False),
        ("not_in", 3, (1, 2), True),
        ("not_in", 2, (1, 2), False),
    ],
)
def test_compare(op: str, actual: Any, expected: Any, result: bool) -> None:
    assert compare(op, actual, expected) is result


def test_every_operator_is_compared() -> None:
    ops = {op for group in OPERATORS.values() for op in group}
    assert ops == {"==", "!=", ">=", ">", "<=", "<", "in", "not_in"}


# --- the view ------------------------------------------------------------------------------------


def test_the_view_cuts_events_to_the_day_and_the_period_sorted_by_date_then_id() -> None:
    facts = Facts(
        events=(
            ev(5, "accident", D(2024, 1, 1)),
            ev(2, "accident", D(2024, 1, 1)),
            ev(1, "accident", D(2023, 12, 31)),
            ev(3, "accident", D(2024, 12, 31)),
            ev(4, "accident", D(2025, 1, 1)),
        )
    )
    assert [e.id for e in View(facts, D(2024, 12, 31)).events] == [1, 2, 5, 3]
    assert [e.id for e in View(facts, D(2030, 1, 1), D(2024, 1, 1), D(2024, 12, 31)).events] == [2, 5, 3]
    assert [e.id for e in View(facts, D(2024, 6, 1), D(2024, 1, 1), D(2024, 12, 31)).events] == [2, 5]
    assert [e.id for e in View(facts, D(2030, 1, 1), D(2024, 1, 2)).events] == [3, 4]


def test_penalised_ids_both_link_directions() -> None:
    facts = Facts(
        events=(
            ev(10, "accident", D(2024, 1, 1)),
            ev(11, "accident", D(2024, 1, 2), links=(20,)),
            ev(12, "accident", D(2024, 1, 3)),
            ev(14, "accident", D(2024, 1, 4), links=(12,)),  # linked with an accident, not a penalty
            ev(15, "accident", D(2024, 1, 5), links=(21, 99)),  # its penalty comes after the day; 99 is unknown
            ev(13, "penalty", D(2024, 2, 1), links=(10, 98)),
            ev(20, "penalty", D(2024, 3, 1)),
            ev(21, "penalty", D(2024, 9, 1)),
        )
    )
    view = View(facts, D(2024, 6, 1))
    assert view.penalised_ids == frozenset({10, 11, 13, 20, 98})
    assert [p.id for p in view.penalties_of(view.by_id[10])] == [13]
    assert [p.id for p in view.penalties_of(view.by_id[11])] == [20]
    assert view.penalties_of(view.by_id[12]) == []
    assert view.penalties_of(view.by_id[13]) == []  # a penalty is not its own penalty
    assert [e.id for e in view.linked(view.by_id[15])] == []
    assert [e.id for e in view.linked(view.by_id[14])] == [12]
    assert 21 not in view.by_id


def test_a_regime_does_not_see_events_tied_to_conduct_before_its_period() -> None:
    facts = Facts(
        events=(
            ev(1, "accident", D(2023, 9, 1), links=(5,)),  # before the period, names a later penalty
            ev(2, "penalty", D(2023, 11, 1), links=(1,)),  # inside, but for the earlier accident
            ev(3, "accident", D(2023, 12, 1)),
            ev(4, "penalty", D(2024, 1, 1), links=(3,)),
            ev(5, "penalty", D(2024, 2, 1)),  # named by the earlier accident
            ev(6, "penalty", D(2024, 3, 1), links=(3, 1)),  # tied to both: belongs to the earlier conduct
        )
    )
    assert [e.id for e in View(facts, D(2024, 6, 1), D(2023, 10, 1)).events] == [3, 4]
    assert [e.id for e in View(facts, D(2024, 6, 1)).events] == [1, 2, 3, 4, 5, 6]  # a state view sees all


def _grade(id: int, status: str, level: int = 2, **kw: Any) -> Grade:
    return Grade(id=id, level=level, status=status, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize("status", ["rejected", "withdrawn", "applied", "reviewed", "audited", "suspended"])
def test_a_grade_never_granted_is_never_in_force(status: str) -> None:
    grade = _grade(1, status, announced_on=D(2024, 1, 1), valid_until=D(2027, 1, 1))
    assert View(Facts(grades=(grade,)), D(2024, 6, 1)).grade is None


@pytest.mark.parametrize(
    ("day", "in_force"),
    [
        (D(2023, 12, 31), False),  # before the announcement
        (D(2024, 1, 1), True),  # the announcement day
        (D(2025, 5, 31), True),  # the day before it ended early
        (D(2025, 6, 1), False),  # ended on
    ],
)
def test_a_grade_that_ended_early(day: dt.date, in_force: bool) -> None:
    grade = _grade(1, "revoked", announced_on=D(2024, 1, 1), valid_until=D(2027, 1, 1), ended_on=D(2025, 6, 1))
    assert (View(Facts(grades=(grade,)), day).grade == grade) is in_force


@pytest.mark.parametrize(("day", "in_force"), [(D(2027, 1, 1), True), (D(2027, 1, 2), False)])
def test_a_grade_holds_through_its_valid_until(day: dt.date, in_force: bool) -> None:
    grade = _grade(1, "expired", announced_on=D(2024, 1, 1), valid_until=D(2027, 1, 1))
    assert (View(Facts(grades=(grade,)), day).grade == grade) is in_force


def test_a_grade_without_an_announcement_or_an_end() -> None:
    assert View(Facts(grades=(_grade(1, "valid"),)), D(2024, 6, 1)).grade is None
    open_ended = _grade(2, "valid", announced_on=D(2024, 1, 1))
    assert View(Facts(grades=(open_ended,)), D(2099, 1, 1)).grade == open_ended


def test_several_grades_the_latest_announced_wins_then_the_better_level() -> None:
    older = _grade(1, "valid", level=1, announced_on=D(2023, 1, 1), valid_until=D(2026, 1, 1))
    newer = _grade(2, "valid", level=3, announced_on=D(2024, 1, 1), valid_until=D(2027, 1, 1))
    assert View(Facts(grades=(newer, older)), D(2024, 6, 1)).grade == newer
    assert View(Facts(grades=(newer, older)), D(2023, 6, 1)).grade == older
    same_day = _grade(3, "valid", level=2, announced_on=D(2024, 1, 1), valid_until=D(2027, 1, 1))
    assert View(Facts(grades=(newer, same_day)), D(2024, 6, 1)).grade == same_day


@pytest.mark.parametrize(
    ("listing", "in_force"),
    [
        (Listing(list_type="BLACKLIST_2017", listed_on=D(2024, 6, 2)), False),  # not yet
        (Listing(list_type="BLACKLIST_2017", listed_on=D(2024, 6, 1)), True),  # from its first day
        (Listing(list_type="BLACKLIST_2017", listed_on=D(2024, 1, 1), removed_on=D(2024, 6, 1)), False),
        (Listing(list_type="BLACKLIST_2017", listed_on=D(2024, 1, 1), removed_on=D(2024, 6, 2)), True),
        (Listing(list_type="BLACKLIST_2017", listed_on=D(2023, 6, 1), until=D(2024, 6, 1)), True),  # its last day
        (Listing(list_type="BLACKLIST_2017", listed_on=D(2023, 6, 1), until=D(2024, 5, 31)), False),
    ],
)
def test_listing_in_force(listing: Listing, in_force: bool) -> None:
    view = View(Facts(listings=(listing,)), D(2024, 6, 1))
    assert view.in_force(listing) is in_force


def test_listings_by_type() -> None:
    view = View(LISTINGS, ON)
    assert len(view.listings(None)) == 6
    assert [x.id for x in view.listings(SD)] == [1, 6]

"""The decision digest and the before/after diff of a re-evaluation (pure: real rulesets, no I/O)."""

from __future__ import annotations

import datetime as dt

import msgspec

from registry.domain.evaluation.digest import Digests, diff, digest, fingerprint, summary
from registry.rules.evaluator import Memo, evaluate
from registry.rules.facts import Facts, Grade, Subject
from registry.rules.loader import load

ON = dt.date(2026, 11, 26)
RULESETS = load()
GRADE = Grade(
    id=1,
    level=2,
    status="valid",
    applied_on=dt.date(2024, 1, 1),
    announced_on=dt.date(2024, 3, 1),
    valid_until=dt.date(2027, 2, 28),
)


def unit(n: int, *, graded: bool = False, division: str = "410103", name: str | None = None) -> Facts:
    subject = Subject(id=f"9141{n:014d}", name=name or f"单位{n}", division_code=division, industry="machinery")
    return Facts(subject=subject, grades=(GRADE,) if graded else ())


def test_a_grade_changes_the_digest_and_the_summary_names_what_it_ordered() -> None:
    bare, graded = evaluate(RULESETS, unit(1), ON), evaluate(RULESETS, unit(1, graded=True), ON)
    assert graded.outcomes(), "a valid level-2 grade orders an incentive (the test needs an outcome)"
    assert digest(bare) != digest(graded)
    got = summary(graded)
    assert got["outcomes"]
    assert all(len(o) == 4 for o in got["outcomes"])
    assert {o[1] for o in got["outcomes"]} == {o.code for o in graded.outcomes()}
    assert got["fired"] == sorted(graded.fired)
    assert msgspec.json.decode(msgspec.json.encode(got)) == got  # stored as JSON, read back the same


def test_the_digest_ignores_who_the_subject_is_but_not_the_day() -> None:
    a = evaluate(RULESETS, unit(1, graded=True, name="甲公司"), ON)
    b = evaluate(RULESETS, unit(2, graded=True, name="乙公司"), ON)
    assert digest(a) == digest(b)
    # after the grade's validity the incentive ends: same facts, later day, another decision
    later = evaluate(RULESETS, unit(1, graded=True), dt.date(2027, 6, 1))
    assert digest(later) != digest(a)


def test_the_remembered_digest_is_the_computed_one_for_memo_decisions() -> None:
    memo, digests = Memo(RULESETS), Digests(size=2)
    for facts in (unit(1), unit(2, graded=True), unit(3), unit(4, graded=True), unit(5, division="110105")):
        decision = memo(facts, ON)
        assert digests(decision) == (digest(decision), summary(decision))
    # the same memo entry answers twice from the cache, another from a fresh computation
    assert digests(memo(unit(6, graded=True), ON))[0] == digest(evaluate(RULESETS, unit(6, graded=True), ON))


def test_diff_lists_outcomes_and_rules_added_and_removed() -> None:
    before = {"fired": ["a/1#R1", "a/1#R2"], "outcomes": [["notice", "N1", "2026-01-01", None]]}
    after = {
        "fired": ["a/1#R2", "a/1#R3"],
        "outcomes": [["notice", "N1", "2026-01-01", None], ["listing", "L1", "2026-02-01", "2029-02-01"]],
    }
    assert diff(before, after) == {
        "added": [["listing", "L1", "2026-02-01", "2029-02-01"]],
        "removed": [],
        "fired_added": ["a/1#R3"],
        "fired_removed": ["a/1#R1"],
    }
    assert diff(after, after) == {"added": [], "removed": [], "fired_added": [], "fired_removed": []}


def test_the_fingerprint_depends_on_the_set_of_ruleset_hashes_only() -> None:
    hashes = [r.hash for r in RULESETS]
    assert fingerprint(hashes) == fingerprint(list(reversed(hashes)))
    assert fingerprint(hashes) != fingerprint(hashes[1:])
    assert len(fingerprint(hashes)) == 64

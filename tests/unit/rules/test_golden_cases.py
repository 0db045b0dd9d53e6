"""The golden cases under tests/rules_cases/: facts, a day, and what the rules must decide.

One YAML file per case (format in tests/rules_cases/README.md). ``fired`` is compared exactly
(within the families the case names), ``outcomes`` entries must each match an outcome on the keys
they give, ``absent`` codes must not appear.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import msgspec
import pytest
import yaml

from registry.rules.decision import Decision, Outcome
from registry.rules.evaluator import Memo, evaluate
from registry.rules.facts import Facts
from registry.rules.loader import load

CASES = Path(__file__).resolve().parents[2] / "rules_cases"
RULESETS = load()
FILES = sorted(CASES.glob("*.yaml"))


def _case(path: Path) -> dict[str, Any]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(raw, dict), path
    unknown = set(raw) - {"title", "covers", "as_of", "families", "facts", "expect"}
    assert not unknown, f"{path.name}: unknown keys {unknown}"
    return raw


def decide(case: dict[str, Any]) -> Decision:
    families = case.get("families")
    chosen = [r for r in RULESETS if families is None or r.family in families]
    assert chosen, f"no ruleset of families {families}"
    facts = msgspec.convert(case.get("facts") or {}, Facts, strict=False)
    as_of = case["as_of"]
    return evaluate(chosen, facts, as_of if isinstance(as_of, dt.date) else dt.date.fromisoformat(as_of))


def _matches(outcome: Outcome, want: dict[str, Any]) -> bool:
    got = msgspec.to_builtins(outcome)
    for key, value in want.items():
        if key == "persons":
            if sorted(p["person_id"] for p in got["persons"] if p["person_id"] is not None) != sorted(value):
                return False
        elif key == "rules":
            if sorted(f"{b['ruleset']}#{b['rule']}" for b in got["because"]) != sorted(value):
                return False
        elif key in ("start", "until"):
            if got[key] != (None if value is None else str(value)):
                return False
        elif got.get(key) != value:
            return False
    return True


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_golden_case(path: Path) -> None:
    case = _case(path)
    decision = decide(case)
    expect = case["expect"]
    if "fired" in expect:
        assert sorted(decision.fired) == sorted(expect["fired"]), f"{path.name}: fired {decision.fired}"
    outcomes = decision.outcomes()
    for want in expect.get("outcomes", []):
        assert any(_matches(o, want) for o in outcomes), f"{path.name}: no outcome matches {want}; got " + str(
            [(o.code, str(o.start), str(o.until), o.value, o.criteria) for o in outcomes]
        )
    codes = {o.code for o in outcomes}
    for code in expect.get("absent", []):
        assert code not in codes, f"{path.name}: {code} should not be decided"


def test_there_are_at_least_sixty_cases() -> None:
    assert len(FILES) >= 60


def test_every_rule_fires_in_some_case() -> None:
    fired: set[str] = set()
    for path in FILES:
        fired.update(decide(_case(path)).fired)
    every = {f"{r.id}#{rule.id}" for r in RULESETS for rule in r.rules}
    assert every - fired == set(), "rules no golden case fires"


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_memo_decides_every_case_as_evaluate_does(path: Path) -> None:
    """The remembered decision of a subject that differs only in who it is (id, name) is the
    decision evaluate makes for it: the memo never hands one subject's decision to another."""
    case = _case(path)
    families = case.get("families")
    chosen = [r for r in RULESETS if families is None or r.family in families]
    facts = msgspec.convert(case.get("facts") or {}, Facts, strict=False)
    as_of = case["as_of"]
    day = as_of if isinstance(as_of, dt.date) else dt.date.fromisoformat(as_of)
    memo = Memo(chosen, size=2)
    other = msgspec.structs.replace(facts.subject, id="91110000000000000X", name="另一家")
    first = memo(msgspec.structs.replace(facts, subject=other), day)
    second = memo(facts, day)
    assert msgspec.to_builtins(second) == msgspec.to_builtins(evaluate(chosen, facts, day))
    assert first.subject == other
    assert second.subject == facts.subject

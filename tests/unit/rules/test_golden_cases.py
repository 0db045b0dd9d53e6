"""The golden cases under tests/rules_cases/: facts, a day, and what the rules must decide.

One YAML file per case (format in tests/rules_cases/README.md). ``fired`` is compared exactly
(within the families the case names), ``outcomes`` entries must each match an outcome on the keys
they give, ``absent`` codes must not appear. ``local_packs`` (optional) enables local packs for
more areas, as ``REGISTRY_RULES_LOCAL_PACKS`` does in a deployment; ``local_amounts`` (optional)
sets the amounts a local text leaves open, as ``REGISTRY_RULES_LOCAL_AMOUNTS`` does.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import msgspec
import pytest
import yaml

from registry.rules.catalogue import OUTCOMES
from registry.rules.decision import Decision, Outcome
from registry.rules.evaluator import Memo, evaluate
from registry.rules.facts import Facts
from registry.rules.loader import configure, extend, load
from registry.rules.model import Ruleset

CASES = Path(__file__).resolve().parents[2] / "rules_cases"
RULESETS = load()
FILES = sorted(CASES.glob("*.yaml"))


def _case(path: Path) -> dict[str, Any]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(raw, dict), path
    unknown = set(raw) - {"title", "covers", "as_of", "families", "local_packs", "local_amounts", "facts", "expect"}
    assert not unknown, f"{path.name}: unknown keys {unknown}"
    problems = expect_problems(raw.get("expect"))
    assert not problems, f"{path.name}: " + "; ".join(problems)
    return raw


EXPECT_KEYS = frozenset({"fired", "outcomes", "absent"})
OUTCOME_KEYS = frozenset(
    {
        "kind",
        "code",
        "start",
        "until",
        "lifetime",
        "value",
        "unit",
        "value_configured",
        "criteria",
        "persons",
        "deciding_authority",
        "repair_from",
        "evidence",
        "verified",
        "tag",
        "rules",
        # a local pack's outcome (DOMAIN 8.9): the pack, its area, why it applies here
        "pack",
        "jurisdiction",
        "enabled_by",
        # the codes of the outcome's legal bases, all of them, in any order
        "basis",
    }
)
RULE_IDS = frozenset(f"{r.id}#{rule.id}" for r in RULESETS for rule in r.rules)


def expect_problems(expect: Any) -> list[str]:
    """What is wrong with a case's ``expect``: a misspelt key, or a name no ruleset or catalogue
    knows, would otherwise make the case check nothing and pass."""
    if not isinstance(expect, dict) or not expect:
        return ["expect must be a mapping with at least one of fired, outcomes, absent"]
    problems = [f"unknown expect key {k!r}" for k in sorted(set(expect) - EXPECT_KEYS)]
    fired = expect.get("fired", [])
    if not isinstance(fired, list):
        problems.append("fired must be a list")
    else:
        problems += [f"fired names no rule {x!r}" for x in fired if x not in RULE_IDS]
    absent = expect.get("absent", [])
    if not isinstance(absent, list) or (not absent and "absent" in expect):
        problems.append("absent must be a non-empty list")
    else:
        problems += [f"absent names no outcome {x!r}" for x in absent if x not in OUTCOMES]
    outcomes = expect.get("outcomes", [])
    if not isinstance(outcomes, list) or (not outcomes and "outcomes" in expect):
        return [*problems, "outcomes must be a non-empty list"]
    for i, want in enumerate(outcomes):
        if not isinstance(want, dict) or "code" not in want:
            problems.append(f"outcomes[{i}] must be a mapping with a code")
            continue
        problems += [f"outcomes[{i}]: unknown key {k!r}" for k in sorted(set(want) - OUTCOME_KEYS)]
        if want["code"] not in OUTCOMES:
            problems.append(f"outcomes[{i}] names no outcome {want['code']!r}")
        problems += [f"outcomes[{i}].rules names no rule {x!r}" for x in want.get("rules", []) if x not in RULE_IDS]
    return problems


def chosen_rulesets(case: dict[str, Any]) -> list[Ruleset]:
    families = case.get("families")
    return list(
        configure(
            extend((r for r in RULESETS if families is None or r.family in families), case.get("local_packs") or {}),
            case.get("local_amounts") or {},
        )
    )


def decide(case: dict[str, Any]) -> Decision:
    families = case.get("families")
    chosen = chosen_rulesets(case)
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
        elif key == "basis":
            if sorted(b["code"] for b in got["basis"]) != sorted(value):
                return False
        elif key in ("start", "until", "repair_from"):
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


@pytest.mark.parametrize(
    ("expect", "problem"),
    [
        ({"fird": ["listing/2023#R1"]}, "unknown expect key 'fird'"),
        ({}, "expect must be a mapping"),
        ({"fired": "listing/2023#R1"}, "fired must be a list"),
        ({"fired": ["listing/2023#R99"]}, "fired names no rule 'listing/2023#R99'"),
        ({"absent": ["ban_nobody"]}, "absent names no outcome 'ban_nobody'"),
        ({"absent": []}, "absent must be a non-empty list"),
        ({"outcomes": []}, "outcomes must be a non-empty list"),
        ({"outcomes": [{"start": "2024-01-01"}]}, "outcomes[0] must be a mapping with a code"),
        ({"outcomes": [{"code": "removal_at_expiry", "untill": None}]}, "outcomes[0]: unknown key 'untill'"),
        ({"outcomes": [{"code": "list_nothing"}]}, "outcomes[0] names no outcome 'list_nothing'"),
        (
            {"outcomes": [{"code": "honours_priority", "enabled": "configuration"}]},
            "outcomes[0]: unknown key 'enabled'",
        ),
        (
            {"outcomes": [{"code": "removal_at_expiry", "rules": ["listing/2023#R0"]}]},
            "outcomes[0].rules names no rule 'listing/2023#R0'",
        ),
    ],
)
def test_expect_is_checked(expect: dict[str, Any], problem: str) -> None:
    """A misspelt key or an unknown name in ``expect`` fails the case instead of checking nothing."""
    assert any(p.startswith(problem) for p in expect_problems(expect)), expect_problems(expect)


def test_a_sound_expect_has_no_problems() -> None:
    assert expect_problems({"fired": [], "absent": ["removal_at_expiry"]}) == []


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
    chosen = chosen_rulesets(case)
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

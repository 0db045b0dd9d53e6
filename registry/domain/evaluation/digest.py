"""A decision reduced to what a bureau must hear of when it changes: pure, no I/O.

``digest`` is the SHA-256 of the canonical JSON (sorted keys, no spaces) of every outcome's kind,
code, dates, value, criteria, departments, deciding bureau and evidence, in the decision's own
order (already sorted by the evaluator); the subject and the rules' wording are left out, so a
rename or a reworded ruleset with the same outcomes changes nothing. ``summary`` is the short form
kept beside it and shown before/after: the rules fired and each outcome's kind, code and term.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import msgspec

from registry.rules.decision import Decision, Outcome


def _day(value: dt.date | None) -> str | None:
    return None if value is None else value.isoformat()


def _term(o: Outcome) -> str | None:
    return "lifetime" if o.lifetime else _day(o.until)


def outcome_rows(decision: Decision) -> list[list[Any]]:
    return [
        [
            o.kind,
            o.code,
            _day(o.start),
            _term(o),
            o.value,
            o.unit,
            list(o.criteria),
            sorted(o.departments),
            o.deciding_authority,
            list(o.evidence),
        ]
        for o in decision.outcomes()
    ]


def summary(decision: Decision) -> dict[str, Any]:
    return {
        "fired": sorted(decision.fired),
        "outcomes": [[o.kind, o.code, _day(o.start), _term(o)] for o in decision.outcomes()],
    }


def digest(decision: Decision) -> str:
    return hashlib.sha256(msgspec.json.encode(outcome_rows(decision), order="deterministic")).hexdigest()


def fingerprint(hashes: list[str]) -> str:
    """The rulesets a run evaluated with: SHA-256 over their sorted hashes (``registry rules check``)."""
    return hashlib.sha256("\n".join(sorted(hashes)).encode()).hexdigest()


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """What a bureau reads of a change: outcomes and fired rules added and removed (in order)."""
    old = [tuple(o) for o in before.get("outcomes", [])]
    new = [tuple(o) for o in after.get("outcomes", [])]
    fired_old, fired_new = before.get("fired", []), after.get("fired", [])
    return {
        "added": [list(o) for o in new if o not in old],
        "removed": [list(o) for o in old if o not in new],
        "fired_added": [r for r in fired_new if r not in fired_old],
        "fired_removed": [r for r in fired_old if r not in fired_new],
    }


class Digests:
    """``digest`` and ``summary`` remembered for the decisions a ``Memo`` hands out: they share their
    outcome lists, so the same lists mean the same digest (most units: no facts, one decision)."""

    def __init__(self, size: int = 8192) -> None:
        self.size = size
        # id of the ``fired`` list -> (the list, kept alive so its id is not reused; digest; summary)
        self._seen: dict[int, tuple[list[str], str, dict[str, Any]]] = {}

    def __call__(self, decision: Decision) -> tuple[str, dict[str, Any]]:
        found = self._seen.get(id(decision.fired))
        if found is not None and found[0] is decision.fired:
            return found[1], found[2]
        made = digest(decision), summary(decision)
        if len(self._seen) >= self.size:
            self._seen.clear()
        self._seen[id(decision.fired)] = (decision.fired, *made)
        return made

"""The rulesets as data for people and partners: ``GET /api/v1/rules`` and ``registry rules export``.

Conditions are written back in the YAML's own shape; outcomes with their text, departments,
legal bases and ``verified`` flags; measures grouped by implementing department.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from registry.rules.catalogue import BASES, OUTCOMES, RETIRED, LegalBasis
from registry.rules.decision import KIND_TEXTS, NEVER_PROPOSED
from registry.rules.model import All, Condition, Leaf, Not, OutcomeSpec, Period, Produced, Ruleset, plain
from registry.rules.vocabulary import FACTS, LIST_TYPES, OPERATORS

#: the change log of the rulesets (rulesets/CHANGES.md), sent with GET /api/v1/rules
CHANGES = (Path(__file__).parent / "rulesets" / "CHANGES.md").read_text(encoding="utf-8")


def _condition(c: Condition) -> dict[str, Any]:
    if isinstance(c, Leaf):
        return {
            "fact": c.fact,
            "where": {k: plain(v) for k, v in c.where},
            "op": c.op,
            "value": plain(c.value),
        }
    if isinstance(c, Produced):
        return {"produced": c.kind}
    if isinstance(c, Not):
        return {"not": _condition(c.child)}
    return {"all" if isinstance(c, All) else "any": [_condition(x) for x in c.children]}


def _term(term: Period | str | None) -> Any:
    if isinstance(term, Period):
        return {"years": term.years, "months": term.months}
    return term


def _outcome(o: OutcomeSpec) -> dict[str, Any]:
    return {
        "outcome": o.entry.code,
        "kind": o.entry.kind,
        "text": o.entry.text,
        "start": o.start,
        "term": _term(o.term),
        "value": plain(o.value),
        "unit": o.unit,
        # the value is the deployment's configuration, not the file's (REGISTRY_RULES_LOCAL_AMOUNTS)
        **({"value_configured": True} if o.configured else {}),
        "criterion": o.criterion,
        "persons": list(o.persons),
        "verified": o.entry.verified,
    }


def basis(b: LegalBasis) -> dict[str, Any]:
    return {
        "code": b.code,
        "doc_no": b.doc_no,
        "title": b.title,
        "article": b.article,
        "tag": b.tag,
        "verified": b.verified,
        "note": b.note,
    }


def ruleset(r: Ruleset) -> dict[str, Any]:
    return {
        "id": r.id,
        "family": r.family,
        "version": r.version,
        "title": r.title,
        "hash": r.hash,
        "effective_from": r.effective_from.isoformat(),
        "effective_to": r.effective_to.isoformat() if r.effective_to else None,
        "scope": r.scope,
        "combine": r.combine,
        "legal_basis": [b.code for b in r.legal_basis],
        "note": r.note,
        "jurisdiction": list(r.jurisdiction) if r.jurisdiction is not None else None,
        "new_listings_until": r.new_listings_until.isoformat() if r.new_listings_until else None,
        # further areas this deployment enabled the local pack for (REGISTRY_RULES_LOCAL_PACKS)
        "configured_extensions": list(r.extensions),
        "rules": [
            {
                "id": rule.id,
                "title": rule.title,
                "subjects": list(rule.subjects),
                "tag": rule.tag,
                "verified": rule.tag in ("C", "C-2", "L") and all(b.verified for b in rule.basis),
                "basis": [b.code for b in rule.basis],
                "when": _condition(rule.when),
                "then": [_outcome(o) for o in rule.then],
                "note": rule.note,
            }
            for rule in r.rules
        ],
    }


def describe(rulesets: Iterable[Ruleset]) -> dict[str, Any]:
    """Everything a reader needs to check the rules: rulesets, bases, measures by department,
    the facts and operators rules are written in, the list types."""
    by_department: dict[str, list[dict[str, Any]]] = {}
    for entry in OUTCOMES.values():
        if entry.code in RETIRED:
            continue
        for dept in entry.departments:
            by_department.setdefault(dept, []).append(
                {
                    "code": entry.code,
                    "kind": entry.kind,
                    "text": entry.text,
                    "text_en": entry.text_en,
                    "applies_to": list(entry.applies_to),
                    "basis": list(entry.basis),
                    "tag": entry.tag,
                    "verified": entry.verified,
                }
            )
    rulesets = sorted(rulesets, key=lambda r: (r.family, r.effective_from))
    return {
        "rulesets": [ruleset(r) for r in rulesets],
        # local packs (DOMAIN 8.9): the area of their text and the areas this deployment added;
        # their outcomes say which pack, which text and why they apply (``enabled_by``)
        "local_packs": {
            r.family: {
                "title": r.title,
                "legal_basis": [b.code for b in r.legal_basis],
                "jurisdiction": list(r.jurisdiction),
                "configured_extensions": list(r.extensions),
                # amounts this deployment set where the text gives none (never the text's own)
                "configured_amounts": {code: {"value": plain(v), "unit": unit} for code, v, unit in r.amounts},
            }
            for r in rulesets
            if r.jurisdiction is not None
        },
        "changes": CHANGES,
        "bases": [basis(b) for b in BASES.values()],
        "measures_by_department": dict(sorted(by_department.items())),
        "list_types": dict(LIST_TYPES),
        # what each outcome kind means; ``never_proposed`` kinds are shown to the bureau only
        "outcome_kinds": {
            kind: {"text": text, "never_proposed": kind in NEVER_PROPOSED} for kind, text in KIND_TEXTS.items()
        },
        "facts": [
            {
                "name": f.name,
                "type": f.type,
                "doc": f.doc,
                "params": {k: {"type": p.type, "doc": p.doc, "required": p.required} for k, p in f.params.items()},
            }
            for f in FACTS.values()
        ],
        "operators": {k: list(v) for k, v in OPERATORS.items()},
    }

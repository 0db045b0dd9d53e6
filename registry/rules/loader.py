"""Load versioned rulesets (``rulesets/<family>/<version>.yaml``) and refuse anything unsound.

Every fact, parameter, operator, outcome and legal basis a file names is resolved against the
vocabulary and type-checked here, once, so evaluation never meets an unknown name. Refused: an
unknown name, a value of the wrong type, a rule id used twice in a ruleset, a family/version
whose path disagrees with its content, two versions of a family whose effective periods overlap.
Two structural rules of the legal review (DOMAIN 8) are refused as well, each problem naming its
rule: ``local-basis-needs-jurisdiction`` (a ruleset resting on a local text, tag L, must say where
it applies: DOMAIN 8.9) and ``ban-needs-statute`` (a ban rests on a national statute or
administrative regulation tagged C: DOMAIN 8.1-8.3). All problems of all files are reported together.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import itertools
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import msgspec
import yaml

from registry.rules.catalogue import BASES, OUTCOMES, RETIRED, LegalBasis, OutcomeEntry
from registry.rules.decision import GROUPS
from registry.rules.model import All, AnyOf, Condition, Leaf, Not, OutcomeSpec, Period, Produced, Rule, Ruleset
from registry.rules.view import ACCIDENT_RANK
from registry.rules.vocabulary import (
    CONDITIONS,
    CREDIT_CLASSES,
    EVENT_GROUNDS,
    EVENT_TYPES,
    EXECUTIONS,
    FACTS,
    LIST_TYPES,
    OPERATORS,
)

RULESETS = Path(__file__).parent / "rulesets"
SUBJECTS = ("enterprise", "agency", "person")
KINDS = tuple(GROUPS)
STARTS = ("trigger", "as_of", "listing", "grade", "sentence_end")
TERMS = ("lifetime", "listing", "grade", "event_end")
PERSON_ROLES = ("legal_representative", "principal", "safety_deputy", "directly_responsible", "agency_responsible")
TAGS = ("C", "C-2", "L", "R", "?")


class RulesetError(Exception):
    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


class _PeriodDoc(msgspec.Struct, forbid_unknown_fields=True):
    years: int = 0
    months: int = 0


class _OutcomeDoc(msgspec.Struct, forbid_unknown_fields=True):
    outcome: str
    start: str = "trigger"
    term: _PeriodDoc | str | None = None
    value: int | float | str | list[int | float] | None = None
    unit: str | None = None
    criterion: str | None = None
    persons: list[str] = msgspec.field(default_factory=list)
    note: str = ""
    each: bool = False
    minimum: _PeriodDoc | None = None


class _RuleDoc(msgspec.Struct, forbid_unknown_fields=True):
    id: str
    title: str
    subjects: list[str]
    basis: list[str]
    when: dict[str, Any]
    then: list[_OutcomeDoc]
    tag: Literal["C", "C-2", "L", "R", "?"]
    note: str = ""


class _RulesetDoc(msgspec.Struct, forbid_unknown_fields=True):
    family: str
    version: str
    title: str
    legal_basis: list[str]
    effective_from: dt.date
    effective_to: dt.date | None
    scope: Literal["conduct", "state"]
    combine: Literal["all", "first", "merge"]
    rules: list[_RuleDoc]
    note: str = ""
    jurisdiction: list[str] | None = None
    new_listings_until: dt.date | None = None


def digest(raw: Mapping[str, Any]) -> str:
    """SHA-256 of the ruleset's canonical JSON (keys sorted): formatting and comments do not count."""
    return "sha256:" + hashlib.sha256(msgspec.json.encode(raw, order="sorted")).hexdigest()


class _Checker:
    def __init__(self, source: str):
        self.source = source
        self.problems: list[str] = []

    def fail(self, where: str, message: str) -> None:
        self.problems.append(f"{self.source}: {where}: {message}")

    def bases(self, where: str, codes: Iterable[str]) -> tuple[LegalBasis, ...]:
        out = []
        for code in codes:
            if code not in BASES:
                self.fail(where, f"unknown legal basis {code!r}")
            else:
                out.append(BASES[code])
        return tuple(out)

    def param(self, where: str, fact: str, name: str, value: Any) -> Any:
        spec = FACTS[fact].params.get(name)
        if spec is None:
            self.fail(
                where, f"fact {fact!r} takes no parameter {name!r} (takes: {', '.join(FACTS[fact].params) or '-'})"
            )
            return value
        kind = spec.type
        ok: bool
        if kind == "bool":
            ok = isinstance(value, bool)
        elif kind == "int":
            ok = isinstance(value, int) and not isinstance(value, bool) and value >= 0
        elif kind == "float":
            ok = isinstance(value, int | float) and not isinstance(value, bool)
        elif kind == "date":
            ok = isinstance(value, dt.date) and not isinstance(value, dt.datetime)
        elif kind == "grade":
            ok = value in ACCIDENT_RANK
        elif kind == "role":
            ok = value in PERSON_ROLES
        elif kind == "reason":
            ok = value in EVENT_GROUNDS
        else:
            allowed = {
                "types": EVENT_TYPES.get(FACTS[fact].kind or "", ()),
                "list_types": tuple(LIST_TYPES),
                "executions": EXECUTIONS,
                "classes": CREDIT_CLASSES,
                "conditions": tuple(CONDITIONS),
            }[kind]
            ok = isinstance(value, list) and bool(value) and all(v in allowed for v in value)
            if ok:
                return tuple(value)
            self.fail(where, f"{name} must be a non-empty list of {', '.join(allowed)}")
            return value
        if not ok:
            self.fail(where, f"{name} must be a {kind}, not {value!r}")
        return value

    def condition(self, where: str, raw: Any) -> Condition:  # noqa: PLR0911 - one return per shape
        if not isinstance(raw, dict) or not raw:
            self.fail(where, "a condition is a mapping: all / any / not / fact / produced")
            return All(())
        keys = set(raw)
        if keys in ({"all"}, {"any"}):
            (key,) = keys
            items = raw[key]
            if not isinstance(items, list) or not items:
                self.fail(where, f"{key} needs a non-empty list")
                return All(())
            children = tuple(self.condition(f"{where}.{key}[{i}]", c) for i, c in enumerate(items))
            return All(children) if key == "all" else AnyOf(children)
        if keys == {"not"}:
            return Not(self.condition(f"{where}.not", raw["not"]))
        if keys == {"produced"}:
            if raw["produced"] not in KINDS:
                self.fail(where, f"produced must be one of {', '.join(KINDS)}")
            return Produced(str(raw["produced"]))
        if "fact" in keys and keys <= {"fact", "where", "op", "value"} and {"op", "value"} <= keys:
            return self.leaf(where, raw)
        self.fail(where, f"unknown condition keys {sorted(keys)}")
        return All(())

    def leaf(self, where: str, raw: dict[str, Any]) -> Leaf:
        name, op, value = raw["fact"], raw["op"], raw["value"]
        fact = FACTS.get(name)
        if fact is None:
            self.fail(where, f"unknown fact {name!r}")
            return Leaf(str(name), (), str(op), value)
        params = raw.get("where") or {}
        if not isinstance(params, dict):
            self.fail(where, "where must be a mapping of parameters")
            params = {}
        checked = {k: self.param(f"{where}.where", name, k, v) for k, v in params.items()}
        for k, spec in fact.params.items():
            if spec.required and k not in checked:
                self.fail(where, f"fact {name!r} needs parameter {k!r}")
        if op not in OPERATORS[fact.type]:
            self.fail(
                where, f"operator {op!r} does not apply to a {fact.type} fact (use {', '.join(OPERATORS[fact.type])})"
            )
        elif op in ("in", "not_in"):
            if not isinstance(value, list) or not all(self._typed(fact.type, v) for v in value):
                self.fail(where, f"{op} needs a list of {fact.type} values")
            else:
                value = tuple(value)
        elif not self._typed(fact.type, value):
            self.fail(where, f"value {value!r} is not a {fact.type}")
        return Leaf(name, tuple(sorted(checked.items())), op, value)

    @staticmethod
    def _typed(kind: str, value: Any) -> bool:
        if kind == "bool":
            return isinstance(value, bool)
        if kind == "int":
            return isinstance(value, int) and not isinstance(value, bool)
        return isinstance(value, str)

    def outcome(self, where: str, doc: _OutcomeDoc) -> OutcomeSpec | None:
        entry = OUTCOMES.get(doc.outcome)
        if entry is None:
            self.fail(where, f"unknown outcome {doc.outcome!r}")
            return None
        if entry.code in RETIRED:
            self.fail(where, f"outcome {doc.outcome!r} is retired: no legal basis orders it any more (DOMAIN 8.1)")
        if doc.start not in STARTS:
            self.fail(where, f"start must be one of {', '.join(STARTS)}")
        term: Period | str | None
        if isinstance(doc.term, _PeriodDoc):
            if doc.term.years < 0 or doc.term.months < 0 or doc.term.years + doc.term.months == 0:
                self.fail(where, "a term needs positive years or months")
            term = Period(doc.term.years, doc.term.months)
        else:
            if doc.term is not None and doc.term not in TERMS:
                self.fail(where, f"term must be a period or one of {', '.join(TERMS)}")
            term = doc.term
        for role in doc.persons:
            if role not in PERSON_ROLES:
                self.fail(where, f"unknown person role {role!r}")
        minimum = self.per_event(where, doc, term)
        value = tuple(doc.value) if isinstance(doc.value, list) else doc.value
        return OutcomeSpec(
            entry,
            doc.start,
            term,
            value,
            doc.unit,
            doc.criterion,
            tuple(doc.persons),
            doc.note,
            doc.each,
            minimum,
        )

    def per_event(self, where: str, doc: _OutcomeDoc, term: Period | str | None) -> Period | None:
        """``each`` needs a period run from each event; ``minimum`` (the shortest term, after which
        repair may end the outcome) belongs to such a term and is not longer than it."""
        minimum: Period | None = None
        if doc.minimum is not None:
            minimum = Period(doc.minimum.years, doc.minimum.months)
            if doc.minimum.years < 0 or doc.minimum.months < 0:
                self.fail(where, "a minimum needs years or months of 0 or more")
            elif not isinstance(term, Period) or _months(minimum) > _months(term):
                self.fail(where, "a minimum needs a period term at least as long")
            if not doc.each:
                self.fail(where, "a minimum belongs to one event's term: set each")
        if doc.each and (doc.start != "trigger" or not isinstance(term, Period)):
            self.fail(where, "each runs a period from each event itself: start trigger and a period term")
        return minimum


def _months(period: Period) -> int:
    return period.years * 12 + period.months


def is_prefix(prefix: object) -> bool:
    """A division-code prefix: 2 (province), 4 (city) or 6 (county) digits of GB/T 2260."""
    return isinstance(prefix, str) and prefix.isdigit() and len(prefix) in (2, 4, 6)


def _local_texts(rule: Rule) -> list[str]:
    """What in a rule rests on a local text (tag L): its own tag, its bases, its outcomes' bases."""
    found = [f"rule tag {rule.tag}"] if rule.tag == "L" else []
    found += [f"basis {b.code} ({b.doc_no})" for b in rule.basis if b.tag == "L"]
    entries: list[OutcomeEntry] = [o.entry for o in rule.then]
    found += [f"outcome {e.code} (tag L)" for e in entries if e.tag == "L"]
    found += [
        f"outcome {e.code} basis {c} ({BASES[c].doc_no})" for e in entries for c in e.basis if BASES[c].tag == "L"
    ]
    return list(dict.fromkeys(found))


def _structural(ruleset: Ruleset, checker: _Checker) -> None:
    """The two rules of DOMAIN 8 a file can break by its shape alone."""
    if ruleset.jurisdiction is None:
        local = [f"legal_basis {b.code} ({b.doc_no})" for b in ruleset.legal_basis if b.tag == "L"]
        if local:
            checker.fail(
                "legal_basis",
                "local-basis-needs-jurisdiction: rests on a local text (" + ", ".join(local) + ") but names no "
                "jurisdiction; a local text applies only where it was issued (DOMAIN 8.9)",
            )
        for i, rule in enumerate(ruleset.rules):
            local = _local_texts(rule)
            if local:
                checker.fail(
                    f"rules[{i}] ({rule.id})",
                    "local-basis-needs-jurisdiction: rests on a local text (" + ", ".join(local) + ") in a ruleset "
                    "without jurisdiction; move it to a local pack (DOMAIN 8.9)",
                )
    for i, rule in enumerate(ruleset.rules):
        bans = [o.entry.code for o in rule.then if o.entry.kind == "ban"]
        if bans and not any(b.statute and b.tag == "C" for b in rule.basis):
            checker.fail(
                f"rules[{i}] ({rule.id})",
                f"ban-needs-statute: orders {', '.join(bans)} without a national statute or administrative "
                "regulation tagged C among its bases (" + (", ".join(b.code for b in rule.basis) or "-") + "); "
                "a ban rests only on the law (DOMAIN 8.1-8.3)",
            )


def _build(raw: Mapping[str, Any], source: str, checker: _Checker) -> Ruleset | None:
    try:
        doc = msgspec.convert(raw, _RulesetDoc)
    except msgspec.ValidationError as exc:
        checker.fail("(document)", str(exc))
        return None
    for prefix in doc.jurisdiction or []:
        if not is_prefix(prefix):
            checker.fail("jurisdiction", f"{prefix!r} is not a division-code prefix (2, 4 or 6 digits)")
    if doc.jurisdiction == []:
        checker.fail("jurisdiction", "omit jurisdiction for a national ruleset; an empty list would apply nowhere")
    if doc.effective_to is not None and doc.effective_to < doc.effective_from:
        checker.fail("effective_to", "ends before effective_from")
    if doc.new_listings_until is not None and (doc.scope != "conduct" or doc.effective_to is None):
        checker.fail(
            "new_listings_until", "only a superseded conduct regime (scope conduct, with effective_to) has one"
        )
    seen: set[str] = set()
    rules = []
    for i, r in enumerate(doc.rules):
        where = f"rules[{i}] ({r.id})"
        if r.id in seen:
            checker.fail(where, f"duplicate rule id {r.id!r}")
        seen.add(r.id)
        for subject in r.subjects:
            if subject not in SUBJECTS:
                checker.fail(where, f"unknown subject {subject!r}")
        if not r.then:
            checker.fail(where, "a rule must order at least one outcome")
        outcomes = [checker.outcome(f"{where}.then[{j}]", o) for j, o in enumerate(r.then)]
        rules.append(
            Rule(
                r.id,
                r.title,
                tuple(r.subjects),
                checker.bases(f"{where}.basis", r.basis),
                checker.condition(f"{where}.when", r.when),
                tuple(o for o in outcomes if o is not None),
                r.tag,
                r.note,
            )
        )
    if not rules:
        checker.fail("rules", "a ruleset needs at least one rule")
    ruleset = Ruleset(
        doc.family,
        doc.version,
        doc.title,
        checker.bases("legal_basis", doc.legal_basis),
        doc.effective_from,
        doc.effective_to,
        doc.scope,
        doc.combine,
        tuple(rules),
        digest(raw),
        source,
        doc.note,
        None if doc.jurisdiction is None else tuple(doc.jurisdiction),
        doc.new_listings_until,
    )
    _structural(ruleset, checker)
    return ruleset


def parse(text: str, source: str = "<string>") -> Ruleset:
    """One ruleset from YAML text; ``RulesetError`` lists every problem."""
    checker = _Checker(source)
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise RulesetError([f"{source}: not YAML: {exc}"]) from exc
    if not isinstance(raw, dict):
        raise RulesetError([f"{source}: a ruleset is a mapping"])
    ruleset = _build(raw, source, checker)
    if checker.problems or ruleset is None:
        raise RulesetError(checker.problems)
    return ruleset


def check_families(rulesets: Iterable[Ruleset]) -> list[str]:
    """Duplicate family/version pairs and overlapping effective periods within a family."""
    problems = []
    by_family: dict[str, list[Ruleset]] = {}
    for r in rulesets:
        by_family.setdefault(r.family, []).append(r)
    for family, versions in sorted(by_family.items()):
        versions.sort(key=lambda r: r.effective_from)
        ids = [r.version for r in versions]
        for v in sorted({v for v in ids if ids.count(v) > 1}):
            problems.append(f"{family}: version {v} is defined twice")
        for a, b in itertools.pairwise(versions):
            if a.effective_to is None or a.effective_to >= b.effective_from:
                problems.append(
                    f"{family}: versions {a.version} ({a.effective_from}..{a.effective_to or ''}) and "
                    f"{b.version} (from {b.effective_from}) overlap"
                )
    return problems


def extend(rulesets: Iterable[Ruleset], extensions: Mapping[str, Sequence[str]]) -> tuple[Ruleset, ...]:
    """The rulesets with the areas a deployment enabled local packs for (family -> division-code
    prefixes, ``REGISTRY_RULES_LOCAL_PACKS``). Refused: an unknown family, a national family
    (it applies everywhere already), a prefix that is not 2, 4 or 6 digits."""
    rulesets = tuple(rulesets)
    families = {r.family: r for r in rulesets}
    problems = []
    for family, prefixes in sorted(extensions.items()):
        found = families.get(family)
        if found is None:
            problems.append(
                f"REGISTRY_RULES_LOCAL_PACKS: unknown pack {family!r} (local packs: "
                + ", ".join(sorted(f for f, r in families.items() if r.jurisdiction is not None))
                + ")"
            )
        elif found.jurisdiction is None:
            problems.append(f"REGISTRY_RULES_LOCAL_PACKS: {family!r} is national, not a local pack")
        bad = [p for p in prefixes if not is_prefix(p)]
        if bad or not prefixes:
            problems.append(
                f"REGISTRY_RULES_LOCAL_PACKS: {family!r} needs division-code prefixes of 2, 4 or 6 digits "
                f"(got {', '.join(map(repr, prefixes)) or 'none'})"
            )
    if problems:
        raise RulesetError(problems)
    return tuple(
        dataclasses.replace(r, extensions=tuple(dict.fromkeys(extensions[r.family]))) if r.family in extensions else r
        for r in rulesets
    )


def _amount_problem(family: str, code: str, setting: Mapping[str, Any]) -> str | None:
    value, unit = setting.get("value"), setting.get("unit")
    numbers = value if isinstance(value, list) else [value]
    if set(setting) != {"value", "unit"}:
        return f"{family}.{code}: give exactly value and unit (got {', '.join(sorted(setting)) or 'nothing'})"
    if not numbers or not all(isinstance(n, int | float) and not isinstance(n, bool) for n in numbers):
        return f"{family}.{code}: the value must be a number or a list of numbers (got {value!r})"
    if not isinstance(unit, str) or not unit.strip():
        return f"{family}.{code}: the unit must be a non-empty name (e.g. percent_of_base_rate)"
    return None


def configure(
    rulesets: Iterable[Ruleset], amounts: Mapping[str, Mapping[str, Mapping[str, Any]]]
) -> tuple[Ruleset, ...]:
    """The rulesets with the amounts a deployment set (``REGISTRY_RULES_LOCAL_AMOUNTS``: pack family
    -> outcome code -> ``{value, unit}``) for outcomes a local text orders without one (DOMAIN 8.9:
    Shenzhen's note gives no frequency or percentage). A text's own amount is law and is never
    replaced, and a national ruleset takes none: refused, as are an unknown pack or code and a value
    that is not a number or a list of numbers. Every outcome so valued says so
    (``value_configured`` and a note)."""
    rulesets = tuple(rulesets)
    families: dict[str, list[Ruleset]] = {}
    for r in rulesets:
        families.setdefault(r.family, []).append(r)
    problems = []
    for family, codes in sorted(amounts.items()):
        found = families.get(family)
        if found is None or any(r.jurisdiction is None for r in found):
            problems.append(
                f"REGISTRY_RULES_LOCAL_AMOUNTS: {family!r} is not a local pack (local packs: "
                + ", ".join(sorted(f for f, rs in families.items() if all(r.jurisdiction for r in rs)))
                + "); national texts set their own amounts"
            )
            continue
        specs = [o for r in found for rule in r.rules for o in rule.then]
        for code, setting in sorted(codes.items()):
            own = [o for o in specs if o.entry.code == code]
            problem = (
                _amount_problem(family, code, setting)
                if isinstance(setting, Mapping)
                else f"{family}.{code}: give a mapping with value and unit"
            )
            if not own:
                problem = (
                    f"{family}: the pack orders no {code!r} (it orders: "
                    + ", ".join(sorted({o.entry.code for o in specs}))
                    + ")"
                )
            elif all(o.value is not None for o in own):
                problem = f"{family}.{code}: the text sets its amount; configuration cannot change the law"
            if problem is not None:
                problems.append(f"REGISTRY_RULES_LOCAL_AMOUNTS: {problem}")
    if problems:
        raise RulesetError(problems)

    def valued(r: Ruleset) -> Ruleset:
        codes = amounts.get(r.family) or {}
        if not codes:
            return r
        rules = tuple(
            dataclasses.replace(
                rule,
                then=tuple(
                    dataclasses.replace(
                        o,
                        value=plain_value(codes[o.entry.code]["value"]),
                        unit=codes[o.entry.code]["unit"],
                        configured=True,
                    )
                    if o.entry.code in codes and o.value is None
                    else o
                    for o in rule.then
                ),
            )
            for rule in r.rules
        )
        chosen = tuple(sorted((c, plain_value(v["value"]), v["unit"]) for c, v in codes.items()))
        return dataclasses.replace(r, rules=rules, amounts=chosen)

    return tuple(valued(r) for r in rulesets)


def plain_value(value: Any) -> Any:
    """A configured value as loaded values are kept (lists as tuples; ``model.plain`` undoes it)."""
    return tuple(value) if isinstance(value, list) else value


def load(
    root: Path = RULESETS,
    extensions: Mapping[str, Sequence[str]] | None = None,
    amounts: Mapping[str, Mapping[str, Mapping[str, Any]]] | None = None,
) -> tuple[Ruleset, ...]:
    """Every ruleset under ``root``; the path must be ``<family>/<version>.yaml``. ``extensions``
    enables local packs for further areas (``extend``), ``amounts`` sets the amounts their texts
    leave open (``configure``)."""
    problems: list[str] = []
    out: list[Ruleset] = []
    for path in sorted(root.glob("*/*.yaml")):
        source = f"{path.parent.name}/{path.name}"
        try:
            ruleset = parse(path.read_text(encoding="utf-8"), source)
        except RulesetError as exc:
            problems.extend(exc.problems)
            continue
        if (ruleset.family, ruleset.version) != (path.parent.name, path.stem):
            problems.append(f"{source}: family/version {ruleset.id} does not match the path")
            continue
        out.append(ruleset)
    problems.extend(check_families(out))
    if not out and not problems:
        problems.append(f"{root}: no rulesets found")
    if problems:
        raise RulesetError(problems)
    return configure(extend(out, extensions or {}), amounts or {})

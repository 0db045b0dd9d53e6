"""Rulesets as loaded: every name resolved, every value type-checked (``loader`` builds these).

A condition is a tree of ``All`` / ``Any`` / ``Not`` over ``Leaf`` (a fact, its parameters, an
operator and a value) and ``Produced`` (an outcome kind an earlier rule of the same ruleset
ordered, e.g. the notice that precedes every listing). Nothing is ``eval``'d.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from registry.rules.catalogue import LegalBasis, OutcomeEntry


def plain(value: Any) -> Any:
    """A loaded value as it is written on the wire (lists are kept as tuples once loaded)."""
    return list(value) if isinstance(value, tuple) else value


@dataclass(frozen=True)
class Leaf:
    fact: str
    where: tuple[tuple[str, Any], ...]
    op: str
    value: Any


@dataclass(frozen=True)
class Produced:
    kind: str


@dataclass(frozen=True)
class All:
    children: tuple[Condition, ...]


@dataclass(frozen=True)
class AnyOf:
    children: tuple[Condition, ...]


@dataclass(frozen=True)
class Not:
    child: Condition


Condition = Leaf | Produced | All | AnyOf | Not


@dataclass(frozen=True)
class Period:
    years: int = 0
    months: int = 0


@dataclass(frozen=True)
class OutcomeSpec:
    entry: OutcomeEntry
    #: what the term runs from: trigger (latest evidence), as_of, listing, grade, sentence_end
    start: str
    #: a Period, or "lifetime", "listing" (while listed), "grade" (while the grade holds),
    #: "event_end" (the order's own end), or None (open: while the facts hold)
    term: Period | str | None
    value: Any = None
    unit: str | None = None
    criterion: str | None = None
    persons: tuple[str, ...] = ()
    note: str = ""
    #: one outcome per evidence event, its term running from that event's own date (a penalty's
    #: publication runs from its own decision, not from the latest one)
    each: bool = False
    #: the shortest term (最短公示期): from its end the subject may apply for credit repair, which
    #: ends the outcome on the day it is granted (令36 art. 3); None: not repairable this way
    minimum: Period | None = None
    #: the value is this deployment's configuration (``REGISTRY_RULES_LOCAL_AMOUNTS``), not the
    #: text's: a local text that orders a measure without an amount (DOMAIN 8.9: Shenzhen)
    configured: bool = False


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    subjects: tuple[str, ...]
    basis: tuple[LegalBasis, ...]
    when: Condition
    then: tuple[OutcomeSpec, ...]
    tag: str
    note: str = ""


@dataclass(frozen=True)
class Ruleset:
    family: str
    version: str
    title: str
    legal_basis: tuple[LegalBasis, ...]
    effective_from: dt.date
    effective_to: dt.date | None
    #: "conduct": rules see only events dated inside the effective period (a regime is never
    #: applied to conduct before it, nor after its successor took over); "state": the version in
    #: force on the day applies to everything known
    scope: str
    #: "all": every fired rule's outcomes; "first": the first rule that fires, in file order;
    #: "merge": outcomes of the same code merge, keeping the longest term and every reason
    combine: str
    rules: tuple[Rule, ...]
    hash: str
    source: str
    note: str = ""
    #: a local pack applies only to subjects located under one of these division-code prefixes
    #: (e.g. ["11"]: Beijing); None for a national ruleset
    jurisdiction: tuple[str, ...] | None = None
    #: a superseded conduct regime: the last day a listing may still be newly proposed under it.
    #: After it, a case of its period completed by a penalty dated later is shown to the bureau
    #: for review ("transitional: decide by hand"), never proposed (DOMAIN 8.4: no new 49号 or
    #: 2015-rule listing once 部令11号 is in force on 2023-10-01)
    new_listings_until: dt.date | None = None
    #: further prefixes a deployment enabled this local pack for (``REGISTRY_RULES_LOCAL_PACKS``);
    #: not part of the file, so not of its hash
    extensions: tuple[str, ...] = ()
    #: amounts a deployment set for outcomes its text orders without one (outcome code -> value,
    #: unit; ``REGISTRY_RULES_LOCAL_AMOUNTS``); not part of the file, so not of its hash
    amounts: tuple[tuple[str, Any, str], ...] = ()

    @property
    def id(self) -> str:
        return f"{self.family}/{self.version}"

    def enabled_by(self, division_code: str | None) -> str | None:
        """Why this ruleset applies to a subject located in ``division_code``: "national" (no
        jurisdiction), "jurisdiction" (inside the area of the text), "configuration" (inside an
        area the deployment added), or None: it does not apply there."""
        if self.jurisdiction is None:
            return "national"
        code = division_code or ""
        if code.startswith(self.jurisdiction):
            return "jurisdiction"
        if self.extensions and code.startswith(self.extensions):
            return "configuration"
        return None

    def in_force(self, day: dt.date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day <= self.effective_to)

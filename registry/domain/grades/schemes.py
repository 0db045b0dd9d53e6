"""The grading data (registry/data/grading.yaml): thresholds, grading levels, delegations, procedures.

Loaded once and checked completely at start-up: a bad file stops the service with the reason,
rather than a grade being judged on a threshold that was never there.
"""

from __future__ import annotations

import datetime as dt
from importlib import resources
from typing import Literal

import msgspec
import yaml

from registry.domain.grades.conditions import Condition

AuthorityLevel = Literal["national", "provincial", "prefectural", "county"]


class ConditionSpec(msgspec.Struct, forbid_unknown_fields=True):
    """One limit on the applicant's accident record (see registry.domain.grades.conditions)."""

    months: int | None
    max_deaths: int | None = None
    max_grade: Literal["ordinary", "larger", "major"] | None = None

    def __post_init__(self) -> None:
        if (self.max_deaths is None) == (self.max_grade is None):
            raise ValueError("grading.yaml: a condition limits either max_deaths or max_grade")
        if self.months is not None and self.months < 1:
            raise ValueError("grading.yaml: a condition's months must be at least 1 (or null: ever)")

    def condition(self) -> Condition:
        return Condition(self.months, self.max_deaths, self.max_grade)


class Conditions(msgspec.Struct, forbid_unknown_fields=True):
    verified: bool
    source: str
    levels: dict[int, list[ConditionSpec]]


class Scheme(msgspec.Struct, forbid_unknown_fields=True):
    code: str
    title: str
    effective_from: dt.date
    verified: bool
    source: str
    thresholds: dict[int, float]
    effective_to: dt.date | None = None
    #: the accident record an applicant may have, per level
    conditions: Conditions | None = None

    def conditions_for(self, level: int) -> list[Condition]:
        if self.conditions is None:
            return []
        return [c.condition() for c in self.conditions.levels.get(level, [])]


class Delegation(msgspec.Struct, forbid_unknown_fields=True):
    division: str
    level: int
    scales: list[str]
    authority_level: AuthorityLevel
    source: str


class Procedure(msgspec.Struct, forbid_unknown_fields=True):
    title: str
    steps: list[Literal["review", "audit", "announcement"]]
    certificate: bool
    #: the levels a division configured for this procedure grades by it (others: the default)
    levels: list[int] = msgspec.field(default_factory=lambda: [1, 2, 3])


class GradingRules(msgspec.Struct, forbid_unknown_fields=True):
    schemes: list[Scheme]
    grading_levels: dict[int, AuthorityLevel]
    delegations: list[Delegation]
    procedures: dict[str, Procedure]
    default_procedure: str
    procedure_by_division: dict[str, str]
    validity_years: int
    renewal_window_months: int

    def __post_init__(self) -> None:
        codes = [s.code for s in self.schemes]
        if len(set(codes)) != len(codes):
            raise ValueError("grading.yaml: duplicate scheme codes")
        for scheme in self.schemes:
            if sorted(scheme.thresholds) != [1, 2, 3]:
                raise ValueError(f"grading.yaml: scheme {scheme.code} needs thresholds for levels 1, 2, 3")
        if sorted(self.grading_levels) != [1, 2, 3]:
            raise ValueError("grading.yaml: grading_levels needs levels 1, 2, 3")
        prefixes = [*self.procedure_by_division, *(d.division for d in self.delegations)]
        if bad := [p for p in prefixes if not (p.isdigit() and len(p) in (2, 4, 6))]:
            raise ValueError(f"grading.yaml: division prefixes must be 2, 4 or 6 digits: {bad}")
        named = [self.default_procedure, *self.procedure_by_division.values()]
        if unknown := [p for p in named if p not in self.procedures]:
            raise ValueError(f"grading.yaml: unknown procedures {unknown}")
        for procedure in self.procedures.values():
            if not procedure.steps or procedure.steps[-1] != "announcement":
                raise ValueError("grading.yaml: every procedure ends with the announcement")

    def scheme(self, code: str) -> Scheme | None:
        return next((s for s in self.schemes if s.code == code), None)

    def procedure_for(self, division: str, level: int) -> str:
        """The procedure configured for the longest division prefix, where it covers ``level``;
        else the default."""
        for n in (6, 4, 2):
            found = self.procedure_by_division.get(division[:n])
            if found is not None:
                return found if level in self.procedures[found].levels else self.default_procedure
        return self.default_procedure

    def authority_level(self, level: int, division: str, scale: str) -> AuthorityLevel:
        for d in self.delegations:
            if d.level == level and division.startswith(d.division) and scale in d.scales:
                return d.authority_level
        return self.grading_levels[level]


def load_grading_rules(text: str | None = None) -> GradingRules:
    if text is None:
        text = resources.files("registry").joinpath("data/grading.yaml").read_text(encoding="utf-8")
    return msgspec.convert(yaml.safe_load(text), GradingRules, strict=False)

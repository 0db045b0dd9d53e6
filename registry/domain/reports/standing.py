"""What a grade was on a given day, as recorded by a given moment: the one definition every report
uses (monthly report, targets), read off the grade's steps rather than its current projection.

A grade's status on day D is the status after its last step dated on or before D (steps of one
grade are dated in order; the step id breaks ties within a day), among the steps recorded by
``as_of``; a grade still ``valid`` after that step but past ``valid_until`` on D had expired (the
sweep that records the expiry may run later). So a revocation, supersession or expiry dated after
D does not touch D, and one dated before D counts even if it was entered late (but before
``as_of``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from registry.domain.reports.periods import Cut

#: application statuses counted as 正在评审 (a suspended application, 评审中止, is not under review)
IN_REVIEW = frozenset({"applied", "reviewed", "audited"})


@dataclass(frozen=True, slots=True)
class Step:
    id: int
    name: str
    on: dt.date
    status_after: str
    recorded_at: dt.datetime


@dataclass(frozen=True, slots=True)
class GradeHistory:
    grade_id: int
    enterprise_id: int
    level: int
    valid_until: dt.date | None
    steps: tuple[Step, ...]


@dataclass(frozen=True, slots=True)
class Unit:
    """An enterprise as the reports group it (industry, scale and division as registered now)."""

    id: int
    division_code: str
    industry: str
    scale: str
    registered_at: dt.datetime


def known(steps: Iterable[Step], as_of: dt.datetime) -> list[Step]:
    """The steps recorded by ``as_of``, in the order they happened."""
    return sorted((s for s in steps if s.recorded_at <= as_of), key=lambda s: (s.on, s.id))


def status_on(grade: GradeHistory, day: dt.date, as_of: dt.datetime) -> str | None:
    """The grade's status on ``day`` as recorded by ``as_of``; None before its application."""
    last = None
    for step in known(grade.steps, as_of):
        if step.on > day:
            break
        last = step
    if last is None:
        return None
    if last.status_after == "valid" and grade.valid_until is not None and grade.valid_until < day:
        return "expired"
    return last.status_after


def announced_on(grade: GradeHistory, as_of: dt.datetime) -> dt.date | None:
    """The day the grade was announced (公告), if that was recorded by ``as_of``."""
    return next((s.on for s in known(grade.steps, as_of) if s.name == "announce"), None)


def counted(unit: Unit | None, cut: Cut) -> bool:
    """Whether a unit was on the register at the cut (registered before its end and ``as_of``)."""
    return unit is not None and cut.registered(unit.registered_at)

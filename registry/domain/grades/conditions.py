"""Application conditions of a grading scheme: the accident record an applicant may have. Pure.

A condition limits the deaths, or the highest accident grade, in the months before the
application (no limit on months: ever). Schemes carry them as data with a ``verified`` flag: an
unmet verified condition refuses the application, an unverified one is recorded as a warning for
the reviewing authority (DOMAIN 3.1 and 3.3: the 2011 conditions are confirmed, the 2021 ones are
reconstructed).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from registry.domain.calendar import add_months
from registry.domain.events.accidents import LABELS, rank


@dataclass(frozen=True, slots=True)
class Accident:
    id: int
    occurred_on: dt.date
    deaths: int
    grade: str


@dataclass(frozen=True, slots=True)
class Condition:
    #: the window before the application, in calendar months (None: the whole record)
    months: int | None
    max_deaths: int | None = None
    #: the highest accident grade allowed in the window (e.g. "ordinary": no 较大 or worse)
    max_grade: str | None = None

    def text(self) -> tuple[str, str]:
        span_zh = f"申请前{self.months}个月内" if self.months else "历史上"
        span_en = f"in the {self.months} months before applying" if self.months else "ever"
        if self.max_deaths is not None:
            if self.max_deaths == 0:
                return f"{span_zh}不得发生死亡事故", f"no fatal accident {span_en}"
            return f"{span_zh}事故死亡不超过{self.max_deaths}人", f"at most {self.max_deaths} deaths {span_en}"
        assert self.max_grade is not None
        return (
            f"{span_zh}不得发生{LABELS[self.max_grade]}以上的事故（不含{LABELS[self.max_grade]}）",
            f"no accident above {self.max_grade} {span_en}",
        )


@dataclass(frozen=True, slots=True)
class Unmet:
    condition: Condition
    accidents: tuple[int, ...]


def unmet(conditions: Sequence[Condition], accidents: Sequence[Accident], applied_on: dt.date) -> list[Unmet]:
    """The conditions the accident record breaks; windows end the day before the application."""
    out = []
    for c in conditions:
        start = add_months(applied_on, -c.months) if c.months else dt.date.min
        inside = [a for a in accidents if start <= a.occurred_on < applied_on]
        if c.max_deaths is not None:
            culprits = [a for a in inside if a.deaths > 0]
            broken = sum(a.deaths for a in inside) > c.max_deaths
        else:
            assert c.max_grade is not None
            culprits = [a for a in inside if rank(a.grade) > rank(c.max_grade)]
            broken = bool(culprits)
        if broken:
            out.append(Unmet(c, tuple(a.id for a in culprits)))
    return out

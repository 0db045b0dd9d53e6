"""Accident grades from the three axes of 国务院令第493号 art. 3 (DOMAIN 2.5). Pure.

"以上"包括本数，"以下"不包括本数: each grade starts *at* its lower bound, and the highest grade
reached on any axis applies. Money is whole yuan (元).
"""

from __future__ import annotations

from typing import Final

from registry.rules.facts import AccidentGrade  # one definition: the rules read the same grades

#: lowest grade first; the index is the grade's rank
GRADES: Final[tuple[AccidentGrade, ...]] = ("ordinary", "larger", "major", "especially_major")

LABELS: Final[dict[str, str]] = {
    "ordinary": "一般事故",
    "larger": "较大事故",
    "major": "重大事故",
    "especially_major": "特别重大事故",
}

#: the lower bound of each grade above 一般 on each axis: (deaths, serious injuries, direct loss in 元)
LOWER_BOUNDS: Final[dict[AccidentGrade, tuple[int, int, int]]] = {
    "larger": (3, 10, 10_000_000),
    "major": (10, 50, 50_000_000),
    "especially_major": (30, 100, 100_000_000),
}


def rank(grade: str) -> int:
    return GRADES.index(grade)  # type: ignore[arg-type,unused-ignore]


def grade_of(deaths: int, serious_injuries: int, direct_loss_cny: int) -> AccidentGrade:
    """The grade the numbers imply: the highest reached on any axis, bounds inclusive."""
    found: AccidentGrade = "ordinary"
    for grade, (d, s, loss) in LOWER_BOUNDS.items():
        if deaths >= d or serious_injuries >= s or direct_loss_cny >= loss:
            found = grade
    return found


def axes_reaching(grade: AccidentGrade, deaths: int, serious_injuries: int, direct_loss_cny: int) -> list[str]:
    """Which axes put the accident at ``grade`` or above (for messages and traces)."""
    if grade == "ordinary":
        return []
    d, s, loss = LOWER_BOUNDS[grade]
    names = ("deaths", "serious_injuries", "direct_loss_cny")
    return [
        n for n, v, b in zip(names, (deaths, serious_injuries, direct_loss_cny), (d, s, loss), strict=True) if v >= b
    ]

"""The rows of seed 001's 月度报表, in its order, and where other sectors go."""

from __future__ import annotations

from typing import Final

from registry.domain.vocabulary import INDUSTRIES

#: the form's eight rows, in the form's order (冶金、机械、轻工、有色、纺织、建材、商贸、烟草)
FORM_ROWS: Final = (
    "metallurgy",
    "machinery",
    "light_industry",
    "nonferrous",
    "textile",
    "building_materials",
    "commerce",
    "tobacco",
)


def row_order(codes: set[str]) -> list[str]:
    """The form's eight, then the other sectors that have figures, in the vocabulary's order (any
    code the vocabulary lacks last, sorted), so no enterprise is silently dropped."""
    known = [c for c in INDUSTRIES if c not in FORM_ROWS and c in codes]
    unknown = sorted(codes - set(INDUSTRIES))
    return [*FORM_ROWS, *known, *unknown]


def industry_name(code: str) -> str:
    return INDUSTRIES.get(code, code)

"""Identifier formats of the registry (DOMAIN 5): USCC, legacy codes, resident IDs, divisions.

Pure: only the standard library and ``stdnum``, and no I/O beyond reading the
shipped division table, so every layer (API, importers, rules) can validate
without pulling in infrastructure.
"""

from __future__ import annotations

from .divisions import (
    DIVISION_TABLE_DATE,
    DIVISION_TABLE_SOURCE,
    PROVINCES,
    Division,
    DivisionCode,
    Level,
    covers,
    lookup_division,
    parse_division_code,
    prefix_for,
    subdivisions,
    subtree_bounds,
)
from .errors import IdentifierError, IdWarning, show_char
from .org_code import ORG_CODE_WEIGHTS, org_code_check_character, parse_org_code
from .registrars import REGISTRARS
from .registration_no import parse_registration_no
from .resident_id import (
    ResidentId,
    hash_resident_id,
    make_resident_id,
    mask_resident_id,
    parse_resident_id,
)
from .uscc import ALPHABET, WEIGHTS, Uscc, make_uscc, parse_uscc, uscc_check_character

__all__ = [
    "ALPHABET",
    "DIVISION_TABLE_DATE",
    "DIVISION_TABLE_SOURCE",
    "ORG_CODE_WEIGHTS",
    "PROVINCES",
    "REGISTRARS",
    "WEIGHTS",
    "Division",
    "DivisionCode",
    "IdWarning",
    "IdentifierError",
    "Level",
    "ResidentId",
    "Uscc",
    "covers",
    "hash_resident_id",
    "lookup_division",
    "make_resident_id",
    "make_uscc",
    "mask_resident_id",
    "org_code_check_character",
    "parse_division_code",
    "parse_org_code",
    "parse_registration_no",
    "parse_resident_id",
    "parse_uscc",
    "prefix_for",
    "show_char",
    "subdivisions",
    "subtree_bounds",
    "uscc_check_character",
]

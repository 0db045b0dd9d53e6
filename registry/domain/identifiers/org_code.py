"""组织机构代码 (GB 11714-1997), the legacy 9-character organisation code.

Pre-2015 blacklists identify units by this code, and positions 9-17 of every
USCC embed one, so the same check serves both. python-stdnum has no module for
it, hence the hand-written check.
"""

from __future__ import annotations

import operator

from .errors import IdentifierError, show_char

ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_DIGITS = "0123456789"
_BODY = _DIGITS + "ABCDEFGHIJKLMNOPQRSTUVWXYZ"  # value = index: digits face value, A-Z = 10-35
_VALUE = {c: i for i, c in enumerate(_BODY)}


def org_code_check_character(first8: str) -> str:
    """Compute the 9th character; raises on a body GB 11714 does not allow."""
    _check_body(first8, "组织机构代码本体", "Organisation code body")
    total = sum(map(operator.mul, map(_VALUE.__getitem__, first8), ORG_CODE_WEIGHTS))
    check = 11 - total % 11
    return "X" if check == 10 else "0" if check == 11 else str(check)


def parse_org_code(value: str) -> str:
    """Validate ``XXXXXXXX-X`` or the bare 9 characters; return the hyphenated form.

    Strict like the other parsers: no trimming or case folding, so what is stored
    is exactly what was checked.
    """
    if len(value) == 10:
        if value[8] != "-":
            raise IdentifierError(
                "org_code.format",
                "组织机构代码格式错误：10 位形式须为“8 位本体-校验码”，第 9 位应为连字符",
                "Organisation code format is wrong: the 10-character form must be "
                "'XXXXXXXX-X' with a hyphen in position 9",
            )
        value = value[:8] + value[9]
    elif len(value) != 9:
        raise IdentifierError(
            "org_code.length",
            f"组织机构代码应为 9 位（或带连字符 10 位），实为 {len(value)} 位",
            f"Organisation code must have 9 characters (10 with the hyphen), got {len(value)}",
        )
    body, check = value[:8], value[8]
    _check_body(body, "组织机构代码", "Organisation code")
    if check not in _DIGITS + "X":
        raise IdentifierError(
            "org_code.format",
            f"组织机构代码校验码 {show_char(check)} 无效：只能是数字或大写 X",
            f"Organisation code check character {show_char(check)} is invalid: only a digit or capital X is allowed",
        )
    expected = org_code_check_character(body)
    if check != expected:
        raise IdentifierError(
            "org_code.check",
            f"组织机构代码校验码错误：应为 {expected}",
            f"Organisation code check character is wrong: expected {expected}",
        )
    return f"{body}-{check}"


def _check_body(body: str, name_zh: str, name_en: str) -> None:
    if len(body) != 8:
        raise IdentifierError(
            "org_code.length",
            f"{name_zh}应为 8 位，实为 {len(body)} 位",
            f"{name_en} must have 8 characters, got {len(body)}",
        )
    if body.isascii() and body.isalnum() and body.upper() == body:
        return  # the common case: 8 digits or capitals, without the walk that names a fault
    for pos, c in enumerate(body, start=1):
        if c not in _BODY:
            raise IdentifierError(
                "org_code.format",
                f"{name_zh}第 {pos} 位字符 {show_char(c)} 无效：只允许数字和大写字母",
                f"{name_en} character {pos} ({show_char(c)}) is invalid: only digits and capital letters are allowed",
            )

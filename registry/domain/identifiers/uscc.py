"""统一社会信用代码 (USCC), GB 32100-2015: the primary key of every unit in the registry.

The check is hand-written rather than delegated to ``stdnum.cn.uscc`` because that
module requires positions 1-8 to be digits, which wrongly rejects the registrar
codes A, N and Y (DOMAIN 5.1). Parsing is strict (no trimming, no case folding):
a blacklist entry must carry exactly the code that was checked.
"""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass

from .errors import IdentifierError, IdWarning, show_char
from .org_code import org_code_check_character
from .registrars import REGISTRARS

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # 31 symbols: no I, O, S, V, Z
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)  # 3**(i-1) mod 31
_INDEX = {c: i for i, c in enumerate(ALPHABET)}
#: what ``_check_characters`` accepts, in one regular expression: the common case (a valid code,
#: a partner batch parses a thousand) skips its character-by-character walk
_WELL_FORMED = re.compile(r"[0-9A-HJ-NP-RTUWXY]{2}[0-9]{6}[0-9A-HJ-NP-RTUWXY]{10}")


@dataclass(frozen=True)
class Uscc:
    value: str
    registrar: str  # position 1, 登记管理部门码
    category: str  # position 2, 机构类别码
    division: str  # positions 3-8, registering authority's GB/T 2260 code (may be retired)
    org_code: str  # positions 9-17, 主体标识码 (GB 11714 body + its check character)
    warnings: tuple[IdWarning, ...] = ()


def uscc_check_character(first17: str) -> str:
    if len(first17) != 17:
        raise IdentifierError(
            "uscc.length",
            f"计算校验码需要统一社会信用代码前 17 位，实为 {len(first17)} 位",
            f"The USCC check character needs the first 17 characters, got {len(first17)}",
        )
    _check_characters(first17)
    total = sum(_INDEX[c] * w for c, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def parse_uscc(value: str) -> Uscc:
    if len(value) != 18:
        raise IdentifierError(
            "uscc.length",
            f"统一社会信用代码应为 18 位，实为 {len(value)} 位",
            f"A USCC must have 18 characters, got {len(value)}",
        )
    if _WELL_FORMED.fullmatch(value) is None:
        _check_characters(value)  # raises, naming the first character at fault
    total = sum(map(operator.mul, map(_INDEX.__getitem__, value[:17]), WEIGHTS))
    expected = ALPHABET[(31 - total % 31) % 31]
    if value[17] != expected:
        raise IdentifierError(
            "uscc.check",
            f"统一社会信用代码校验码错误：应为 {expected}",
            f"USCC check character is wrong: expected {expected}",
        )
    return Uscc(value, value[0], value[1], value[2:8], value[8:17], _warnings(value))


def make_uscc(prefix2: str, division: str, body8: str) -> str:
    """Build a valid code (GB 11714 character at 17, check at 18) for tests and demo data."""
    parts = (
        (prefix2, 2, "前两位", "prefix"),
        (division, 6, "行政区划码", "division"),
        (body8, 8, "主体标识码本体", "body"),
    )
    for part, size, name_zh, name_en in parts:
        if len(part) != size:
            raise IdentifierError(
                "uscc.length",
                f"生成统一社会信用代码：{name_zh}应为 {size} 位，实为 {len(part)} 位",
                f"Building a USCC: the {name_en} must have {size} characters, got {len(part)}",
            )
    _check_characters(prefix2 + division + body8)
    first17 = prefix2 + division + body8 + org_code_check_character(body8)
    return first17 + uscc_check_character(first17)


def _check_characters(value: str) -> None:
    for pos, c in enumerate(value, start=1):
        if c in _INDEX:
            continue
        if c.isascii() and c.islower() and c.upper() in _INDEX:
            raise IdentifierError(
                "uscc.lowercase",
                f"统一社会信用代码第 {pos} 位为小写字母 {show_char(c)}：字母须大写",
                f"USCC character {pos} ({show_char(c)}) is lowercase: capital letters are required",
            )
        raise IdentifierError(
            "uscc.alphabet",
            f"统一社会信用代码第 {pos} 位字符 {show_char(c)} 不允许：只能使用数字和除 I、O、S、V、Z 以外的大写字母",
            f"USCC character {pos} ({show_char(c)}) is not allowed: only digits and capital "
            "letters other than I, O, S, V, Z may be used",
        )
    for pos in range(3, min(len(value), 8) + 1):
        if not value[pos - 1].isdigit():
            raise IdentifierError(
                "uscc.division",
                "统一社会信用代码第 3–8 位（登记管理机关行政区划码）须为数字，"
                f"第 {pos} 位为 {show_char(value[pos - 1])}",
                f"USCC positions 3-8 (registering authority's division code) must be digits; "
                f"position {pos} is {show_char(value[pos - 1])}",
            )


def _warnings(value: str) -> tuple[IdWarning, ...]:
    found: list[IdWarning] = []
    registrar, category = value[0], value[1]
    if registrar not in REGISTRARS:
        found.append(
            IdWarning(
                "uscc.registrar",
                f"登记管理部门码 {show_char(registrar)} 不在已知代码表中",
                f"Registrar code {show_char(registrar)} is not in the known table",
            )
        )
    elif category not in REGISTRARS[registrar][1]:
        found.append(
            IdWarning(
                "uscc.category",
                f"登记管理部门“{REGISTRARS[registrar][0]}”下没有机构类别码 {show_char(category)}",
                f"Category code {show_char(category)} is not known for registrar {show_char(registrar)}",
            )
        )
    # Positions 9-16 only use the USCC alphabet, a subset of what GB 11714 accepts.
    expected = org_code_check_character(value[8:16])
    if value[16] != expected:
        found.append(
            IdWarning(
                "uscc.org_code_check",
                f"主体标识码（第 9–17 位）的 GB 11714 校验码不符：第 17 位应为 {expected}",
                f"The organisation code in positions 9-17 fails its GB 11714 check: position 17 should be {expected}",
            )
        )
    return tuple(found)

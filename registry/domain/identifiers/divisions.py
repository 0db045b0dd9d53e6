"""行政区划代码 (GB/T 2260): structure, jurisdiction prefixes and the shipped code table.

A bureau's jurisdiction is a code prefix (``11`` ⊃ ``1101`` ⊃ ``110108``), so the
structure rules here decide which prefix a bureau owns and which enterprises it
may act on. Codes are checked for shape only: retired codes are still carried
by old enterprises and resident IDs, so an unknown code is flagged by callers
(``lookup_division`` returns ``None``), never rejected here.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources
from typing import Literal

from .errors import IdentifierError

Level = Literal["provincial", "prefectural", "county"]
_PREFIX_LENGTH: dict[Level, int] = {"provincial": 2, "prefectural": 4, "county": 6}
_LEVEL_ZH: dict[Level, str] = {"provincial": "省级", "prefectural": "地级", "county": "县级"}

DIVISION_TABLE_SOURCE = (
    "民政部《中华人民共和国县以上行政区划代码》1981–2024, via github.com/yescallop/areacodes "
    "result.csv @ eed219a0678d36bacaa717f62443b10e869f0291 (CC0); plus 9 structural "
    "placeholders (市辖区/县/省直辖县级行政区划) from 国家统计局 2023年统计用区划代码 via "
    "github.com/modood/Administrative-divisions-of-China dist/cities.csv @ "
    "57a0aa9cef47169a2eb74cf057b0245052a34e8c. See registry/data/DIVISIONS.md."
)
DIVISION_TABLE_DATE = "2024-12-31"  # MCA data as of this date (the 2024 edition)
#: The 34 provincial-level codes. Closed on purpose: the list last changed in 1997 (重庆 50),
#: and no rule on digits alone admits 50 while refusing 10 (used for national registrations).
PROVINCES = frozenset({
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41", "42",
    "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71", "81", "82",
})  # fmt: skip
_PLACEHOLDERS = frozenset({"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"})


@dataclass(frozen=True)
class DivisionCode:
    code: str
    level: Level

    @property
    def province(self) -> str:
        return self.code[:2]

    @property
    def prefecture(self) -> str | None:
        """``None`` at provincial level and for county units directly under a
        province with no prefecture part (Hainan's ``4600ZZ``, 1988-2002)."""
        return None if self.level == "provincial" or self.code[2:4] == "00" else self.code[:4]

    @property
    def county(self) -> str | None:
        return self.code if self.level == "county" else None


@dataclass(frozen=True)
class Division:
    code: str
    name: str
    full_name: str  # e.g. 北京市海淀区; ancestors under their last recorded names
    level: Level
    current: bool  # False: retired, but still valid on old records


def parse_division_code(code: str) -> DivisionCode:
    """Shape rules: XX0000 provincial, XXYY00 prefectural, otherwise county.

    A county code normally has YY != 00, but Hainan numbered its county-level
    units directly under the province 460001-460039 (1988-2002), and those codes
    survive in old IDs, so XX00ZZ is accepted as county level. The province part
    must be one of the 34 ``PROVINCES``.
    """
    if len(code) != 6 or not (code.isascii() and code.isdigit()):
        raise IdentifierError(
            "division.format", "行政区划代码须为 6 位数字", "A division code must be exactly 6 ASCII digits"
        )
    if code[:2] not in PROVINCES:
        raise IdentifierError(
            "division.structure",
            f"行政区划代码前两位 {code[:2]} 不是 GB/T 2260 的省级代码（11–82 中的 34 个之一）",
            f"Division code prefix {code[:2]} is not one of the 34 GB/T 2260 provincial codes (11-82)",
        )
    level: Level = "provincial" if code[2:] == "0000" else "prefectural" if code[4:] == "00" else "county"
    return DivisionCode(code, level)


def prefix_for(code: str, level: Level) -> str:
    """The jurisdiction prefix of a bureau at ``level`` whose division is ``code``."""
    parsed = parse_division_code(code)
    if parsed.level != level:
        raise IdentifierError(
            "division.level",
            f"行政区划代码 {code} 是{_LEVEL_ZH[parsed.level]}代码，与{_LEVEL_ZH[level]}机关不符",
            f"Division code {code} is {parsed.level}, which does not fit a {level} authority",
        )
    return code[: _PREFIX_LENGTH[level]]


def covers(prefix: str, code: str) -> bool:
    """Whether a jurisdiction prefix ("" = national) includes a 6-digit code."""
    _check_prefix(prefix)
    if len(code) != 6 or any(c not in "0123456789" for c in code):
        raise IdentifierError(
            "division.format", "行政区划代码须为 6 位数字", "A division code must be exactly 6 ASCII digits"
        )
    return code.startswith(prefix)


def subtree_bounds(prefix: str) -> tuple[str, str]:
    """Inclusive bounds, so ``code BETWEEN lo AND hi`` can use a plain index."""
    _check_prefix(prefix)
    return prefix.ljust(6, "0"), prefix.ljust(6, "9")


@functools.lru_cache(maxsize=8192)
def lookup_division(code: str) -> Division | None:
    """The table entry, or ``None`` for any code the table lacks (remembered: an import asks per row)."""
    table = _table()
    if code not in table:
        return None
    name, current = table[code]
    parsed = parse_division_code(code)
    ancestors = [parsed.province + "0000"]
    if parsed.level == "county" and parsed.prefecture:
        ancestors.append(parsed.prefecture + "00")
    parts = [table[a][0] for a in ancestors if a != code and a in table and table[a][0] not in _PLACEHOLDERS]
    return Division(code, name, "".join([*parts, name]), parsed.level, current)


def subdivisions(prefix: str) -> list[Division]:
    """The current divisions one level below a jurisdiction prefix, in code order: the provinces
    under "" (national), a province's prefectures, a prefecture's counties; none under a county."""
    _check_prefix(prefix)
    width = len(prefix) + 2
    codes = sorted(
        code
        for code, (_, current) in _table().items()
        if current and code.startswith(prefix) and code[len(prefix) : width] != "00" and not code[width:].strip("0")
    )
    return [d for d in map(lookup_division, codes) if d is not None]


def _check_prefix(prefix: str) -> None:
    if len(prefix) not in (0, 2, 4, 6) or any(c not in "0123456789" for c in prefix):
        raise IdentifierError(
            "division.prefix",
            "辖区前缀须为空（全国）或 2、4、6 位数字",
            "A jurisdiction prefix must be empty (national) or 2, 4 or 6 digits",
        )


@functools.cache
def _table() -> dict[str, tuple[str, bool]]:
    text = resources.files("registry").joinpath("data/divisions.tsv").read_text(encoding="utf-8")
    rows = (line.split("\t") for line in text.splitlines()[1:] if line)
    return {code: (name, current == "true") for code, name, current in rows}

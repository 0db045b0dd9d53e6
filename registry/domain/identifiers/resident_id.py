"""居民身份证号码 (GB 11643-1999).

Persons are stored only as a keyed hash and shown only masked (DOMAIN 5.2, 7.1),
so nothing here ever puts a number into an error message or a ``repr``.
The check digit and the birth date come from ``stdnum.cn.ric``. Its birth-place
lookup is deliberately not used: a number keeps the address code in force when it
was issued, and retired codes (崇文区 110103, 宣武区 110104, ...) stay valid for life.
Callers may flag an unknown code with ``lookup_division``; it is never a rejection.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from stdnum.cn import ric
from stdnum.exceptions import ValidationError

from .errors import IdentifierError

_DIGITS = "0123456789"


@dataclass(frozen=True)
class ResidentId:
    value: str = field(repr=False)  # canonical: check character upper-cased
    division: str  # address code at issue (GB/T 2260, possibly retired)
    birth_date: date
    sex: Literal["male", "female"]  # odd sequence number = male

    @property
    def masked(self) -> str:
        return mask_resident_id(self.value)


def parse_resident_id(value: str, today: date) -> ResidentId:
    """Validate; ``today`` is explicit so the result does not depend on the clock."""
    canonical = _canonical(value)
    expected = ric.calc_check_digit(canonical)
    if canonical[17] != expected:
        raise IdentifierError(
            "resident_id.check",
            f"居民身份证号码校验码错误：应为 {expected}",
            f"Resident ID check character is wrong: expected {expected}",
        )
    try:
        birth = ric.get_birth_date(canonical)
    except ValidationError:
        raise IdentifierError(
            "resident_id.birth_date",
            "居民身份证号码第 7–14 位不是有效的出生日期（YYYYMMDD）",
            "Resident ID positions 7-14 are not a valid birth date (YYYYMMDD)",
        ) from None
    if birth > today:
        raise IdentifierError(
            "resident_id.birth_date",
            "居民身份证号码中的出生日期晚于当前日期",
            "The birth date in the resident ID is later than today",
        )
    sex: Literal["male", "female"] = "male" if int(canonical[16]) % 2 else "female"
    return ResidentId(canonical, canonical[:6], birth, sex)


def mask_resident_id(value: str) -> str:
    """First 4 + 10 stars + last 4: the form allowed in public disclosure."""
    canonical = _canonical(value)
    return canonical[:4] + "*" * 10 + canonical[14:]


def hash_resident_id(value: str, key: bytes) -> str:
    """HMAC-SHA256 (hex) of the canonical number.

    Keyed because the ID space is small (about 10^8 numbers per birth year and
    area): a plain hash is reversible by enumeration.
    """
    if not key:
        raise ValueError("hash_resident_id needs a non-empty secret key")
    return hmac.new(key, _canonical(value).encode("ascii"), hashlib.sha256).hexdigest()


def make_resident_id(division6: str, birth: date, seq3: str | int) -> str:
    """Build a valid number for tests and demo data (odd ``seq3`` = male)."""
    seq = f"{seq3:03d}" if isinstance(seq3, int) else seq3
    body = f"{division6}{birth:%Y%m%d}{seq}"
    if len(body) != 17 or any(c not in _DIGITS for c in body):
        raise IdentifierError(
            "resident_id.format",
            "生成居民身份证号码：需要 6 位数字地址码和 3 位数字顺序码",
            "Building a resident ID needs a 6-digit address code and a 3-digit sequence number",
        )
    return body + ric.calc_check_digit(body + "0")


def _canonical(value: str) -> str:
    if len(value) != 18:
        raise IdentifierError(
            "resident_id.length",
            f"居民身份证号码应为 18 位，实为 {len(value)} 位",
            f"A resident ID must have 18 characters, got {len(value)}",
        )
    if any(c not in _DIGITS for c in value[:17]) or value[17] not in _DIGITS + "Xx":
        # No position or character is quoted: even a fragment of a person's number is personal data.
        raise IdentifierError(
            "resident_id.format",
            "居民身份证号码格式错误：前 17 位须为数字，第 18 位须为数字或 X",
            "Resident ID format is wrong: the first 17 characters must be digits and the 18th a digit or X",
        )
    return value[:17] + value[17].upper()

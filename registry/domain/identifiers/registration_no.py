"""工商注册号, the 15-digit pre-2015 business registration number (GS 15-2006).

Old blacklists (e.g. the 2016 national list) identify enterprises only by this
number, so it is kept as a legacy identifier. Layout: 6-digit registering
authority code, 8-digit sequence, 1 check digit (ISO 7064 MOD 11,10).
A few provinces issued variants with a letter inside (e.g. Shanxi ``…00A…``);
those cannot pass the check and are rejected as non-standard.
"""

from __future__ import annotations

from stdnum.iso7064 import mod_11_10

from .errors import IdentifierError, show_char


def parse_registration_no(value: str) -> str:
    """Validate strictly (no trimming) and return the number unchanged."""
    if len(value) != 15:
        raise IdentifierError(
            "registration_no.length",
            f"工商注册号应为 15 位，实为 {len(value)} 位",
            f"A business registration number must have 15 digits, got {len(value)}",
        )
    for pos, c in enumerate(value, start=1):
        if c not in "0123456789":
            raise IdentifierError(
                "registration_no.format",
                f"工商注册号第 {pos} 位字符 {show_char(c)} 无效：只能是数字",
                f"Business registration number character {pos} ({show_char(c)}) is invalid: only digits are allowed",
            )
    expected = mod_11_10.calc_check_digit(value[:14])
    if value[14] != expected:
        raise IdentifierError(
            "registration_no.check",
            f"工商注册号校验位错误（ISO 7064 MOD 11,10）：应为 {expected}",
            f"Business registration number check digit is wrong (ISO 7064 MOD 11,10): expected {expected}",
        )
    return value

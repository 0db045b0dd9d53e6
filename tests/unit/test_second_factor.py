"""The second factor's pieces: the sealed secret is bound to its account, codes within one step of
now pass and others do not, the enrolment's QR code is an inline SVG."""

from __future__ import annotations

import datetime as dt

import pyotp
import pytest

from registry.domain.accounts.second_factor import (
    Enrolment,
    SecretBox,
    derive_key,
    matching_step,
    step_of,
)

NOW = dt.datetime(2026, 12, 7, 8, 0, 10, tzinfo=dt.UTC)


def test_a_sealed_secret_opens_for_its_account_only() -> None:
    box = SecretBox(derive_key(b"\x11" * 32))
    sealed = box.seal(7, "JBSWY3DPEHPK3PXP")
    assert sealed.startswith("v1:")
    assert "JBSWY3DPEHPK3PXP" not in sealed
    assert box.open(7, sealed) == "JBSWY3DPEHPK3PXP"
    with pytest.raises(RuntimeError):
        box.open(8, sealed)  # copied onto another account's row
    with pytest.raises(RuntimeError):
        SecretBox(derive_key(b"\x22" * 32)).open(7, sealed)  # another deployment's key
    assert derive_key(b"\x11" * 32) != b"\x11" * 32  # never the data key itself


def test_codes_one_step_either_side_pass_and_others_do_not() -> None:
    secret = pyotp.random_base32()
    totp = pyotp.TOTP(secret)
    now = step_of(NOW)
    for offset in (-1, 0, 1):
        assert matching_step(secret, totp.generate_otp(now + offset), NOW) == now + offset
    for offset in (-3, -2, 2, 3):
        code = totp.generate_otp(now + offset)
        if code not in {totp.generate_otp(now + o) for o in (-1, 0, 1)}:
            assert matching_step(secret, code, NOW) is None
    assert matching_step(secret, "12345", NOW) is None
    assert matching_step(secret, "abcdef", NOW) is None
    spaced = totp.generate_otp(now)
    assert matching_step(secret, f"{spaced[:3]} {spaced[3:]}", NOW) == now


def test_the_enrolment_qr_code_is_inline_svg_with_the_uri() -> None:
    secret = pyotp.random_base32()
    enrolment = Enrolment(secret, pyotp.TOTP(secret).provisioning_uri(name="officer-1", issuer_name="安全生产诚信登记"))
    svg = enrolment.qr_svg()
    assert svg.startswith("<svg")
    assert "<title>" in svg
    assert "<script" not in svg
    assert enrolment.grouped.replace(" ", "") == secret

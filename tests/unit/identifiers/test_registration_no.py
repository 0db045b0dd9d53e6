import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.iso7064 import mod_11_10

from registry.domain.identifiers import IdentifierError, parse_registration_no

bodies = st.text("0123456789", min_size=14, max_size=14)


def error_code(value: str) -> str:
    with pytest.raises(IdentifierError) as info:
        parse_registration_no(value)
    return info.value.code


@pytest.mark.parametrize(
    "value",
    [
        "410000100015088",  # 河南省局 registrations quoted as valid in a public reg-number test suite
        "410000100015096",
        "140000100028286",  # quoted there as a "normal" Shanxi number
    ],
)
def test_real_numbers_pass(value):
    assert parse_registration_no(value) == value


def test_check_digit_routine_matches_python_stdnum_doctest():
    # python-stdnum's doctest values for the routine the parser delegates to.
    assert mod_11_10.calc_check_digit("79462") == "3"
    assert mod_11_10.calc_check_digit("00200667308") == "5"


@pytest.mark.parametrize("value", ["", "41000010001508", "4100001000150880", "410000100015088" + "000"])
def test_wrong_length_is_rejected(value):
    assert error_code(value) == "registration_no.length"


@pytest.mark.parametrize("value", ["14010700A001338", "41000010001508X", "410000 00015088", "４10000100015088"])
def test_non_digits_are_rejected(value):
    # The Shanxi "…00A…" variant cannot pass MOD 11,10 and is not GS 15-2006.
    assert error_code(value) == "registration_no.format"


def test_wrong_check_digit_names_the_expected_one():
    with pytest.raises(IdentifierError) as info:
        parse_registration_no("410000100015089")
    assert info.value.code == "registration_no.check"
    assert info.value.message_en.endswith("expected 8")
    assert "应为 8" in info.value.message_zh


@given(bodies)
def test_every_computed_number_passes(body):
    value = body + mod_11_10.calc_check_digit(body)
    assert parse_registration_no(value) == value


@given(bodies, st.integers(0, 14), st.sampled_from("0123456789"))
def test_every_single_digit_substitution_is_rejected(body, position, digit):
    value = body + mod_11_10.calc_check_digit(body)
    if value[position] != digit:
        assert error_code(value[:position] + digit + value[position + 1 :]) == "registration_no.check"

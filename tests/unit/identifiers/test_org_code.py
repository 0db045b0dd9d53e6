import pytest
from hypothesis import given
from hypothesis import strategies as st

from registry.domain.identifiers import (
    ORG_CODE_WEIGHTS,
    IdentifierError,
    org_code_check_character,
    parse_org_code,
)

from .stdnum_examples import STDNUM_DOCTEST_USCCS

BODY_CHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
bodies = st.text(BODY_CHARS, min_size=8, max_size=8)


def error_code(value: str) -> str:
    with pytest.raises(IdentifierError) as info:
        parse_org_code(value)
    return info.value.code


def test_weights_follow_gb11714():
    assert ORG_CODE_WEIGHTS == (3, 7, 9, 10, 5, 8, 4, 2)


@pytest.mark.parametrize(
    ("value", "canonical"),
    [
        ("MA1K3BTP2", "MA1K3BTP-2"),  # DOMAIN 5.1: embedded in 91310115MA1K3BTP2B
        ("MA1K3BTP-2", "MA1K3BTP-2"),
        ("600037341", "60003734-1"),  # embedded in python-stdnum's 91110000600037341L
        ("07837941X", "07837941-X"),  # embedded in 9115220107837941X1: check character X
    ],
)
def test_real_codes_are_canonicalised_with_a_hyphen(value, canonical):
    assert parse_org_code(value) == canonical


@pytest.mark.parametrize("uscc", STDNUM_DOCTEST_USCCS)
def test_every_real_uscc_embeds_a_valid_org_code(uscc):
    assert parse_org_code(uscc[8:17]) == f"{uscc[8:16]}-{uscc[16]}"


def test_check_character_maps_10_to_x_and_11_to_0():
    # sum of weights * values = 0 (mod 11) gives 11 -> "0"; sum = 1 (mod 11) gives 10 -> "X".
    assert org_code_check_character("00000000") == "0"
    assert org_code_check_character("00000006") == "X"  # 6 * 2 = 12 = 1 (mod 11)


@pytest.mark.parametrize("value", ["", "MA1K3BTP", "MA1K3BTP-2X", "MA1K3BTP--2"])
def test_wrong_length_is_rejected(value):
    assert error_code(value) == "org_code.length"


@pytest.mark.parametrize("value", ["MA1K3BTP 2", "MA1K3BT-P2", "ma1k3btp2", "MA1K3BT*2", "MA1K3BTP2 "[:9] + "Y"])
def test_bad_characters_and_hyphen_placement_are_format_errors(value):
    assert error_code(value) == "org_code.format"


def test_format_error_names_the_character_and_position():
    with pytest.raises(IdentifierError) as info:
        parse_org_code("MA1k3BTP2")
    assert "character 4 (“k”)" in info.value.message_en


def test_wrong_check_character_names_the_expected_one():
    with pytest.raises(IdentifierError) as info:
        parse_org_code("MA1K3BTP-3")
    assert info.value.code == "org_code.check"
    assert info.value.message_zh == "组织机构代码校验码错误：应为 2"
    assert info.value.message_en == "Organisation code check character is wrong: expected 2"


@pytest.mark.parametrize(("body", "code"), [("MA1K3BT", "org_code.length"), ("MA1K3Bt2", "org_code.format")])
def test_check_character_validates_its_input(body, code):
    with pytest.raises(IdentifierError) as info:
        org_code_check_character(body)
    assert info.value.code == code


@given(bodies)
def test_computed_codes_parse_in_both_forms(body):
    check = org_code_check_character(body)
    assert check in "0123456789X"
    assert parse_org_code(body + check) == parse_org_code(f"{body}-{check}") == f"{body}-{check}"


@given(bodies, st.sampled_from("0123456789X"))
def test_exactly_one_check_character_is_accepted(body, check):
    if check == org_code_check_character(body):
        assert parse_org_code(body + check)
    else:
        assert error_code(body + check) == "org_code.check"

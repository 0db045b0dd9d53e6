import hashlib
import hmac
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import ric

from registry.domain.identifiers import (
    IdentifierError,
    ResidentId,
    hash_resident_id,
    make_resident_id,
    mask_resident_id,
    parse_resident_id,
)

TODAY = date(2026, 6, 1)
GB_EXAMPLE = "11010519491231002X"  # GB 11643-1999's own example (DOMAIN 5.2)
KEY = b"k" * 32

births = st.dates(min_value=date(1900, 1, 1), max_value=TODAY)
divisions = st.text("0123456789", min_size=6, max_size=6)
sequences = st.integers(0, 999)


def with_check(body17: str) -> str:
    return body17 + ric.calc_check_digit(body17 + "0")


def error_code(value: str, today: date = TODAY) -> str:
    with pytest.raises(IdentifierError) as info:
        parse_resident_id(value, today)
    if value:
        assert value not in info.value.message_zh + info.value.message_en
    return info.value.code


def test_standard_example_is_valid():
    assert parse_resident_id(GB_EXAMPLE, TODAY) == ResidentId(GB_EXAMPLE, "110105", date(1949, 12, 31), "female")


@pytest.mark.parametrize(
    ("value", "canonical", "birth", "sex"),
    [  # python-stdnum's doctest examples
        ("360426199101010071", "360426199101010071", date(1991, 1, 1), "male"),
        ("44011320141005001x", "44011320141005001X", date(2014, 10, 5), "male"),
        ("412723199010050012", "412723199010050012", date(1990, 10, 5), "male"),
        ("110102199101010078", "110102199101010078", date(1991, 1, 1), "male"),
    ],
)
def test_python_stdnum_examples(value, canonical, birth, sex):
    parsed = parse_resident_id(value, TODAY)
    assert (parsed.value, parsed.birth_date, parsed.sex) == (canonical, birth, sex)


@pytest.mark.parametrize(
    "value",
    [
        "120110198012010073",  # 东郊区 in 1980, renamed 东丽区 in 1992
        "110201199312010077",  # python-stdnum: "county was deregistered at birth year"
        "990426199112010074",  # python-stdnum: "unknown birth place"
    ],
)
def test_unknown_or_retired_birth_places_are_not_rejected(value):
    # Numbers keep the address code of their issue for life; python-stdnum's validate() would reject these.
    assert parse_resident_id(value, TODAY).division == value[:6]


def test_lowercase_x_is_upper_cased_and_nothing_else_is_touched():
    assert parse_resident_id(GB_EXAMPLE.lower(), TODAY).value == GB_EXAMPLE


@pytest.mark.parametrize("value", ["", GB_EXAMPLE[:17], GB_EXAMPLE + "1", "110105491231002"])
def test_wrong_length_is_rejected(value):
    assert error_code(value) == "resident_id.length"


@pytest.mark.parametrize(
    "value",
    [
        "T60426199101010078",
        "36042619910101007Y",
        "3604261991010100X1",
        " 60426199101010071"[:18],
        "３60426199101010071",
    ],
)
def test_non_digits_are_rejected_without_echoing_anything(value):
    with pytest.raises(IdentifierError) as info:
        parse_resident_id(value, TODAY)
    assert info.value.code == "resident_id.format"
    messages = info.value.message_zh + info.value.message_en
    assert not any(value[i : i + 3] in messages for i in range(16))  # no fragment, no offending character


def test_wrong_check_digit_names_the_expected_one():
    with pytest.raises(IdentifierError) as info:
        parse_resident_id("36042619910102009X", TODAY)  # python-stdnum: InvalidChecksum
    assert info.value.code == "resident_id.check"
    expected = ric.calc_check_digit("36042619910102009X")
    assert info.value.message_en == f"Resident ID check character is wrong: expected {expected}"


@pytest.mark.parametrize(
    "body",
    ["36042619911301007", "11010519990230002", "11010519000229002", "11010520230229002", "11010520240000002"],
)
def test_impossible_birth_dates_are_rejected(body):
    # month 13 (python-stdnum doctest), 30 February, 1900 and 2023 not leap years, day 00
    assert error_code(with_check(body)) == "resident_id.birth_date"


def test_birth_after_today_is_rejected_but_today_is_allowed():
    assert error_code(make_resident_id("110108", TODAY + timedelta(days=1), 1)) == "resident_id.birth_date"
    assert parse_resident_id(make_resident_id("110108", TODAY, 1), TODAY).birth_date == TODAY


@pytest.mark.parametrize("birth", [date(2000, 2, 29), date(1904, 2, 29), date(2024, 2, 29)])
def test_29_february_birthdays_round_trip(birth):
    assert parse_resident_id(make_resident_id("440305", birth, "123"), TODAY).birth_date == birth


@given(divisions, births, sequences)
def test_generated_numbers_round_trip(division, birth, seq):
    parsed = parse_resident_id(make_resident_id(division, birth, seq), TODAY)
    assert (parsed.division, parsed.birth_date) == (division, birth)
    assert parsed.sex == ("male" if seq % 2 else "female")


@given(divisions, births, sequences, st.integers(0, 17), st.sampled_from("0123456789"))
def test_single_digit_substitutions_never_pass_silently(division, birth, seq, position, digit):
    value = make_resident_id(division, birth, seq)
    if value[position] != digit:
        mutated = value[:position] + digit + value[position + 1 :]
        assert error_code(mutated) in {"resident_id.check", "resident_id.birth_date"}


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("11010", date(2000, 1, 1), 1), "resident_id.format"),
        (("110108", date(2000, 1, 1), 1000), "resident_id.format"),
        (("110108", date(2000, 1, 1), -1), "resident_id.format"),
        (("11010a", date(2000, 1, 1), "001"), "resident_id.format"),
    ],
)
def test_make_resident_id_rejects_bad_parts(args, code):
    with pytest.raises(IdentifierError) as info:
        make_resident_id(*args)
    assert info.value.code == code


def test_make_resident_id_accepts_string_or_int_sequence():
    assert make_resident_id("110105", date(1949, 12, 31), "002") == make_resident_id("110105", date(1949, 12, 31), 2)
    assert make_resident_id("110105", date(1949, 12, 31), 2) == GB_EXAMPLE


def test_mask_keeps_first_and_last_four():
    assert mask_resident_id(GB_EXAMPLE) == "1101**********002X"
    assert mask_resident_id(GB_EXAMPLE.lower()) == "1101**********002X"
    assert parse_resident_id(GB_EXAMPLE, TODAY).masked == "1101**********002X"


@pytest.mark.parametrize("value", ["", "1101051949123100", "ABCD05194912310020"])
def test_mask_refuses_malformed_input(value):
    with pytest.raises(IdentifierError):
        mask_resident_id(value)


def test_repr_never_shows_the_number():
    assert GB_EXAMPLE not in repr(parse_resident_id(GB_EXAMPLE, TODAY))


def test_hash_is_hmac_sha256_hex_of_the_canonical_number():
    expected = hmac.new(KEY, GB_EXAMPLE.encode(), hashlib.sha256).hexdigest()
    assert hash_resident_id(GB_EXAMPLE, KEY) == expected
    assert hash_resident_id(GB_EXAMPLE.lower(), KEY) == expected
    assert len(expected) == 64


def test_hash_is_keyed():
    assert hash_resident_id(GB_EXAMPLE, KEY) != hash_resident_id(GB_EXAMPLE, b"another key")
    assert hash_resident_id(GB_EXAMPLE, KEY) != hashlib_sha256(GB_EXAMPLE)


def hashlib_sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def test_hash_refuses_an_empty_key_and_malformed_numbers():
    with pytest.raises(ValueError, match="key"):
        hash_resident_id(GB_EXAMPLE, b"")
    with pytest.raises(IdentifierError):
        hash_resident_id(" " + GB_EXAMPLE[:17], KEY)


@given(divisions, births, sequences, st.binary(min_size=1, max_size=64), st.binary(min_size=1, max_size=64))
def test_different_keys_give_different_hashes(division, birth, seq, key1, key2):
    value = make_resident_id(division, birth, seq)
    if key1 != key2 and key1.rstrip(b"\0") != key2.rstrip(b"\0"):  # HMAC pads short keys with zeros
        assert hash_resident_id(value, key1) != hash_resident_id(value, key2)

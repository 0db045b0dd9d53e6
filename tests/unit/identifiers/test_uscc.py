import pytest
from hypothesis import given
from hypothesis import strategies as st

from registry.domain.identifiers import (
    ALPHABET,
    REGISTRARS,
    WEIGHTS,
    IdentifierError,
    Uscc,
    make_uscc,
    org_code_check_character,
    parse_uscc,
    uscc_check_character,
)
from registry.domain.identifiers.uscc import _WELL_FORMED, _check_characters

from .stdnum_examples import STDNUM_DOCTEST_USCCS

# DOMAIN 5.1: the real code the spec verified by hand, plus python-stdnum's own doctest code.
REAL = "91310115MA1K3BTP2B"
STDNUM_DOC = "91110000600037341L"

alphabet_chars = st.sampled_from(ALPHABET)
digits = st.text("0123456789", min_size=6, max_size=6)
bodies = st.text(alphabet_chars, min_size=8, max_size=8)
known_prefixes = st.sampled_from([r + c for r, (_, cats) in REGISTRARS.items() for c in cats])


def error_code(value: str) -> str:
    with pytest.raises(IdentifierError) as info:
        parse_uscc(value)
    return info.value.code


def test_alphabet_is_the_31_symbols_without_i_o_s_v_z():
    assert len(ALPHABET) == len(set(ALPHABET)) == 31
    assert not set("IOSVZ") & set(ALPHABET)
    assert set(ALPHABET) == set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ") - set("IOSVZ")


def test_weights_are_powers_of_three_mod_31():
    assert tuple(pow(3, i, 31) for i in range(17)) == WEIGHTS


def test_domain_real_code_parses_into_its_parts():
    assert parse_uscc(REAL) == Uscc(REAL, "9", "1", "310115", "MA1K3BTP2", ())


def test_stdnum_doctest_code():
    parsed = parse_uscc(STDNUM_DOC)
    assert (parsed.division, parsed.org_code, parsed.warnings) == ("110000", "600037341", ())


@pytest.mark.parametrize("value", STDNUM_DOCTEST_USCCS)
def test_real_codes_from_python_stdnum_parse_without_warnings(value):
    assert parse_uscc(value).warnings == ()


def test_check_character_of_real_codes():
    assert uscc_check_character(REAL[:17]) == "B"
    assert uscc_check_character(STDNUM_DOC[:17]) == "L"


def test_check_character_maps_31_to_zero():
    # Weighted sum = 0 (mod 31) must give "0", not index 31.
    assert uscc_check_character("0" * 17) == "0"


@pytest.mark.parametrize("registrar", ["A", "N", "Y"])
def test_letter_registrars_are_accepted_unlike_python_stdnum(registrar):
    category = next(iter(REGISTRARS[registrar][1]))
    parsed = parse_uscc(make_uscc(registrar + category, "110108", "MA01AB2C"))
    assert (parsed.registrar, parsed.warnings) == (registrar, ())


@pytest.mark.parametrize("value", [REAL[:17], REAL + "0", "", REAL[:1]])
def test_wrong_length_is_rejected(value):
    assert error_code(value) == "uscc.length"


def test_length_message_gives_the_count_not_the_value():
    with pytest.raises(IdentifierError) as info:
        parse_uscc(REAL[:17])
    assert "17" in info.value.message_en
    assert REAL[:17] not in info.value.message_en + info.value.message_zh


def test_lowercase_has_its_own_code_and_asks_for_capitals():
    with pytest.raises(IdentifierError) as info:
        parse_uscc(REAL.lower())
    assert info.value.code == "uscc.lowercase"
    assert "capital letters are required" in info.value.message_en
    assert "大写" in info.value.message_zh
    assert "character 9 (“m”)" in info.value.message_en  # the first lowercase letter only


@pytest.mark.parametrize("letter", "IOSVZ")
def test_excluded_letters_are_rejected_naming_the_position(letter):
    value = REAL[:10] + letter + REAL[11:]
    with pytest.raises(IdentifierError) as info:
        parse_uscc(value)
    assert info.value.code == "uscc.alphabet"
    assert "character 11" in info.value.message_en
    assert "第 11 位" in info.value.message_zh
    assert f"“{letter}”" in info.value.message_zh


@pytest.mark.parametrize("letter", "iosvz")
def test_lowercase_excluded_letters_are_alphabet_errors(letter):
    # Upper-casing would not help, so "use capitals" would mislead.
    assert error_code(REAL[:10] + letter + REAL[11:]) == "uscc.alphabet"


@pytest.mark.parametrize("char", ["-", " ", "*", "１", "中", "\n", "Ａ"])
def test_symbols_and_full_width_characters_are_rejected(char):
    assert error_code(REAL[:12] + char + REAL[13:]) == "uscc.alphabet"


def test_stdnum_doctest_invalid_alphabet_example():
    with pytest.raises(IdentifierError) as info:
        parse_uscc("9111000060003IOZSV")
    assert info.value.code == "uscc.alphabet"
    assert "character 14" in info.value.message_en


def test_surrounding_whitespace_is_not_stripped():
    assert error_code(" " + REAL[:17]) == "uscc.alphabet"
    assert error_code(REAL + " ") == "uscc.length"


@pytest.mark.parametrize("position", range(3, 9))
def test_division_positions_must_be_digits(position):
    value = REAL[: position - 1] + "A" + REAL[position:]
    with pytest.raises(IdentifierError) as info:
        parse_uscc(value)
    assert info.value.code == "uscc.division"
    assert f"position {position}" in info.value.message_en


def test_wrong_check_character_names_the_expected_one():
    with pytest.raises(IdentifierError) as info:
        parse_uscc("91110000600037341N")  # python-stdnum doctest: InvalidChecksum
    assert info.value.code == "uscc.check"
    assert info.value.message_zh == "统一社会信用代码校验码错误：应为 L"
    assert info.value.message_en == "USCC check character is wrong: expected L"


def test_stdnum_letter_registrar_example_fails_only_on_the_check():
    # python-stdnum rejects 'A1110000600037341L' for its format; here A is a valid registrar.
    assert error_code("A1110000600037341L") == "uscc.check"


def test_unknown_registrar_is_a_warning():
    parsed = parse_uscc(make_uscc("B1", "110108", "MA01AB2C"))
    assert [w.code for w in parsed.warnings] == ["uscc.registrar"]


@pytest.mark.parametrize("prefix", ["94", "99", "Y2", "10", "A2"])
def test_unknown_category_for_known_registrar_is_a_warning(prefix):
    parsed = parse_uscc(make_uscc(prefix, "110108", "MA01AB2C"))
    assert [w.code for w in parsed.warnings] == ["uscc.category"]


def test_inner_gb11714_mismatch_is_a_warning_not_an_error():
    body = "MA1K3BTP"
    wrong = next(c for c in "0123456789X" if c != org_code_check_character(body))
    first17 = "91310115" + body + wrong
    parsed = parse_uscc(first17 + uscc_check_character(first17))
    assert [w.code for w in parsed.warnings] == ["uscc.org_code_check"]
    assert "should be 2" in parsed.warnings[0].message_en


def test_make_uscc_rebuilds_the_real_code():
    assert make_uscc("91", "310115", "MA1K3BTP") == REAL


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("9", "310115", "MA1K3BTP"), "uscc.length"),
        (("91", "31011", "MA1K3BTP"), "uscc.length"),
        (("91", "310115", "MA1K3BT"), "uscc.length"),
        (("91", "31011A", "MA1K3BTP"), "uscc.division"),
        (("91", "310115", "ma1k3btp"), "uscc.lowercase"),
        (("91", "310115", "MA1K3BTO"), "uscc.alphabet"),
    ],
)
def test_make_uscc_rejects_bad_parts(args, code):
    with pytest.raises(IdentifierError) as info:
        make_uscc(*args)
    assert info.value.code == code


@pytest.mark.parametrize("value", ["", REAL[:16], REAL])
def test_check_character_needs_exactly_17(value):
    with pytest.raises(IdentifierError) as info:
        uscc_check_character(value)
    assert info.value.code == "uscc.length"


@given(known_prefixes, digits, bodies)
def test_every_generated_code_parses_cleanly(prefix, division, body):
    value = make_uscc(prefix, division, body)
    parsed = parse_uscc(value)
    assert (parsed.value, parsed.division, parsed.org_code[:8], parsed.warnings) == (
        value,
        division,
        body,
        (),
    )


@given(alphabet_chars, alphabet_chars, digits, bodies, st.data())
def test_every_single_substitution_is_rejected(registrar, category, division, body, data):
    value = make_uscc(registrar + category, division, body)
    position = data.draw(st.integers(0, 17))
    replacement = data.draw(st.sampled_from(ALPHABET.replace(value[position], "")))
    mutated = value[:position] + replacement + value[position + 1 :]
    expected = "uscc.division" if 2 <= position <= 7 and not replacement.isdigit() else "uscc.check"
    assert error_code(mutated) == expected


@pytest.mark.parametrize("value", [REAL, STDNUM_DOC, *STDNUM_DOCTEST_USCCS[:20]])
def test_all_single_substitutions_of_real_codes_are_rejected(value):
    for position in range(18):
        for replacement in ALPHABET.replace(value[position], ""):
            with pytest.raises(IdentifierError):
                parse_uscc(value[:position] + replacement + value[position + 1 :])


@given(st.sampled_from(["91", "92", "93", "12", "N1"]), digits, bodies, st.integers(0, 16))
def test_adjacent_transpositions_are_rejected(prefix, division, body, position):
    value = make_uscc(prefix, division, body)
    swapped = value[:position] + value[position + 1] + value[position] + value[position + 2 :]
    if swapped != value:
        with pytest.raises(IdentifierError):
            parse_uscc(swapped)


@given(st.text(min_size=17, max_size=17) | st.text(min_size=19, max_size=19))
def test_17_and_19_characters_are_always_length_errors(value):
    assert error_code(value) == "uscc.length"


@given(known_prefixes, digits, bodies, st.data())
def test_lowercasing_any_letter_is_rejected(prefix, division, body, data):
    value = make_uscc(prefix, division, body)
    letters = [i for i, c in enumerate(value) if c.isalpha()]
    if letters:
        i = data.draw(st.sampled_from(letters))
        assert error_code(value[:i] + value[i].lower() + value[i + 1 :]) == "uscc.lowercase"


@given(known_prefixes, digits, bodies, st.sampled_from("IOSVZ"), st.integers(0, 17))
def test_excluded_letters_anywhere_are_rejected(prefix, division, body, letter, position):
    value = make_uscc(prefix, division, body)
    assert error_code(value[:position] + letter + value[position + 1 :]) == "uscc.alphabet"


@given(
    st.text(alphabet=ALPHABET, min_size=2, max_size=2),
    st.text(alphabet="0123456789", min_size=6, max_size=6),
    st.text(alphabet=ALPHABET, min_size=10, max_size=10),
    st.integers(0, 17),
    st.sampled_from([None, *"0A9YIOSVZaz٣０- "]),
)
def test_the_well_formed_shortcut_accepts_exactly_what_the_character_checks_accept(head, division, body, at, char):
    value = head + division + body
    if char is not None:  # one character changed, in any position: a letter among the digits, a lowercase...
        value = value[:at] + char + value[at + 1 :]

    try:
        _check_characters(value)
        accepted = True
    except IdentifierError:
        accepted = False
    assert (_WELL_FORMED.fullmatch(value) is not None) == accepted

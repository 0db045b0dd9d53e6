import pytest
from hypothesis import given
from hypothesis import strategies as st

from registry.domain.identifiers import (
    DivisionCode,
    IdentifierError,
    covers,
    parse_division_code,
    prefix_for,
    subtree_bounds,
)

codes = st.text("0123456789", min_size=6, max_size=6)
prefixes = st.sampled_from([0, 2, 4, 6]).flatmap(lambda n: st.text("0123456789", min_size=n, max_size=n))


def error_code(call, *args) -> str:
    with pytest.raises(IdentifierError) as info:
        call(*args)
    return info.value.code


@pytest.mark.parametrize(
    ("code", "level", "province", "prefecture", "county"),
    [
        ("110000", "provincial", "11", None, None),
        ("110100", "prefectural", "11", "1101", None),
        ("110108", "county", "11", "1101", "110108"),  # 海淀区
        ("440305", "county", "44", "4403", "440305"),  # 深圳市南山区
        ("419000", "prefectural", "41", "4190", None),  # 省直辖县级行政区划
        ("419001", "county", "41", "4190", "419001"),  # 济源市
        ("500200", "prefectural", "50", "5002", None),  # 重庆 县
        (
            "460001",
            "county",
            "46",
            None,
            "460001",
        ),  # 通什市: county-level unit directly under Hainan, 1988-2001
        ("820000", "provincial", "82", None, None),
        ("500000", "provincial", "50", None, None),
        ("500101", "county", "50", "5001", "500101"),
        ("659010", "county", "65", "6590", "659010"),
    ],
)
def test_structure(code, level, province, prefecture, county):
    parsed = parse_division_code(code)
    assert parsed == DivisionCode(code, level)
    assert (parsed.province, parsed.prefecture, parsed.county) == (province, prefecture, county)


@pytest.mark.parametrize("code", ["", "11010", "1101080", "11010a", "１１０１０８", " 11010", "110108 ", "11-108"])
def test_format(code):
    assert error_code(parse_division_code, code) == "division.format"


@pytest.mark.parametrize(
    "code",
    ["000000", "001100", "100000", "160000", "240000", "200000", "550000", "900000", "910108", "010101"],
)
def test_structure_errors(code):
    # 100000 is sometimes used in USCCs for national registrations, but it is no GB/T 2260 division.
    assert error_code(parse_division_code, code) == "division.structure"


@pytest.mark.parametrize(
    ("code", "level", "prefix"),
    [
        ("110000", "provincial", "11"),
        ("440000", "provincial", "44"),
        ("110100", "prefectural", "1101"),
        ("440300", "prefectural", "4403"),
        ("419000", "prefectural", "4190"),
        ("110108", "county", "110108"),
        ("460001", "county", "460001"),
    ],
)
def test_prefix_for(code, level, prefix):
    assert prefix_for(code, level) == prefix


@pytest.mark.parametrize(
    ("code", "level"),
    [
        ("110100", "provincial"),  # a provincial authority whose code is not XX0000
        ("110108", "provincial"),
        ("110000", "prefectural"),
        ("110108", "prefectural"),
        ("110000", "county"),
        ("440300", "county"),
        ("460001", "prefectural"),
    ],
)
def test_prefix_for_rejects_a_level_the_code_does_not_have(code, level):
    with pytest.raises(IdentifierError) as info:
        prefix_for(code, level)
    assert info.value.code == "division.level"
    assert code in info.value.message_en


def test_prefix_for_rejects_malformed_codes():
    assert error_code(prefix_for, "11000", "provincial") == "division.format"
    assert error_code(prefix_for, "100000", "provincial") == "division.structure"


@pytest.mark.parametrize(
    ("prefix", "code", "expected"),
    [
        ("", "110108", True),
        ("", "650000", True),
        ("11", "110108", True),
        ("11", "110000", True),
        ("11", "120101", False),
        ("1101", "110108", True),
        ("1101", "110100", True),
        ("1101", "110000", False),
        ("1101", "110228", False),
        ("110108", "110108", True),
        ("110108", "110109", False),
        ("44", "440305", True),
        ("4403", "440305", True),
        ("4403", "441900", False),
    ],
)
def test_covers(prefix, code, expected):
    assert covers(prefix, code) is expected


@pytest.mark.parametrize("prefix", ["1", "110", "11010", "1101080", "1a", "１１"])
def test_bad_prefixes_are_rejected(prefix):
    assert error_code(covers, prefix, "110108") == "division.prefix"
    assert error_code(subtree_bounds, prefix) == "division.prefix"


@pytest.mark.parametrize("code", ["1101", "11010a", ""])
def test_covers_rejects_malformed_codes(code):
    assert error_code(covers, "11", code) == "division.format"


@pytest.mark.parametrize(
    ("prefix", "bounds"),
    [
        ("", ("000000", "999999")),
        ("11", ("110000", "119999")),
        ("1101", ("110100", "110199")),
        ("110108", ("110108", "110108")),
    ],
)
def test_subtree_bounds(prefix, bounds):
    assert subtree_bounds(prefix) == bounds


@given(prefixes, codes)
def test_bounds_agree_with_covers(prefix, code):
    low, high = subtree_bounds(prefix)
    assert covers(prefix, code) is (low <= code <= high)


@given(codes)
def test_every_code_is_covered_by_its_own_prefixes(code):
    for size in (0, 2, 4, 6):
        assert covers(code[:size], code)

from importlib import resources

import pytest

from registry.domain.identifiers import (
    DIVISION_TABLE_DATE,
    DIVISION_TABLE_SOURCE,
    PROVINCES,
    Division,
    lookup_division,
    parse_division_code,
)

from .stdnum_examples import STDNUM_DOCTEST_USCCS

TABLE = resources.files("registry").joinpath("data/divisions.tsv")
ROWS = [line.split("\t") for line in TABLE.read_text(encoding="utf-8").splitlines()]


def test_file_shape():
    assert ROWS[0] == ["code", "name", "current"]
    assert all(len(row) == 3 and row[1] and row[2] in {"true", "false"} for row in ROWS[1:])
    codes = [row[0] for row in ROWS[1:]]
    assert codes == sorted(set(codes)), "codes must be unique and sorted"
    assert len(TABLE.read_bytes()) < 1_000_000


def test_every_code_in_the_table_is_well_formed():
    for code, *_ in ROWS[1:]:
        parse_division_code(code)


def test_sizes_are_plausible_for_the_2024_edition():
    current = [row for row in ROWS[1:] if row[2] == "true"]
    assert 3200 <= len(current) <= 3300  # MCA 2024: 3213 codes, plus 9 NBS placeholders
    assert len(ROWS) - 1 - len(current) > 3000  # retired codes since 1981
    assert {row[0][:2] for row in current if row[0].endswith("0000")} == PROVINCES


def test_source_and_date_are_recorded():
    assert DIVISION_TABLE_DATE == "2024-12-31"
    assert "eed219a0678d36bacaa717f62443b10e869f0291" in DIVISION_TABLE_SOURCE
    assert "57a0aa9cef47169a2eb74cf057b0245052a34e8c" in DIVISION_TABLE_SOURCE


@pytest.mark.parametrize(
    ("code", "name", "full_name", "level", "current"),
    [
        ("110000", "北京市", "北京市", "provincial", True),
        ("110108", "海淀区", "北京市海淀区", "county", True),
        ("110103", "崇文区", "北京市崇文区", "county", False),  # merged into 东城区 in 2010
        ("110104", "宣武区", "北京市宣武区", "county", False),  # merged into 西城区 in 2010
        ("440300", "深圳市", "广东省深圳市", "prefectural", True),
        ("440305", "南山区", "广东省深圳市南山区", "county", True),
        ("310115", "浦东新区", "上海市浦东新区", "county", True),
        ("330113", "临平区", "浙江省杭州市临平区", "county", True),  # created 2021
        ("653228", "和康县", "新疆维吾尔自治区和田地区和康县", "county", True),  # created 2024
        ("120110", "东丽区", "天津市东丽区", "county", True),  # the same code was 东郊区 before 1992
        ("419000", "省直辖县级行政区划", "河南省省直辖县级行政区划", "prefectural", True),
        ("419001", "济源市", "河南省济源市", "county", True),
        ("500200", "县", "重庆市县", "prefectural", True),
        ("460001", "通什市", "海南省通什市", "county", False),
        ("130103", "桥东区", "河北省石家庄市桥东区", "county", False),
    ],
)
def test_lookup(code, name, full_name, level, current):
    assert lookup_division(code) == Division(code, name, full_name, level, current)


@pytest.mark.parametrize("code", ["990000", "110199", "100000", "abc", "", "110108 "])
def test_unknown_codes_are_none_not_errors(code):
    assert lookup_division(code) is None


@pytest.mark.parametrize("uscc", STDNUM_DOCTEST_USCCS)
def test_registration_divisions_of_real_usccs_are_known(uscc):
    division = lookup_division(uscc[2:8])
    assert division is not None
    assert division.current


def test_parents_of_current_codes_are_current():
    table = {row[0]: row[2] == "true" for row in ROWS[1:]}
    for code, current in table.items():
        if current:
            assert table[code[:2] + "0000"], code

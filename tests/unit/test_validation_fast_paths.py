"""The row checks' fast paths (issue 22: a national import checks 3.2 million rows) answer as the
character-by-character rules they stand for."""

from __future__ import annotations

import sys
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from registry.domain.enterprises.validation import _CONTROL, check_text
from registry.domain.identifiers import IdentifierError, org_code_check_character
from registry.domain.identifiers.org_code import _BODY, ORG_CODE_WEIGHTS


def test_the_control_character_class_is_unicode_category_cc_at_every_code_point() -> None:
    for cp in range(sys.maxunicode + 1):
        ch = chr(cp)
        assert (_CONTROL.search(ch) is not None) == (unicodedata.category(ch) == "Cc"), hex(cp)


@given(st.text(max_size=40))
def test_check_text_reports_a_control_character_exactly_when_one_is_there(value: str) -> None:
    problems: list = []
    check_text("name", value, 200, problems, required=False)
    has_cc = any(unicodedata.category(c) == "Cc" for c in value.strip())
    assert ("control_character" in {p.code for p in problems}) == has_cc


def _by_definition(first8: str) -> str:
    total = sum(_BODY.index(c) * w for c, w in zip(first8, ORG_CODE_WEIGHTS, strict=True))
    check = 11 - total % 11
    return "X" if check == 10 else "0" if check == 11 else str(check)


@given(st.text(alphabet=_BODY, min_size=8, max_size=8))
def test_the_org_code_check_character_is_gb_11714s_weighted_sum(body: str) -> None:
    assert org_code_check_character(body) == _by_definition(body)


@given(st.text(min_size=8, max_size=8))
def test_a_body_outside_digits_and_capitals_is_refused_as_before(body: str) -> None:
    if all(c in _BODY for c in body):
        assert org_code_check_character(body) == _by_definition(body)
        return
    with pytest.raises(IdentifierError) as refused:
        org_code_check_character(body)
    assert refused.value.code == "org_code.format"

"""The JSON depth check that runs before msgspec decodes a body (issue 18 item 6)."""

from __future__ import annotations

import json

import msgspec
import pytest

from registry.errors import MalformedBody
from registry.lib.json_guard import check_body, depth, too_deep


@pytest.mark.parametrize(
    ("value", "expected"),
    [(1, 0), ([], 1), ({"a": [1, {"b": []}]}, 4), ([[[[]]], []], 4), ({"s": "[[[{{{"}, 1), ({"s": '\\"[['}, 1)],
)
def test_depth_matches_the_structure_and_ignores_strings(value, expected):
    assert depth(json.dumps(value).encode()) == expected


def test_unclosed_brackets_count_as_a_decoder_would_descend():
    assert depth(b"[" * 5000) == 5000
    assert too_deep(b"[" * 5000, 64)


def test_a_wide_body_is_not_deep():
    body = json.dumps([{"a": [1]} for _ in range(10_000)]).encode()
    assert depth(body) == 3
    assert not too_deep(body, 64)


def test_check_names_the_limit():
    with pytest.raises(MalformedBody) as caught:
        check_body(b"[" * 65 + b"]" * 65, 64)
    assert caught.value.extra == {"limit": "max_json_depth", "limit_value": 64}
    assert "64" in caught.value.detail
    check_body(b"[" * 64 + b"]" * 64, 64)


def test_the_limit_is_far_below_where_msgspec_gives_up():
    msgspec.json.decode(b"[" * 64 + b"]" * 64)

"""Checks on a JSON body before it is decoded.

msgspec guards its recursion with Python's recursion limit, so a body nested about 1,000 deep
raised RecursionError (a 500) and where it broke depended on the stack it was decoded from. The
service states its own depth limit and refuses deeper bodies first. Both checks run at C speed
(``bytes.count``, ``re``, ``translate``, ``accumulate``): a body with few brackets, which is every
real one, costs two counts.
"""

from __future__ import annotations

import re
from array import array
from itertools import accumulate

from registry.errors import MalformedBody

#: a JSON string literal, escapes included (unrolled: linear, no backtracking)
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
#: opening brackets -> 1, closing -> -1 (0xff as a signed byte), everything else removed
_STEPS = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


def depth(body: bytes) -> int:
    """The deepest nesting of arrays and objects outside string literals (unbalanced input counts
    its unclosed brackets, which is what a recursive decoder would descend into)."""
    if body.count(b"[") + body.count(b"{") == 0:
        return 0
    brackets = _STRING.sub(b"", body).translate(None, _NOT_BRACKETS).translate(_STEPS)
    return max(accumulate(array("b", brackets)), default=0)


def too_deep(body: bytes, limit: int) -> bool:
    if body.count(b"[") + body.count(b"{") <= limit:
        return False
    return depth(body) > limit


def check_body(body: bytes, limit: int) -> None:
    """Refuse a JSON body nested deeper than ``limit``, naming the limit (400)."""
    if too_deep(body, limit):
        raise MalformedBody(
            f"JSON 嵌套超过 {limit} 层（上限 max_json_depth = {limit}）/ "
            f"JSON nested deeper than {limit} levels (limit max_json_depth = {limit})",
            extra={"limit": "max_json_depth", "limit_value": limit},
        )

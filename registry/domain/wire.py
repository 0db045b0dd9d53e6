"""Turning msgspec decoding errors into bilingual field problems (one path for API and importer)."""

from __future__ import annotations

import base64
import binascii
import re
from typing import Annotated, Any, TypeVar

import msgspec

from registry.domain.identifiers import IdentifierError, parse_uscc
from registry.errors import FieldProblem, ValidationFailed

T = TypeVar("T")

#: the largest row id SQLite and PostgreSQL (BIGINT) hold; larger ids are refused as input, not crashed on
MAX_ID = 2**63 - 1
RowId = Annotated[int, msgspec.Meta(ge=1, le=MAX_ID)]

#: free text without control characters (tab and line breaks allowed): NUL cannot be stored in
#: PostgreSQL text or JSONB, and the others only hide content from the officer who reads it
NO_CONTROL = "^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
Text = Annotated[str, msgspec.Meta(min_length=1, max_length=2000, pattern=NO_CONTROL)]
Ref = Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=NO_CONTROL)]
ShortRef = Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern=NO_CONTROL)]

_AT = re.compile(r"^(?P<msg>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.S)
_MISSING = re.compile(r"Object missing required field `(?P<f>[^`]+)`")
_UNKNOWN = re.compile(r"Object contains unknown field `(?P<f>[^`]+)`")
_EXPECTED = re.compile(r"Expected `(?P<t>[^`]+)`, got `(?P<g>[^`]+)`")
_BOUND = re.compile(r"Expected `(?:int|float)` (?P<op>>=|<=|>|<) (?P<n>[-0-9.e+]+)")
_OPS_ZH = {">=": "不能小于", "<=": "不能大于", ">": "应大于", "<": "应小于"}

_TYPES_ZH = {
    "str": "字符串",
    "int": "整数",
    "float": "数字",
    "bool": "布尔值",
    "array": "数组",
    "object": "对象",
    "date": "日期 (YYYY-MM-DD)",
    "datetime": "时间 (RFC 3339)",
    "null": "空值",
}


def _field(path: str | None, name: str | None = None) -> str:
    parts = [p for p in re.split(r"\.|\[|\]", path or "") if p]
    if parts and parts[0] == "data":  # Litestar names the request body "data"
        parts = parts[1:]
    if name:
        parts.append(name)
    # list indices as ``kinds[0]``, the form the domain's own checks use (``operating_divisions[1]``)
    out = ""
    for part in parts:
        out += f"[{part}]" if part.isdigit() and out else f".{part}" if out else part
    return out or "(body)"


def translate(message: str, path: str | None = None) -> FieldProblem:  # noqa: PLR0911 - one return per message kind
    """A msgspec (or Litestar-wrapped msgspec) message as a FieldProblem naming field and rule."""
    m = _AT.match(message.strip())
    msg, at = (m.group("msg"), m.group("path")) if m else (message, None)
    at = at if at is not None else path
    if mm := _MISSING.search(msg):
        f = _field(at, mm.group("f"))
        return FieldProblem(f, "required", f"缺少必填字段 {f}", f"required field {f} is missing")
    if mm := _UNKNOWN.search(msg):
        f = _field(at, mm.group("f"))
        return FieldProblem(f, "unknown_field", f"不允许的字段 {f}", f"field {f} is not allowed")
    f = _field(at)
    if mm := _EXPECTED.search(msg):
        want = mm.group("t")
        zh = " 或 ".join(_TYPES_ZH.get(t.strip(), t.strip()) for t in want.split("|"))
        return FieldProblem(f, "type", f"{f} 类型错误，应为{zh}", f"{f} must be {want}, got {mm.group('g')}")
    if mm := _BOUND.search(msg):
        op, n = mm.group("op"), mm.group("n")
        return FieldProblem(f, "range", f"{f} {_OPS_ZH[op]} {n}", f"{f} must be {op} {n}")
    if "matching regex" in msg and "\\x00" in msg:
        return FieldProblem(f, "control_character", f"{f} 含有控制字符", f"{f} contains control characters")
    if msg.startswith("Invalid enum value"):
        return FieldProblem(f, "enum", f"{f} 的取值不在允许范围内", f"{f}: {msg.lower()}")
    if msg.startswith("Invalid date") or msg.startswith("Invalid RFC3339"):
        return FieldProblem(
            f,
            "date",
            f"{f} 不是有效日期（YYYY-MM-DD，且须为真实存在的日期）",
            f"{f} is not a valid calendar date (YYYY-MM-DD)",
        )
    if "length" in msg or "Expected `" in msg or msg.startswith("Expected"):
        return FieldProblem(f, "constraint", f"{f} 不符合约束：{msg}", f"{f}: {msg}")
    return FieldProblem(f, "invalid", f"{f} 无效：{msg}", f"{f} is invalid: {msg}")


def pack_cursor(*key: str) -> str:
    """A page's sort key as an opaque URL-safe cursor (``next_cursor``)."""
    return base64.urlsafe_b64encode(":".join(key).encode()).decode().rstrip("=")


def unpack_cursor(cursor: str) -> list[str]:
    """The key parts of a cursor made by ``pack_cursor``; ValidationFailed when it is not one."""
    try:
        return base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode().split(":")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise bad_cursor() from None


def bad_cursor() -> ValidationFailed:
    return ValidationFailed(
        [
            FieldProblem(
                "cursor",
                "cursor",
                "分页游标无效（请使用上一页返回的 next_cursor）",
                "cursor is invalid: pass next_cursor from the previous page",
            )
        ]
    )


def convert(data: Any, into: type[T]) -> T:
    """``msgspec.convert`` with string inputs allowed (CSV cells), errors as ValidationFailed."""
    try:
        return msgspec.convert(data, into, strict=False)
    except msgspec.ValidationError as exc:
        raise ValidationFailed([translate(str(exc))]) from exc


def uscc_field(field: str, value: str) -> str:
    """The canonical USCC, or 422 naming ``field`` and the GB 32100 rule it breaks."""
    try:
        return parse_uscc(value).value
    except IdentifierError as err:
        raise ValidationFailed([FieldProblem(field, err.code, err.message_zh, err.message_en)]) from err

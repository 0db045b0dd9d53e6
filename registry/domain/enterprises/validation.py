"""Checks an enterprise record against GB 32100, GB/T 2260 and the register's own rules.

Pure: the same checks serve the API and the bulk importer, and collect every problem of a
record at once so an officer fixes a row in one pass.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from registry.domain.enterprises.schemas import EnterpriseCreate
from registry.domain.identifiers import (
    IdentifierError,
    lookup_division,
    parse_division_code,
    parse_org_code,
    parse_registration_no,
    parse_uscc,
)
from registry.errors import FieldProblem, ValidationFailed

#: Unicode general category Cc, which the stability policy fixes at these 65 code points
#: (a test holds it to ``unicodedata``): one search instead of a category lookup per character
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")

NAME_MAX = 200
ADDRESS_MAX = 300
OPERATING_DIVISIONS_MAX = 50


@dataclass(slots=True)
class CheckedEnterprise:
    uscc: str
    name: str
    division_code: str
    reg_division: str
    industry: str
    scale: str
    parent_uscc: str | None = None
    address: str | None = None
    registration_no: str | None = None
    org_code: str | None = None
    operating_divisions: tuple[str, ...] = ()
    name_valid_from: dt.date | None = None
    flags: list[dict[str, Any]] = field(default_factory=list)


def _problem(fld: str, err: IdentifierError) -> FieldProblem:
    return FieldProblem(fld, err.code, err.message_zh, err.message_en)


def _flag(code: str, zh: str, en: str) -> dict[str, Any]:
    return {"code": code, "message_zh": zh, "message_en": en}


def check_text(fld: str, value: str | None, limit: int, problems: list[FieldProblem], *, required: bool) -> str | None:
    """Trimmed text without control characters, within ``limit`` characters."""
    if value is None:
        if required:
            problems.append(FieldProblem(fld, "required", f"{fld} 为必填项", f"{fld} is required"))
        return None
    text = value.strip()
    if not text:
        if required:
            problems.append(FieldProblem(fld, "required", f"{fld} 不能为空", f"{fld} must not be empty"))
        return None
    if len(text) > limit:
        problems.append(
            FieldProblem(fld, "too_long", f"{fld} 超过 {limit} 个字符", f"{fld} is longer than {limit} characters")
        )
    if _CONTROL.search(text):
        problems.append(
            FieldProblem(fld, "control_character", f"{fld} 含有控制字符", f"{fld} contains control characters")
        )
    return text


def check_division(fld: str, code: str, problems: list[FieldProblem], flags: list[dict[str, Any]]) -> str:
    try:
        parse_division_code(code)
    except IdentifierError as err:
        problems.append(_problem(fld, err))
        return code
    if lookup_division(code) is None:
        flags.append(
            _flag(
                f"{fld}.unknown",
                f"{fld} {code} 不在随附的行政区划代码表中（已接受，请核实）",
                f"{fld} {code} is not in the shipped GB/T 2260 table (accepted; please verify)",
            )
        )
    return code


def check_optional_id(fld: str, value: str | None, parse: Any, problems: list[FieldProblem]) -> str | None:
    if value is None or not value.strip():
        return None
    try:
        return str(parse(value.strip()))
    except IdentifierError as err:
        problems.append(_problem(fld, err))
        return None


def check_operating(codes: list[str], problems: list[FieldProblem], flags: list[dict[str, Any]]) -> tuple[str, ...]:
    if len(codes) > OPERATING_DIVISIONS_MAX:
        problems.append(
            FieldProblem(
                "operating_divisions",
                "too_many",
                f"经营地不得超过 {OPERATING_DIVISIONS_MAX} 个",
                f"at most {OPERATING_DIVISIONS_MAX} operating divisions",
            )
        )
    seen: dict[str, None] = {}
    for i, code in enumerate(codes):
        seen[check_division(f"operating_divisions[{i}]", code, problems, flags)] = None
    return tuple(seen)


def check_create(data: EnterpriseCreate, today: dt.date) -> CheckedEnterprise:
    problems: list[FieldProblem] = []
    flags: list[dict[str, Any]] = []
    reg_division = ""
    try:
        parsed = parse_uscc(data.uscc)
        reg_division = parsed.division
        flags.extend(_flag(w.code, w.message_zh, w.message_en) for w in parsed.warnings)
    except IdentifierError as err:
        problems.append(_problem("uscc", err))
    name = check_text("name", data.name, NAME_MAX, problems, required=True)
    division = check_division("division_code", data.division_code, problems, flags)
    parent = None
    if data.parent_uscc:
        try:
            parent = parse_uscc(data.parent_uscc).value
            if parent == data.uscc:
                problems.append(
                    FieldProblem(
                        "parent_uscc",
                        "self_reference",
                        "上级公司不能是企业本身",
                        "parent_uscc must not be the enterprise itself",
                    )
                )
        except IdentifierError as err:
            problems.append(_problem("parent_uscc", err))
    address = check_text("address", data.address, ADDRESS_MAX, problems, required=False)
    registration_no = check_optional_id("registration_no", data.registration_no, parse_registration_no, problems)
    org_code = check_optional_id("org_code", data.org_code, parse_org_code, problems)
    operating = check_operating(data.operating_divisions, problems, flags)
    if data.name_valid_from and data.name_valid_from > today:
        problems.append(
            FieldProblem(
                "name_valid_from",
                "future_date",
                "名称启用日期不能晚于今天",
                "name_valid_from must not be in the future",
            )
        )
    if problems:
        raise ValidationFailed(problems)
    return CheckedEnterprise(
        uscc=data.uscc,
        name=name or "",
        division_code=division,
        reg_division=reg_division,
        industry=data.industry,
        scale=data.scale,
        parent_uscc=parent,
        address=address,
        registration_no=registration_no,
        org_code=org_code,
        operating_divisions=operating,
        name_valid_from=data.name_valid_from,
        flags=flags,
    )

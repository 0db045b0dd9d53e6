"""Search of the register: filters and keyset (cursor) pagination ordered by USCC.

Keyset rather than OFFSET so page 10,000 of a national result costs what page 1 costs.
Division filters use an inclusive range of 6-digit codes, which every B-tree index serves in
any collation (a LIKE 'prefix%' does not under non-C collations on PostgreSQL).
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

from sqlalchemy import Select, select

from registry.db.models import Enterprise, OperatingDivision
from registry.domain.identifiers import IdentifierError, parse_uscc, subtree_bounds
from registry.errors import FieldProblem, ValidationFailed

_USCC_PREFIX = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{1,18}$")
_DIVISION_PREFIX = re.compile(r"^(\d{2}|\d{4}|\d{6})$")


@dataclass(frozen=True, slots=True)
class SearchQuery:
    q: str | None = None
    uscc_prefix: str | None = None
    division: str | None = None
    industry: str | None = None
    scale: str | None = None
    status: str | None = None
    parent_uscc: str | None = None
    limit: int = 50
    after: str | None = None

    @staticmethod
    def cursor_after(uscc: str) -> str:
        return base64.urlsafe_b64encode(uscc.encode()).decode().rstrip("=")

    @staticmethod
    def decode_cursor(cursor: str) -> str:
        try:
            value = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        except (binascii.Error, UnicodeDecodeError, ValueError):
            value = ""
        if not _USCC_PREFIX.match(value):
            raise ValidationFailed(
                [
                    FieldProblem(
                        "cursor",
                        "cursor",
                        "分页游标无效（请使用上一页返回的 next_cursor）",
                        "cursor is invalid: pass next_cursor from the previous page",
                    )
                ]
            )
        return value


def validate_filters(query: SearchQuery, page_size_max: int) -> None:
    problems = []
    if query.uscc_prefix is not None and not _USCC_PREFIX.match(query.uscc_prefix):
        problems.append(
            FieldProblem(
                "uscc_prefix",
                "uscc_prefix",
                "统一社会信用代码前缀只能含大写字母（不含 I O S V Z）和数字，最多 18 位",
                "uscc_prefix: up to 18 of 0-9 and capital letters except I O S V Z",
            )
        )
    if query.division is not None and not _DIVISION_PREFIX.match(query.division):
        problems.append(
            FieldProblem(
                "division",
                "division_prefix",
                "区划前缀应为 2、4 或 6 位数字",
                "division must be 2, 4 or 6 digits (province, prefecture, county)",
            )
        )
    if not 1 <= query.limit <= page_size_max:
        problems.append(
            FieldProblem(
                "limit",
                "range",
                f"limit 应在 1 到 {page_size_max} 之间",
                f"limit must be between 1 and {page_size_max}",
            )
        )
    if query.parent_uscc is not None:
        try:  # a whole USCC: a malformed one would silently match nothing
            parse_uscc(query.parent_uscc)
        except IdentifierError as err:
            problems.append(FieldProblem("parent_uscc", err.code, err.message_zh, err.message_en))
    if query.q is not None and len(query.q) > 100:
        problems.append(FieldProblem("q", "too_long", "检索词不得超过 100 个字符", "q must be at most 100 characters"))
    if problems:
        raise ValidationFailed(problems)


def search_statement(query: SearchQuery) -> Select[Enterprise]:
    stmt = select(Enterprise)
    if query.q:
        stmt = stmt.where(Enterprise.name.contains(query.q.strip(), autoescape=True))
    if query.uscc_prefix:
        pad = 18 - len(query.uscc_prefix)
        # every stored USCC is 18 characters of 0-9A-Y, so this range is exactly the prefix
        stmt = stmt.where(Enterprise.uscc.between(query.uscc_prefix + "0" * pad, query.uscc_prefix + "Y" * pad))
    if query.division:
        lo, hi = subtree_bounds(query.division)
        located = Enterprise.division_code.between(lo, hi)
        operating = select(OperatingDivision.enterprise_id).where(OperatingDivision.division_code.between(lo, hi))
        stmt = stmt.where(located | Enterprise.id.in_(operating))
    if query.industry:
        stmt = stmt.where(Enterprise.industry == query.industry)
    if query.scale:
        stmt = stmt.where(Enterprise.scale == query.scale)
    if query.status:
        stmt = stmt.where(Enterprise.status == query.status)
    if query.parent_uscc:
        stmt = stmt.where(Enterprise.parent_uscc == query.parent_uscc)
    if query.after:
        stmt = stmt.where(Enterprise.uscc > query.after)
    return stmt.order_by(Enterprise.uscc).limit(query.limit + 1)

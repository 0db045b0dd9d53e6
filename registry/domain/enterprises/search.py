"""Search of the register: filters and keyset (cursor) pagination.

Keyset rather than OFFSET so page 10,000 of a national result costs what page 1 costs. Pages are
ordered by USCC, or by (division, USCC) when a division filter is given: the USCC embeds the
registration area, so walking the USCC index for "everything in 410103" first skips every code
below 91410103 (1.5 million rows, 3.8 s at national scale), while the (division_code, uscc)
index serves the division order directly.
Division filters use an inclusive range of 6-digit codes, which every B-tree index serves in
any collation (a LIKE 'prefix%' does not under non-C collations on PostgreSQL).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Boolean, ColumnElement, Select, select, text, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from registry.db.models import Enterprise, OperatingDivision
from registry.domain.identifiers import IdentifierError, parse_uscc, subtree_bounds
from registry.domain.wire import bad_cursor, pack_cursor, unpack_cursor
from registry.errors import FieldProblem, ValidationFailed

USCC_PREFIX_PATTERN = r"^[0-9A-HJ-NPQRTUWXY]{1,18}$"
_USCC_PREFIX = re.compile(USCC_PREFIX_PATTERN)
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
    #: the sort key of the last row of the previous page (from ``decode_cursor``)
    after: tuple[str, ...] | None = None

    def key(self, row: Enterprise) -> tuple[str, ...]:
        return (row.division_code, row.uscc) if self.division else (row.uscc,)

    @staticmethod
    def cursor_after(*key: str) -> str:
        return pack_cursor(*key)

    @staticmethod
    def decode_cursor(cursor: str) -> tuple[str, ...]:
        parts = tuple(unpack_cursor(cursor))
        valid = (len(parts) == 1 and _USCC_PREFIX.match(parts[0])) or (
            len(parts) == 2 and re.fullmatch(r"\d{6}", parts[0]) and _USCC_PREFIX.match(parts[1])
        )
        if not valid:
            raise bad_cursor()
        return parts


class name_has_bigram(FunctionElement[bool]):  # noqa: N801 - SQL function style, as sqlalchemy's own
    """``name_has_bigram(column, fragment)``: the name's set of two-character substrings holds the
    two-character fragment. On PostgreSQL this is what ``ix_enterprises_name_bigrams`` (migration
    0009) answers, so a rare two-character fragment is an index lookup, not a scan of the register
    (trigrams need three characters); elsewhere it is true and the ``LIKE`` beside it decides."""

    type = Boolean()
    inherit_cache = True
    name = "name_has_bigram"


@compiles(name_has_bigram)
def _any_bigram(_element: name_has_bigram, _compiler: SQLCompiler, **_kw: Any) -> str:
    return "1 = 1"


@compiles(name_has_bigram, "postgresql")
def _pg_bigram(element: name_has_bigram, compiler: SQLCompiler, **kw: Any) -> str:
    column, fragment = list(element.clauses)
    return (
        f"registry_name_bigrams({compiler.process(column, **kw)}) @> ARRAY[{compiler.process(fragment, **kw)}]::text[]"
    )


async def plan_for_the_values(session: AsyncSession) -> None:
    """PostgreSQL plans this transaction's searches for the values asked, every time. asyncpg
    prepares statements and after five runs PostgreSQL may keep a generic plan, which cannot know
    that ``罕见`` is rare and ``有限`` in every name: the generic walk in USCC order took 4 s for a
    fragment whose 1,126 units sit in one county (bench/RESULTS.md "Search")."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))


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
    if query.q is not None and any(unicodedata.category(ch) == "Cc" for ch in query.q):
        # PostgreSQL cannot even compare a NUL; no name contains a control character anyway
        problems.append(FieldProblem("q", "control_character", "检索词含有控制字符", "q contains control characters"))
    if problems:
        raise ValidationFailed(problems)


def search_statements(query: SearchQuery) -> list[Select[Enterprise]]:
    """One statement, or two with a division filter: located there, and operating there.

    Two ordered, limited statements merged by the caller rather than one with ``located OR id IN
    (operating)``: the OR defeats every index (4 s per page over 3.2 million rows); each half
    alone is an index range walk.
    """
    conditions: list[ColumnElement[bool]] = []
    if query.q:
        fragment = query.q.strip()
        conditions.append(Enterprise.name.contains(fragment, autoescape=True))
        if len(fragment) == 2:
            conditions.append(name_has_bigram(Enterprise.name, fragment))
    if query.uscc_prefix:
        pad = 18 - len(query.uscc_prefix)
        # every stored USCC is 18 characters of 0-9A-Y, so this range is exactly the prefix
        conditions.append(Enterprise.uscc.between(query.uscc_prefix + "0" * pad, query.uscc_prefix + "Y" * pad))
    if query.industry:
        conditions.append(Enterprise.industry == query.industry)
    if query.scale:
        conditions.append(Enterprise.scale == query.scale)
    if query.status:
        conditions.append(Enterprise.status == query.status)
    if query.parent_uscc:
        conditions.append(Enterprise.parent_uscc == query.parent_uscc)
    key = (Enterprise.division_code, Enterprise.uscc) if query.division else (Enterprise.uscc,)
    if query.after:
        if len(query.after) != len(key):
            raise ValidationFailed(
                [
                    FieldProblem(
                        "cursor",
                        "cursor",
                        "分页游标与本次检索条件不符",
                        "cursor belongs to a search with other filters",
                    )
                ]
            )
        conditions.append(tuple_(*key) > tuple_(*query.after) if len(key) > 1 else key[0] > query.after[0])
    if not query.division:
        statements = [select(Enterprise).where(*conditions)]
    else:
        lo, hi = subtree_bounds(query.division)
        statements = [
            select(Enterprise).where(Enterprise.division_code.between(lo, hi), *conditions),
            select(Enterprise)
            .join(OperatingDivision, OperatingDivision.enterprise_id == Enterprise.id)
            .where(OperatingDivision.division_code.between(lo, hi), *conditions),
        ]
    return [statement.order_by(*key).limit(query.limit + 1) for statement in statements]

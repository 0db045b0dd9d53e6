"""Listing search: filters, the bureau's own area, keyset pages (newest first)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, or_, select

from registry.db.models import Enterprise, Listing, OperatingDivision
from registry.domain.actors import Actor
from registry.domain.identifiers.divisions import subtree_bounds
from registry.domain.listings.types import LIST_TYPES, STATUSES
from registry.domain.wire import bad_cursor, pack_cursor, unpack_cursor
from registry.errors import FieldProblem, ValidationFailed


@dataclass(frozen=True)
class ListingQuery:
    status: str | None = None
    list_type: str | None = None
    uscc: str | None = None
    person_id: int | None = None
    authority_id: int | None = None
    division: str | None = None
    #: listed listings whose term ends before this day
    expiring_before: dt.date | None = None
    limit: int = 50
    after: int | None = None

    @staticmethod
    def cursor_after(listing_id: int) -> str:
        return pack_cursor(str(listing_id))

    @staticmethod
    def decode_cursor(cursor: str) -> int:
        parts = unpack_cursor(cursor)
        if len(parts) != 1 or not parts[0].isdigit():
            raise bad_cursor()
        return int(parts[0])


def validate(query: ListingQuery, page_size_max: int) -> None:
    problems = []
    if query.status is not None and query.status not in STATUSES:
        problems.append(
            FieldProblem(
                "status", "unknown_status", f"状态可选：{', '.join(STATUSES)}", f"one of {', '.join(STATUSES)}"
            )
        )
    if query.list_type is not None and query.list_type not in LIST_TYPES:
        problems.append(
            FieldProblem(
                "list_type",
                "unknown_list_type",
                f"名单类型可选：{', '.join(LIST_TYPES)}",
                f"one of {', '.join(LIST_TYPES)}",
            )
        )
    if query.division is not None and not re.fullmatch(r"\d{2}|\d{4}|\d{6}", query.division):
        problems.append(
            FieldProblem(
                "division",
                "division_prefix",
                "区划前缀应为 2、4 或 6 位数字",
                "division must be a 2, 4 or 6 digit prefix",
            )
        )
    if not 1 <= query.limit <= page_size_max:
        problems.append(
            FieldProblem(
                "limit", "range", f"每页条数应在 1 到 {page_size_max} 之间", f"limit must be 1..{page_size_max}"
            )
        )
    if problems:
        raise ValidationFailed(problems)


def statement(actor: Actor, query: ListingQuery) -> Select[Any]:
    stmt = select(Listing)
    if actor.role != "admin" and actor.jurisdiction:
        # a bureau lists what it may read: subjects located or operating in its area, and the
        # listings it decides itself (national: all)
        lo, hi = subtree_bounds(actor.jurisdiction)
        operating = select(OperatingDivision.enterprise_id).where(OperatingDivision.division_code.between(lo, hi))
        stmt = stmt.where(
            or_(
                Listing.division_code.between(lo, hi),
                Listing.enterprise_id.in_(operating),
                Listing.deciding_authority_id == actor.authority_id,
            )
        )
    if query.status is not None:
        stmt = stmt.where(Listing.status == query.status)
    if query.list_type is not None:
        stmt = stmt.where(Listing.list_type == query.list_type)
    if query.uscc is not None:
        unit = select(Enterprise.id).where(Enterprise.uscc == query.uscc).scalar_subquery()
        stmt = stmt.where(Listing.enterprise_id == unit)
    if query.person_id is not None:
        stmt = stmt.where(Listing.person_id == query.person_id)
    if query.authority_id is not None:
        stmt = stmt.where(Listing.deciding_authority_id == query.authority_id)
    if query.division is not None:
        lo, hi = subtree_bounds(query.division)
        stmt = stmt.where(Listing.division_code.between(lo, hi))
    if query.expiring_before is not None:
        stmt = stmt.where(
            Listing.status == "listed", Listing.expires_on.is_not(None), Listing.expires_on < query.expiring_before
        )
    if query.after is not None:
        stmt = stmt.where(Listing.id < query.after)
    return stmt.order_by(Listing.id.desc()).limit(query.limit + 1)

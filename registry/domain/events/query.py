"""The event list: filters, the effective view, keyset pages, and rows as wire Structs.

Newest first by (occurred_on, id). The effective view leaves out rows that a later row supersedes
and withdrawal rows; the unique index on ``supersedes_id`` answers the NOT EXISTS per row.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, and_, exists, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from registry.db.models import Authority, CreditEvent, Enterprise, Person
from registry.domain.events import kinds as k
from registry.domain.events import schemas as s
from registry.domain.identifiers import subtree_bounds
from registry.domain.wire import MAX_ID, bad_cursor, pack_cursor, unpack_cursor
from registry.errors import FieldProblem, ValidationFailed

_CURSOR = re.compile(r"^(\d{4}-\d{2}-\d{2}):(\d{1,19})$")


@dataclass(frozen=True, slots=True)
class EventQuery:
    uscc: str | None = None
    person_id: int | None = None
    kind: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    division: str | None = None
    #: include superseded rows and withdrawals (the full chains)
    history: bool = False
    limit: int = 50
    after: tuple[dt.date, int] | None = None

    @staticmethod
    def cursor_after(event: CreditEvent) -> str:
        return pack_cursor(event.occurred_on.isoformat(), str(event.id))

    @staticmethod
    def decode_cursor(cursor: str) -> tuple[dt.date, int]:
        m = _CURSOR.match(":".join(unpack_cursor(cursor)))
        try:
            if m and int(m.group(2)) <= MAX_ID:
                return dt.date.fromisoformat(m.group(1)), int(m.group(2))
        except ValueError:  # an impossible date such as 2026-02-30
            pass
        raise bad_cursor()


@functools.cache
def effective() -> Any:
    """Built once: SQL expressions are immutable and the NOT EXISTS correlates to each statement
    it is placed in when compiled; a new ``aliased`` per call (SQLAlchemy adapts the alias's
    columns afresh) was a seventh of the profile of a partner answer built for one unit."""
    later = aliased(CreditEvent)
    return and_(
        ~exists().where(later.supersedes_id == CreditEvent.id),
        or_(CreditEvent.amendment.is_(None), CreditEvent.amendment != "withdrawal"),
    )


def event_statement(query: EventQuery) -> Select[Any]:
    stmt = select(CreditEvent)
    if query.uscc is not None:
        stmt = stmt.where(
            CreditEvent.enterprise_id == select(Enterprise.id).where(Enterprise.uscc == query.uscc).scalar_subquery()
        )
    if query.person_id is not None:
        stmt = stmt.where(CreditEvent.person_id == query.person_id)
    if query.kind is not None:
        stmt = stmt.where(CreditEvent.kind == query.kind)
    if query.date_from is not None:
        stmt = stmt.where(CreditEvent.occurred_on >= query.date_from)
    if query.date_to is not None:
        stmt = stmt.where(CreditEvent.occurred_on <= query.date_to)
    if query.division:
        lo, hi = subtree_bounds(query.division)
        stmt = stmt.where(CreditEvent.division_code.between(lo, hi))
    if not query.history:
        stmt = stmt.where(effective())
    if query.after is not None:
        day, last = query.after
        # a row-value comparison, which PostgreSQL serves as one index range (an OR of two does not)
        stmt = stmt.where(tuple_(CreditEvent.occurred_on, CreditEvent.id) < tuple_(day, last))
    return stmt.order_by(CreditEvent.occurred_on.desc(), CreditEvent.id.desc())


def query_date(name: str, value: str | None) -> dt.date | None:
    """A date query parameter, named on the wire as the caller wrote it (``from``, ``to``)."""
    if value is None:
        return None
    try:
        if len(value) == 10:  # fromisoformat also takes 20260101 and week dates; the wire is YYYY-MM-DD
            return dt.date.fromisoformat(value)
    except ValueError:
        pass
    raise ValidationFailed(
        [
            FieldProblem(
                name,
                "date",
                f"{name} 不是有效日期（YYYY-MM-DD，且须为真实存在的日期）",
                f"{name} is not a valid calendar date (YYYY-MM-DD)",
            )
        ]
    )


def validate_query(query: EventQuery, page_size_max: int) -> None:
    problems: list[FieldProblem] = []
    if not 1 <= query.limit <= page_size_max:
        problems.append(
            FieldProblem(
                "limit", "range", f"每页条数应在 1 到 {page_size_max} 之间", f"limit must be 1..{page_size_max}"
            )
        )
    if query.date_from and query.date_to and query.date_from > query.date_to:
        problems.append(FieldProblem("to", "before_start", "结束日期早于开始日期", "to is before from"))
    if query.division is not None and not re.fullmatch(r"\d{2}|\d{4}|\d{6}", query.division):
        problems.append(
            FieldProblem(
                "division",
                "division_prefix",
                "区划前缀应为 2、4 或 6 位数字",
                "division must be a 2, 4 or 6 digit prefix",
            )
        )
    if problems:
        raise ValidationFailed(problems)


async def wire_events(session: AsyncSession, rows: list[CreditEvent]) -> list[s.Event]:
    """Rows as wire Events, with subjects, authorities and successors in one query each."""
    if not rows:
        return []
    ids = [r.id for r in rows]
    units = {
        e.id: e
        for e in await session.scalars(
            select(Enterprise).where(Enterprise.id.in_({r.enterprise_id for r in rows if r.enterprise_id}))
        )
    }
    persons = {
        p.id: p
        for p in await session.scalars(select(Person).where(Person.id.in_({r.person_id for r in rows if r.person_id})))
    }
    authorities = {
        a.id: a
        for a in await session.scalars(
            select(Authority).where(Authority.id.in_({r.recording_authority_id for r in rows}))
        )
    }
    # Result has .keys(): dict(result) would index it, so build the mapping from its rows
    successors = {  # noqa: C416 - dict(result) would index it
        old: new
        for old, new in await session.execute(
            select(CreditEvent.supersedes_id, CreditEvent.id).where(CreditEvent.supersedes_id.in_(ids))
        )
    }
    out = []
    for r in rows:
        if r.person_id is not None:
            person = persons[r.person_id]
            subject = s.Subject(r.subject_type, person_id=person.id, name=person.name, id_masked=person.id_masked)
        else:
            unit = units[r.enterprise_id]  # type: ignore[index]
            subject = s.Subject(r.subject_type, uscc=unit.uscc, name=unit.name)
        authority = authorities[r.recording_authority_id]
        withdrawn = r.amendment == "withdrawal"
        out.append(
            s.Event(
                id=r.id,
                kind=r.kind,
                kind_label=k.KINDS[r.kind],
                subject=subject,
                occurred_on=r.occurred_on,
                division_code=r.division_code,
                recording_authority=s.AuthorityRef(authority.division_code, authority.name),
                source_document=r.source_document,
                details=dict(r.details),
                derived={} if withdrawn else k.derived(r.kind, r.details),
                links=list(r.links),
                remarks=r.remarks,
                supersedes=r.supersedes_id,
                amendment=s.Amendment(r.amendment, r.amendment_reason or "") if r.amendment else None,
                superseded_by=successors.get(r.id),
                effective=r.id not in successors and not withdrawn,
                recorded_at=r.recorded_at,
                recorded_by=r.recorded_by,
            )
        )
    return out

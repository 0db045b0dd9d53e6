"""An officer's desk: what waits for them, each with a count and the first few items.

Read only, and only what the officer may read: listings through the listing search's own area
clause (``listings.query.statement``), events through ``reads.event_readable``, units through
``reads.unit_readable``. Steps that need the deciding or grading authority are counted for that
authority only, and approvals never include the officer's own proposals or pending decisions
(the two-officer rule counts persons: ``Actor.person``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, and_, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.db.engine import Database
from registry.db.models import Account, CreditEvent, Enterprise, Grade, Listing, RepairApplication
from registry.domain.actors import Actor
from registry.domain.events.query import effective
from registry.domain.grades.workflow import LEVELS, PENDING
from registry.domain.grades.workflow import STATUSES as GRADE_STATUSES
from registry.domain.listings.query import ListingQuery
from registry.domain.listings.query import statement as listing_statement
from registry.domain.listings.types import LIST_TYPES
from registry.domain.reads import event_readable, unit_readable
from registry.lib.clock import Clock
from registry.lib.clock import today as clock_today

#: items listed under each heading (the count covers them all, up to ``CAP``)
SHOWN = 8
CAP = 1000
NOTICE_DAYS = 7
EXPIRY_DAYS = 30
RENEWAL_DAYS = 90


@dataclass(frozen=True, slots=True)
class Item:
    uscc: str | None
    name: str
    what: str
    #: the anchor of the file section it belongs to (listings, grades, events)
    section: str
    #: the listing it is about (its own page on the listing desk)
    listing_id: int | None = None
    #: the grade it is about (its own page, with the steps its state allows)
    grade_id: int | None = None


@dataclass(slots=True)
class Heap:
    key: str
    title: str
    hint: str
    count: int = 0
    items: list[Item] = field(default_factory=list)


@dataclass(slots=True)
class Desk:
    today: dt.date
    heaps: list[Heap]


class DeskService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def desk(self, actor: Actor) -> Desk:
        today = clock_today(self.clock)
        async with self.db.read() as session:
            heaps = [
                await self._approvals(session, actor, today),
                await self._notices(session, actor, today),
                await self._objections(session, actor),
                await self._repairs(session, actor),
                await self._expiring(session, actor, today),
                await self._grades(session, actor),
                await self._renewals(session, actor, today),
                await self._hazards(session, actor, today),
            ]
        return Desk(today, heaps)

    @staticmethod
    def _listings(actor: Actor) -> Select[Any]:
        """The listings the officer may read, unordered and unlimited (the search's area clause)."""
        return listing_statement(actor, ListingQuery(limit=CAP)).order_by(None).limit(None)

    async def _fill(self, session: AsyncSession, heap: Heap, stmt: Select[Any], what: Any) -> Heap:
        """Count (up to CAP) the listings of ``stmt`` and describe the first few."""
        sub = stmt.limit(CAP).subquery()
        heap.count = int(await session.scalar(select(func.count()).select_from(sub)) or 0)
        rows = (await session.scalars(stmt.order_by(Listing.id.desc()).limit(SHOWN))).all()
        units = await _units(session, [r.enterprise_id for r in rows if r.enterprise_id is not None])
        for row in rows:
            uscc, name = units.get(row.enterprise_id or 0, (None, f"个人名单 {row.id}"))
            heap.items.append(Item(uscc, name, what(row), "listings", row.id))
        return heap

    async def _approvals(self, session: AsyncSession, actor: Actor, today: dt.date) -> Heap:
        heap = Heap("approvals", "待我批准", "他人提议、陈述申辩期已满的列入，以及他人提出的移出、信用修复决定")
        # the accounts of the same person (proposed_by and pending_by name accounts)
        mine = (
            select(Account.client_id).where(Account.officer_id == actor.officer_id)
            if actor.officer_id is not None
            else select(literal(actor.id))
        )
        ready = and_(
            Listing.status == "notified",
            Listing.proposed_by.not_in(mine),
            or_(Listing.statement_answered.is_(True), Listing.statement_deadline < today),
        )
        pending = and_(Listing.pending_action.is_not(None), Listing.pending_by.not_in(mine))
        stmt = self._listings(actor).where(Listing.objection_pending.is_(False), or_(ready, pending))
        if actor.role != "admin":
            stmt = stmt.where(Listing.deciding_authority_id == actor.authority_id)

        def what(row: Listing) -> str:
            if row.pending_action:
                return f"待批准：{PENDING_ACTIONS.get(row.pending_action, row.pending_action)}（{_type(row)}）"
            return f"待决定列入：{_type(row)}，陈述申辩期至 {row.statement_deadline}"

        return await self._fill(session, heap, stmt, what)

    async def _notices(self, session: AsyncSession, actor: Actor, today: dt.date) -> Heap:
        heap = Heap("notices", "陈述申辩期将满", f"已告知、{NOTICE_DAYS} 日内陈述申辩期届满且未答复")
        stmt = self._listings(actor).where(
            Listing.status == "notified",
            Listing.statement_answered.is_(False),
            Listing.statement_deadline.between(today, today + dt.timedelta(days=NOTICE_DAYS)),
        )
        return await self._fill(session, heap, stmt, lambda r: f"陈述申辩期至 {r.statement_deadline}（{_type(r)}）")

    async def _objections(self, session: AsyncSession, actor: Actor) -> Heap:
        heap = Heap("objections", "待处理异议", "当事人提出异议，名单冻结至异议处理完毕")
        stmt = self._listings(actor).where(Listing.objection_pending.is_(True))
        return await self._fill(session, heap, stmt, lambda r: f"异议待处理（{_type(r)}）")

    async def _repairs(self, session: AsyncSession, actor: Actor) -> Heap:
        heap = Heap("repairs", "待决定信用修复", "当事人申请提前移出（信用修复），待作出决定")
        pending = select(RepairApplication.listing_id).where(RepairApplication.status == "pending")
        stmt = self._listings(actor).where(Listing.id.in_(pending), Listing.pending_action.is_(None))
        return await self._fill(session, heap, stmt, lambda r: f"信用修复申请待决定（{_type(r)}）")

    async def _expiring(self, session: AsyncSession, actor: Actor, today: dt.date) -> Heap:
        heap = Heap("expiring", f"{EXPIRY_DAYS} 日内期满", "已列入、管理期限即将届满的名单")
        stmt = self._listings(actor).where(
            Listing.status == "listed",
            Listing.expires_on.is_not(None),
            Listing.expires_on <= today + dt.timedelta(days=EXPIRY_DAYS),
        )
        return await self._fill(session, heap, stmt, lambda r: f"{r.expires_on} 期满（{_type(r)}）")

    async def _grade_heap(self, session: AsyncSession, heap: Heap, stmt: Select[Grade, str, str], what: Any) -> Heap:
        sub = stmt.limit(CAP).subquery()
        heap.count = int(await session.scalar(select(func.count()).select_from(sub)) or 0)
        rows = (await session.execute(stmt.order_by(Grade.id.desc()).limit(SHOWN))).all()
        for grade, uscc, name in rows:
            heap.items.append(Item(uscc, name, what(grade), "grades", grade_id=grade.id))
        return heap

    async def _grades(self, session: AsyncSession, actor: Actor) -> Heap:
        heap = Heap("grades", "待办定级", "本机关为定级机关、尚在评审、审核或公告前的标准化定级")
        return await self._grade_heap(
            session,
            heap,
            grades_to_review(actor),
            lambda g: f"{LEVELS.get(g.level, g.level)}：{GRADE_STATUSES.get(g.status, g.status)}",
        )

    async def _renewals(self, session: AsyncSession, actor: Actor, today: dt.date) -> Heap:
        heap = Heap("renewals", "等级即将到期", f"{RENEWAL_DAYS} 日内有效期届满的标准化等级（可申请延期或复评）")
        return await self._grade_heap(
            session,
            heap,
            renewals_due(actor, today),
            lambda g: f"{LEVELS.get(g.level, g.level)} {g.valid_until} 到期",
        )

    async def _hazards(self, session: AsyncSession, actor: Actor, today: dt.date) -> Heap:
        heap = Heap("hazards", "重大隐患逾期未整改", "整改期限已过、尚未记录整改完成的重大事故隐患")
        stmt = (
            select(CreditEvent)
            .where(CreditEvent.kind == "major_hazard", effective(), event_readable(actor))
            .order_by(CreditEvent.occurred_on.desc(), CreditEvent.id.desc())
            .limit(CAP)
        )
        overdue = []
        for event in (await session.scalars(stmt)).all():
            details = event.details or {}
            deadline = details.get("rectification_deadline")
            if deadline and not details.get("rectified_on") and dt.date.fromisoformat(str(deadline)) < today:
                overdue.append((event, deadline))
        heap.count = len(overdue)
        units = await _units(session, [e.enterprise_id for e, _ in overdue[:SHOWN] if e.enterprise_id is not None])
        for event, deadline in overdue[:SHOWN]:
            uscc, name = units.get(event.enterprise_id or 0, (None, f"事件 {event.id}"))
            heap.items.append(Item(uscc, name, f"整改期限 {deadline}，逾期未整改", "events"))
        return heap


def grades_to_review(actor: Actor) -> Select[Grade, str, str]:
    """Grades still pending (review, audit, announcement) whose grading authority is the officer's
    (every one for an admin): (grade, uscc, name), unordered."""
    stmt = (
        select(Grade, Enterprise.uscc, Enterprise.name)
        .join(Enterprise, Enterprise.id == Grade.enterprise_id)
        .where(Grade.status.in_(sorted(PENDING)))
    )
    if actor.role != "admin":
        stmt = stmt.where(Grade.grading_authority_id == actor.authority_id)
    return stmt


def renewals_due(actor: Actor, today: dt.date) -> Select[Grade, str, str]:
    """Valid grades of readable units whose validity ends within ``RENEWAL_DAYS``: (grade, uscc, name)."""
    return (
        select(Grade, Enterprise.uscc, Enterprise.name)
        .join(Enterprise, Enterprise.id == Grade.enterprise_id)
        .where(
            Grade.status == "valid",
            Grade.valid_until.between(today, today + dt.timedelta(days=RENEWAL_DAYS)),
            unit_readable(actor, Enterprise.id, Enterprise.division_code),
        )
    )


PENDING_ACTIONS = {"remove": "移出", "grant_repair": "准予信用修复", "revoke_repair": "撤销信用修复"}


def _type(row: Listing) -> str:
    kind = LIST_TYPES.get(row.list_type)
    return kind.title if kind is not None else row.list_type


async def _units(session: AsyncSession, ids: list[int]) -> dict[int, tuple[str | None, str]]:
    if not ids:
        return {}
    rows = (
        await session.execute(select(Enterprise.id, Enterprise.uscc, Enterprise.name).where(Enterprise.id.in_(ids)))
    ).all()
    return {r[0]: (r[1], r[2]) for r in rows}

"""The review list: every listing that waits for an officer's decision, whole (the desk shows the
first few of each heap; this lists up to ``LISTED`` of each).

Read only, through the desk's own statements (``DeskService``: the listing search's area clause,
the deciding authority, approvals never the officer's own, by person), plus one list the desk
has no heap for: notices whose statement period has ended and that wait for a listing decision.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.db.models import Listing
from registry.domain.actors import Actor
from registry.domain.desk import CAP, DeskService, Heap, Item, _type, _units
from registry.lib.clock import today as clock_today

#: items listed under each heading
LISTED = 200
#: the lists, in the order shown (the desk's heap keys, and ``ended``)
KINDS: Final = ("approvals", "ended", "notices", "objections", "repairs")


@dataclass(slots=True)
class Review:
    today: dt.date
    heaps: list[Heap]
    #: the one list asked for (None: all)
    kind: str | None


class ReviewService(DeskService):
    async def review(self, actor: Actor, kind: str | None = None) -> Review:
        """The lists of ``KINDS`` (or the one named), each whole up to ``LISTED``."""
        on = clock_today(self.clock)
        wanted = [kind] if kind in KINDS else list(KINDS)
        async with self.db.read() as session:
            heaps = [await self._heap(session, actor, name, on) for name in wanted]
        return Review(on, heaps, kind if kind in KINDS else None)

    async def _heap(self, session: AsyncSession, actor: Actor, name: str, on: dt.date) -> Heap:
        if name == "approvals":
            return await self._approvals(session, actor, on)
        if name == "notices":
            return await self._notices(session, actor, on)
        if name == "objections":
            return await self._objections(session, actor)
        if name == "repairs":
            return await self._repairs(session, actor)
        return await self._ended(session, actor, on)

    async def _ended(self, session: AsyncSession, actor: Actor, on: dt.date) -> Heap:
        heap = Heap(
            "ended", "陈述申辩期已满待决定", "已告知、陈述申辩期已满（或已答复）尚未作出列入决定；提议人本人不能决定"
        )
        stmt = self._listings(actor).where(
            Listing.status == "notified",
            Listing.pending_action.is_(None),
            or_(Listing.statement_answered.is_(True), Listing.statement_deadline < on),
        )
        if actor.role != "admin":
            stmt = stmt.where(Listing.deciding_authority_id == actor.authority_id)

        def what(row: Listing) -> str:
            return f"陈述申辩期至 {row.statement_deadline}，{row.proposed_by} 提议（{_type(row)}）"

        return await self._fill(session, heap, stmt, what)

    async def _fill(self, session: AsyncSession, heap: Heap, stmt: Select[Any], what: Any) -> Heap:
        """As the desk's, with every listing up to ``LISTED`` (oldest first: the longest waiting)."""
        sub = stmt.limit(CAP).subquery()
        heap.count = int(await session.scalar(select(func.count()).select_from(sub)) or 0)
        rows = (await session.scalars(stmt.order_by(Listing.id).limit(LISTED))).all()
        units = await _units(session, [r.enterprise_id for r in rows if r.enterprise_id is not None])
        for row in rows:
            uscc, name = units.get(row.enterprise_id or 0, (None, f"个人名单 {row.id}"))
            heap.items.append(Item(uscc, name, what(row), "listings", row.id))
        return heap

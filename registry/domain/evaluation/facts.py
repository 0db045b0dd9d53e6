"""The facts builder: stored events, grades and roles -> ``registry.rules.facts.Facts``.

Reads the effective view (a corrected event counts in its latest form and for the subject it now
names, a withdrawn one not at all) and follows links through corrections: a penalty that links
accident 5 still links it after 5 was corrected into 9. Listings are the decided ones of the four
regimes (not bans, not proposals, not those removed as a correction: a listing found wrong never
counts); the work-injury insurance class is not recorded yet (what-if requests may give it).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.db.models import Agency, Authority, CreditEvent, Enterprise, Grade, Listing, Person, PersonRole
from registry.domain.events.query import effective as effective_view
from registry.domain.listings.types import CORRECTIONS
from registry.rules import facts as f
from registry.rules.view import ACCIDENT_RANK
from registry.rules.vocabulary import LIST_TYPES as REGIME_LIST_TYPES


def _event(row: CreditEvent, links: tuple[int, ...], authorities: dict[int, str]) -> f.Event:
    d: dict[str, Any] = row.details
    common: dict[str, Any] = {"id": row.id, "kind": row.kind, "occurred_on": row.occurred_on, "links": links}
    kind = row.kind
    if kind == "accident":
        return f.Event(
            **common,
            grade=row.accident_grade,  # type: ignore[arg-type]
            deaths=int(d["deaths"]),
            serious_injuries=int(d["serious_injuries"]),
            responsible=bool(d["responsible"]),
        )
    if kind == "penalty":
        multiplier = d.get("art114_multiplier")
        return f.Event(
            **common,
            multiplier=None if multiplier is None else float(multiplier),
            execution=d.get("execution", "pending"),
            serious=bool(d.get("serious_circumstances", False)),
            deciding_authority=d.get("deciding_authority") or authorities.get(row.recording_authority_id),
        )
    if kind == "major_hazard":
        return f.Event(
            **common,
            deadline=_date(d.get("rectification_deadline")),
            rectified_on=_date(d.get("rectified_on")),
        )
    if kind == "criminal_liability":
        return f.Event(**common, sentence_end_on=_date(d.get("sentence_end_on")))
    return f.Event(
        **common,
        type=d.get("type"),
        serious=bool(d.get("serious", False)),
        until=_date(d.get("until")),
    )


def _date(value: Any) -> dt.date | None:
    return None if value is None else dt.date.fromisoformat(value)


def worst_linked_grade(linked: list[CreditEvent]) -> str | None:
    """The highest grade among the linked accidents (a judgment's accident), or None."""
    graded = [h.accident_grade for h in linked if h.kind == "accident" and h.accident_grade]
    return max(graded, key=lambda g: ACCIDENT_RANK[g]) if graded else None


async def heads(session: AsyncSession, ids: set[int]) -> dict[int, CreditEvent | None]:
    """Each id -> the effective form of its event, wherever the corrections put it (another
    subject included); None when the chain ends in a withdrawal or the id is unknown."""
    found: dict[int, CreditEvent | None] = {}
    frontier: dict[int, set[int]] = {i: {i} for i in ids}  # id to look at -> the ids that named it
    while frontier:
        rows = list(
            await session.scalars(
                select(CreditEvent).where(or_(CreditEvent.id.in_(frontier), CreditEvent.supersedes_id.in_(frontier)))
            )
        )
        later = {r.supersedes_id: r for r in rows if r.supersedes_id in frontier}
        nxt: dict[int, set[int]] = {}
        for at, named in frontier.items():
            successor = later.get(at)
            if successor is not None:
                nxt.setdefault(successor.id, set()).update(named)
                continue
            row = next((r for r in rows if r.id == at), None)
            for i in named:
                found[i] = None if row is None or row.amendment == "withdrawal" else row
        frontier = nxt
    return found


async def _events(session: AsyncSession, column: Any, subject_id: int) -> tuple[f.Event, ...]:
    """The subject's effective events: the same effective view as the events API (an event
    corrected onto another subject no longer counts here), links followed to their heads."""
    effective = list(
        await session.scalars(
            select(CreditEvent).where(column == subject_id, effective_view()).order_by(CreditEvent.id)
        )
    )
    if not effective:
        return ()
    head_of = await heads(session, {i for r in effective for i in r.links})
    authority_ids = {r.recording_authority_id for r in effective if r.kind == "penalty"}
    authorities = {
        a.id: a.division_code for a in await session.scalars(select(Authority).where(Authority.id.in_(authority_ids)))
    }
    out = []
    for r in effective:
        linked = [h for i in r.links if (h := head_of.get(i)) is not None]
        event = _event(r, tuple(sorted({h.id for h in linked})), authorities)
        if r.kind == "criminal_liability":
            # the accident of the unit the judgment is about: another subject's row, graded here
            worst = worst_linked_grade(linked)
            if worst is not None:
                event = msgspec.structs.replace(event, accident_grade=worst)
        out.append(event)
    return tuple(out)


async def listings(session: AsyncSession, subject_key: str) -> tuple[f.Listing, ...]:
    rows = await session.scalars(
        select(Listing)
        .where(
            Listing.subject_key == subject_key,
            Listing.status.in_(("listed", "removed")),
            Listing.list_type.in_(tuple(REGIME_LIST_TYPES)),
        )
        .order_by(Listing.id)
    )
    return tuple(
        f.Listing(
            list_type=r.list_type,
            listed_on=r.effective_on,
            until=r.expires_on,
            removed_on=r.removed_on if r.status == "removed" else None,
            id=r.id,
            criterion=r.criteria[0] if r.criteria else None,
        )
        for r in rows
        if r.effective_on is not None and r.removal_type not in CORRECTIONS
    )


async def enterprise_facts(session: AsyncSession, enterprise: Enterprise) -> f.Facts:
    is_agency = await session.scalar(select(Agency.id).where(Agency.enterprise_id == enterprise.id)) is not None
    grades = await session.scalars(select(Grade).where(Grade.enterprise_id == enterprise.id).order_by(Grade.id))
    roles = await session.execute(
        select(PersonRole, Person.name)
        .join(Person, Person.id == PersonRole.person_id)
        .where(PersonRole.enterprise_id == enterprise.id)
        .order_by(PersonRole.id)
    )
    return f.Facts(
        subject=f.Subject(
            type="agency" if is_agency else "enterprise",
            id=enterprise.uscc,
            name=enterprise.name,
            industry=enterprise.industry,
            scale=enterprise.scale,
            division_code=enterprise.division_code,
            parent_uscc=enterprise.parent_uscc,
        ),
        events=await _events(session, CreditEvent.enterprise_id, enterprise.id),
        grades=tuple(
            f.Grade(
                id=g.id,
                level=g.level,  # type: ignore[arg-type]
                status=g.status,
                applied_on=g.applied_on,
                announced_on=g.announced_on,
                valid_until=g.valid_until,
                ended_on=g.ended_on,
            )
            for g in grades
        ),
        roles=tuple(
            f.Role(person_id=r.person_id, role=r.role, name=name, since=r.valid_from, until=r.valid_to)
            for r, name in roles
        ),
        listings=await listings(session, f"e:{enterprise.id}"),
    )


async def person_facts(session: AsyncSession, person: Person) -> f.Facts:
    return f.Facts(
        subject=f.Subject(type="person", id=str(person.id), name=person.name),
        events=await _events(session, CreditEvent.person_id, person.id),
        listings=await listings(session, f"p:{person.id}"),
    )

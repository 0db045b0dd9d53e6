"""Who may read a subject's full file (DESIGN section 6, "Who reads what", decided 2026-12-06).

Everywhere, a bureau reads what partners and the public may: the signed partner status answer and
the public disclosure. The full file of a unit (its persons, events not disclosed, grades in
progress, internal remarks, the facts the rules read) it reads only where the unit is located or
operates (the area test of writes, ``Actor.may_act_on``), or when it decided on the unit: it is the
deciding authority of a listing of it, recorded a penalty on it, or is the grading authority of one
of its grades (so a unit that moves away stays readable to the bureau that acted on it). A person
it reads only through a unit it may read (a role there, ended or not), where their conduct was
(an event about them in the area), or when it decided a listing of them. Admins and national
authorities read everything.

Each test is a SQL expression, so a read asks "the row, and may I read it" in the query that loads
the row (no extra round trip), and a list filters with it in the statement that pages it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, String, cast, exists, false, literal, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from registry.db.engine import Database
from registry.db.models import CreditEvent, Enterprise, Grade, Listing, OperatingDivision, Person, PersonRole
from registry.domain import audit
from registry.domain.actors import Actor
from registry.domain.identifiers import subtree_bounds
from registry.domain.jurisdiction import refusal
from registry.errors import NotFound, OutsideJurisdiction
from registry.lib.clock import Clock


def everywhere(actor: Actor) -> bool:
    """Admins and national authorities read every file."""
    return actor.role == "admin" or (actor.role == "bureau" and actor.jurisdiction == "")


def _area(actor: Actor) -> tuple[str, str] | None:
    """The bounds of a bureau's area (6-digit codes, inclusive); None: no area (partners)."""
    if actor.role != "bureau" or actor.jurisdiction is None:
        return None
    return subtree_bounds(actor.jurisdiction)


def _key(prefix: str, row_id: Any) -> ColumnElement[str]:
    """``Listing.subject_key`` of a row id column ("e:<id>", "p:<id>"): served by ix_listings_subject."""
    return literal(prefix, String).concat(cast(row_id, String))


def unit_readable(actor: Actor, unit_id: Any, division: Any) -> ColumnElement[bool]:
    """Whether the unit with id column ``unit_id`` located in ``division`` is open to ``actor``."""
    if everywhere(actor):
        return true()
    bounds = _area(actor)
    if bounds is None:
        return false()
    lo, hi = bounds
    op = aliased(OperatingDivision)
    clauses: list[ColumnElement[bool]] = [
        division.between(lo, hi),
        exists().where(op.enterprise_id == unit_id, op.division_code.between(lo, hi)),
    ]
    if actor.authority_id is not None:
        mine = actor.authority_id
        listing, event, grade = aliased(Listing), aliased(CreditEvent), aliased(Grade)
        clauses += [
            exists().where(listing.subject_key == _key("e:", unit_id), listing.deciding_authority_id == mine),
            exists().where(
                event.enterprise_id == unit_id, event.kind == "penalty", event.recording_authority_id == mine
            ),
            exists().where(grade.enterprise_id == unit_id, grade.grading_authority_id == mine),
        ]
    return or_(*clauses)


def person_readable(actor: Actor, person_id: Any) -> ColumnElement[bool]:
    """Whether the person with id column ``person_id`` is open to ``actor``: a role in a unit it may
    read, an event about them in its area, or a listing of them it decided."""
    if everywhere(actor):
        return true()
    bounds = _area(actor)
    if bounds is None:
        return false()
    lo, hi = bounds
    role, unit, event = aliased(PersonRole), aliased(Enterprise), aliased(CreditEvent)
    clauses: list[ColumnElement[bool]] = [
        exists(
            select(role.id)
            .join(unit, unit.id == role.enterprise_id)
            .where(role.person_id == person_id, unit_readable(actor, unit.id, unit.division_code))
        ),
        exists().where(event.person_id == person_id, event.division_code.between(lo, hi)),
    ]
    if actor.authority_id is not None:
        listing = aliased(Listing)
        clauses.append(
            exists().where(
                listing.subject_key == _key("p:", person_id), listing.deciding_authority_id == actor.authority_id
            )
        )
    return or_(*clauses)


def event_readable(actor: Actor) -> ColumnElement[bool]:
    """Whether a ``CreditEvent`` row of the enclosing query is open to ``actor``: it happened in its
    area, it recorded it, or its subject (unit or person) is open to it."""
    if everywhere(actor):
        return true()
    bounds = _area(actor)
    if bounds is None:
        return false()
    lo, hi = bounds
    unit = aliased(Enterprise)
    clauses: list[ColumnElement[bool]] = [
        CreditEvent.division_code.between(lo, hi),
        exists(
            select(unit.id).where(
                unit.id == CreditEvent.enterprise_id, unit_readable(actor, unit.id, unit.division_code)
            )
        ),
        person_readable(actor, CreditEvent.person_id),
    ]
    if actor.authority_id is not None:
        clauses.append(CreditEvent.recording_authority_id == actor.authority_id)
    return or_(*clauses)


def narrowed(actor: Actor, division: str | None) -> tuple[bool, str | None]:
    """The division filter a list runs with so it stays inside the actor's area: ``(False, _)``
    when the asked division lies outside it (the list is empty). A wider filter is narrowed to
    the area; a list without one is filtered to the area. Lists leave out subjects decided on
    outside the area: those are read one by one."""
    if everywhere(actor):
        return True, division
    area = actor.jurisdiction if actor.role == "bureau" else None
    if area is None:
        return False, division
    if division is None or area.startswith(division):
        return True, area
    return division.startswith(area), division


def public_pointers(uscc: str) -> dict[str, str]:
    """Where the disclosure-level answers about a unit are, which every bureau may read."""
    return {"public": f"/api/v1/public/enterprises/{uscc}", "partner": f"/api/v1/partner/status/{uscc}"}


async def refuse_unit(db: Database, clock: Clock, actor: Actor, action: str, unit: Enterprise) -> OutsideJurisdiction:
    """403 outside_jurisdiction for a unit's full file, audited like a refused write (the caller
    raises it). We refuse rather than answer a reduced file: one shape per endpoint, and the
    refusal names the public and partner answers the bureau may read about the unit."""
    return await refusal(
        db,
        clock,
        actor,
        action,
        "enterprise",
        unit.uscc,
        f"division {unit.division_code}",
        extra=public_pointers(unit.uscc),
    )


async def hide_person(db: Database, clock: Clock, actor: Actor, action: str, person_id: int) -> NotFound:
    """A person outside the area answers exactly as one that does not exist (ids are sequential:
    a 403 would tell which exist); the attempt is audited as denied (the caller raises it)."""
    await audit_hidden(db, clock, actor, action, person_id)
    return person_not_found(person_id)


async def audit_hidden(db: Database, clock: Clock, actor: Actor, action: str, person_id: int) -> None:
    async with db.write() as session:
        await audit.record(
            session,
            actor,
            clock.now(),
            [
                audit.Change(
                    action,
                    "person",
                    str(person_id),
                    outcome="denied",
                    detail="outside jurisdiction: no role in a unit of the area (answered as unknown)",
                )
            ],
        )


def person_not_found(person_id: int) -> NotFound:
    return NotFound(f"人员 {person_id} 不存在 / no person {person_id}")


async def unit_and_access(session: AsyncSession, actor: Actor, uscc: str) -> tuple[Enterprise, bool] | None:
    """The unit with this USCC and whether ``actor`` may read its file, in one query; None if unknown."""
    row = (
        await session.execute(
            select(Enterprise, unit_readable(actor, Enterprise.id, Enterprise.division_code)).where(
                Enterprise.uscc == uscc
            )
        )
    ).first()
    return None if row is None else (row[0], bool(row[1]))


async def person_and_access(session: AsyncSession, actor: Actor, person_id: int) -> tuple[Person, bool] | None:
    """The person and whether ``actor`` may read them, in one query; None if unknown."""
    row = (
        await session.execute(select(Person, person_readable(actor, Person.id)).where(Person.id == person_id))
    ).first()
    return None if row is None else (row[0], bool(row[1]))

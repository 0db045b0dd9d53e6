"""The persons of one enterprise with their roles (the file's 人员与任职 section).

A read for the unit's file: only roles in a unit ``actor`` may read are returned (the same
``reads.unit_readable`` test as every person read), so the list can never show more than the
file itself; id numbers only ever appear masked.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from registry.db.engine import Database
from registry.db.models import Enterprise, Person, PersonRole
from registry.domain import reads
from registry.domain.actors import Actor
from registry.domain.vocabulary import PERSON_ROLES


@dataclass(frozen=True, slots=True)
class RoleHeld:
    role_id: int
    person_id: int
    name: str
    id_masked: str
    role: str
    role_name: str
    valid_from: dt.date
    valid_to: dt.date | None

    def current(self, on: dt.date) -> bool:
        return self.valid_from <= on and (self.valid_to is None or self.valid_to >= on)


async def roster(db: Database, actor: Actor, uscc: str) -> list[RoleHeld]:
    """Every role held in the unit, current and past, by role then start date."""
    async with db.read() as session:
        rows = (
            await session.execute(
                select(PersonRole, Person.name, Person.id_masked)
                .join(Person, Person.id == PersonRole.person_id)
                .join(Enterprise, Enterprise.id == PersonRole.enterprise_id)
                .where(Enterprise.uscc == uscc, reads.unit_readable(actor, Enterprise.id, Enterprise.division_code))
                .order_by(PersonRole.valid_from, PersonRole.id)
            )
        ).all()
    order = list(PERSON_ROLES)
    held = [
        RoleHeld(r.id, r.person_id, name, masked, r.role, PERSON_ROLES.get(r.role, r.role), r.valid_from, r.valid_to)
        for r, name, masked in rows
    ]
    return sorted(held, key=lambda h: order.index(h.role) if h.role in order else len(order))

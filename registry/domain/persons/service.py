"""Persons and their roles in enterprises. Resident id numbers are hashed with a secret key.

A keyed hash (HMAC) rather than a plain one: the id space is small enough (birth dates, a few
thousand division codes) that an unkeyed SHA-256 could be reversed by enumeration.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from registry.db.among import among
from registry.db.engine import Database
from registry.db.models import Agency, Enterprise, Person, PersonRole
from registry.domain import audit, reads
from registry.domain.actors import Actor
from registry.domain.enterprises.validation import check_text
from registry.domain.identifiers import IdentifierError, hash_resident_id, mask_resident_id, parse_resident_id
from registry.domain.jurisdiction import deny, locations
from registry.domain.persons import schemas as s
from registry.domain.vocabulary import PERSON_ROLES
from registry.errors import Conflict, FieldProblem, NotFound, ValidationFailed
from registry.lib.clock import Clock, today


class PersonService:
    def __init__(self, db: Database, clock: Clock, id_key: bytes) -> None:
        self.db = db
        self.clock = clock
        self._key = id_key

    def _hash(self, id_number: str) -> tuple[str, str]:
        try:
            parsed = parse_resident_id(id_number.strip(), today(self.clock))
        except IdentifierError as err:
            raise ValidationFailed([FieldProblem("id_number", err.code, err.message_zh, err.message_en)]) from err
        return hash_resident_id(parsed.value, self._key), mask_resident_id(parsed.value)

    async def create(self, actor: Actor, data: s.PersonCreate) -> tuple[s.Person, bool]:
        """The person (created if new); ``True`` when created. The same id twice is one person."""
        digest, masked = self._hash(data.id_number)
        problems: list[FieldProblem] = []
        name = check_text("name", data.name, 100, problems, required=True)
        if problems:
            raise ValidationFailed(problems)
        now = self.clock.now()
        try:
            async with self.db.write() as session:
                existing = await session.scalar(select(Person).where(Person.id_hash == digest))
                if existing is not None:
                    # the caller holds the full id number, so it may know the person; their
                    # roles it sees only in units it may read (the lookup answers the same)
                    return await self._wire(session, existing, actor), False
                person = Person(id_hash=digest, id_masked=masked, name=name or "", created_at=now)
                session.add(person)
                await session.flush()
                await audit.record(
                    session,
                    actor,
                    now,
                    [
                        audit.Change(
                            "person.create", "person", str(person.id), None, {"name": person.name, "id_masked": masked}
                        )
                    ],
                )
                return await self._wire(session, person, actor), True
        except IntegrityError:
            # registered by a concurrent request between the look-up and the insert: the same person
            return await self.lookup(actor, data.id_number), False

    async def lookup(self, actor: Actor, id_number: str) -> s.Person:
        """The person with this full id number. Whoever holds the number may learn the person is
        registered (registering them again says as much); the roles shown are those in units
        the actor may read, as everywhere."""
        digest, _ = self._hash(id_number)
        async with self.db.read() as session:
            person = await session.scalar(select(Person).where(Person.id_hash == digest))
            if person is None:
                raise NotFound("未找到该身份证号对应的人员 / no person with this id number")
            return await self._wire(session, person, actor)

    def id_hash(self, id_number: str) -> str:
        """The keyed hash a person with this id number is stored under (ValidationFailed on
        ``id_number`` if the number is malformed)."""
        return self._hash(id_number)[0]

    async def ids_by_hash(self, digests: Collection[str]) -> dict[str, int]:
        """The registry ids of the persons stored under these hashes, in one query (the event
        importer's look-up for a batch of rows); an unknown hash is left out."""
        if not digests:
            return {}
        async with self.db.read() as session:
            found = await session.execute(
                select(Person.id_hash, Person.id).where(among(session, Person.id_hash, digests))
            )
            return {digest: int(person) for digest, person in found}

    async def get(self, actor: Actor, person_id: int) -> s.Person:
        """A person and their roles in units the actor may read. A person the actor may not read
        (no role in a unit it may read, no conduct in its area, no listing it decided) answers
        404 exactly as an unknown id, so sequential ids tell nothing; the attempt is audited."""
        async with self.db.read() as session:
            found = await reads.person_and_access(session, actor, person_id)
            if found is None:
                raise reads.person_not_found(person_id)
            if found[1]:
                return await self._wire(session, found[0], actor)
        raise await reads.hide_person(self.db, self.clock, actor, "person.read", person_id)

    async def _read(self, actor: Actor, person_id: int) -> s.Person:
        """The person after a role change the actor was allowed to make."""
        async with self.db.read() as session:
            return await self._wire(session, await session.get_one(Person, person_id), actor)

    async def add_role(self, actor: Actor, person_id: int, data: s.RoleCreate) -> s.Person:
        if data.valid_to is not None and data.valid_to < data.valid_from:
            raise ValidationFailed(
                [FieldProblem("valid_to", "before_start", "任职结束日期早于开始日期", "valid_to is before valid_from")]
            )
        now = self.clock.now()
        async with self.db.write() as session:
            person = await session.get(Person, person_id)
            if person is None:
                raise reads.person_not_found(person_id)
            enterprise = await session.scalar(select(Enterprise).where(Enterprise.uscc == data.uscc))
            if enterprise is None:
                # the unit is named in the body, not the address: a 422 naming the field, not a 404
                raise ValidationFailed(
                    [
                        FieldProblem(
                            "uscc",
                            "unknown_enterprise",
                            f"未登记的统一社会信用代码 {data.uscc}",
                            f"no enterprise with USCC {data.uscc}",
                        )
                    ]
                )
            divisions = await locations(session, enterprise)
            allowed = actor.may_act_on(divisions)
            if allowed:
                if (
                    data.role == "agency_responsible"
                    and await session.scalar(select(Agency.id).where(Agency.enterprise_id == enterprise.id)) is None
                ):
                    raise ValidationFailed(
                        [
                            FieldProblem(
                                "role",
                                "not_agency",
                                "该单位不是中介机构",
                                "agency_responsible applies to intermediary agencies only",
                            )
                        ]
                    )
                role = PersonRole(
                    person_id=person.id,
                    enterprise_id=enterprise.id,
                    role=data.role,
                    valid_from=data.valid_from,
                    valid_to=data.valid_to,
                    recorded_at=now,
                )
                session.add(role)
                await session.flush()
                await audit.record(
                    session,
                    actor,
                    now,
                    [
                        audit.Change(
                            "person.role.add",
                            "person",
                            str(person.id),
                            None,
                            {
                                "role_id": role.id,
                                "uscc": data.uscc,
                                "role": data.role,
                                "valid_from": data.valid_from.isoformat(),
                                "valid_to": data.valid_to.isoformat() if data.valid_to else None,
                            },
                        )
                    ],
                )
        if not allowed:
            await deny(
                self.db, self.clock, actor, "person.role.add", "person", str(person_id), f"division {divisions[0]}"
            )
        return await self._read(actor, person_id)

    async def end_role(self, actor: Actor, person_id: int, role_id: int, data: s.RoleEnd) -> s.Person:
        now = self.clock.now()
        async with self.db.write() as session:
            role = await session.get(PersonRole, role_id)
            if role is None or role.person_id != person_id:
                raise NotFound(f"任职记录 {role_id} 不存在 / no role {role_id} for person {person_id}")
            enterprise = await session.get(Enterprise, role.enterprise_id)
            assert enterprise is not None
            # the same area test as add_role: located or operating in the actor's area
            divisions = await locations(session, enterprise)
            allowed = actor.may_act_on(divisions)
            if allowed:
                if role.valid_to is not None:
                    raise Conflict(f"任职已于 {role.valid_to} 结束 / role already ended on {role.valid_to}")
                if data.valid_to < role.valid_from:
                    raise ValidationFailed(
                        [
                            FieldProblem(
                                "valid_to",
                                "before_start",
                                "任职结束日期早于开始日期",
                                "valid_to is before the role's valid_from",
                            )
                        ]
                    )
                role.valid_to = data.valid_to
                await audit.record(
                    session,
                    actor,
                    now,
                    [
                        audit.Change(
                            "person.role.end",
                            "person",
                            str(person_id),
                            {"role_id": role_id, "valid_to": None},
                            {"role_id": role_id, "valid_to": data.valid_to.isoformat()},
                        )
                    ],
                )
        if not allowed:
            await deny(
                self.db,
                self.clock,
                actor,
                "person.role.end",
                "person",
                str(person_id),
                f"division {enterprise.division_code}",
            )
        return await self._read(actor, person_id)

    async def _wire(self, session: AsyncSession, person: Person, actor: Actor) -> s.Person:
        """The person with the roles in units ``actor`` may read (a role elsewhere is part of that
        unit's file), in one query."""
        rows = (
            await session.execute(
                select(PersonRole, Enterprise.uscc, Enterprise.name)
                .join(Enterprise, Enterprise.id == PersonRole.enterprise_id)
                .where(
                    PersonRole.person_id == person.id,
                    reads.unit_readable(actor, Enterprise.id, Enterprise.division_code),
                )
                .order_by(PersonRole.id)
            )
        ).all()
        roles = [
            s.Role(r.id, uscc, name, r.role, PERSON_ROLES.get(r.role, r.role), r.valid_from, r.valid_to)
            for r, uscc, name in rows
        ]
        return s.Person(person.id, person.name, person.id_masked, roles, person.created_at)

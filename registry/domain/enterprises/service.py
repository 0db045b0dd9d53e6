"""The enterprise register: register, read, update, search; each change audited in its transaction."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import msgspec
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from registry.db.engine import Database
from registry.db.models import (
    Agency,
    Enterprise,
    EnterpriseAlias,
    EnterpriseName,
    OperatingDivision,
    Person,
    PersonRole,
)
from registry.domain import audit, changes, reads
from registry.domain.actors import Actor
from registry.domain.enterprises import schemas as s
from registry.domain.enterprises.records import (
    Update,
    apply_updates,
    checked_snapshot,
    insert_enterprises,
    load_aliases,
    snapshot,
)
from registry.domain.enterprises.search import SearchQuery, plan_for_the_values, search_statements
from registry.domain.enterprises.validation import check_create
from registry.domain.identifiers import lookup_division
from registry.domain.jurisdiction import deny, locations
from registry.domain.vocabulary import INDUSTRIES, SCALES
from registry.domain.wire import translate
from registry.errors import Conflict, NotFound, ValidationFailed
from registry.lib.clock import Clock, today


class EnterpriseService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    # -- reads ---------------------------------------------------------------------------------

    async def get(self, actor: Actor, uscc: str) -> s.Enterprise:
        """The unit's full file with its name history: within the actor's area or for a unit it
        decided on (``registry.domain.reads``); elsewhere 403, audited, naming the public answers."""
        async with self.db.read() as session:
            found = await reads.unit_and_access(session, actor, uscc)
            if found is None:
                raise _unknown(uscc)
            row, readable = found
            if readable:
                return await self._file(session, row)
        raise await reads.refuse_unit(self.db, self.clock, actor, "enterprise.read", row)

    async def _read(self, uscc: str) -> s.Enterprise:
        """The file after a write the actor was allowed to make (it passed the area test)."""
        async with self.db.read() as session:
            row = await session.scalar(select(Enterprise).where(Enterprise.uscc == uscc))
            if row is None:
                raise _unknown(uscc)
            return await self._file(session, row)

    async def _file(self, session: AsyncSession, row: Enterprise) -> s.Enterprise:
        [item] = await self._to_wire(session, [row])
        names = (
            await session.scalars(
                select(EnterpriseName).where(EnterpriseName.enterprise_id == row.id).order_by(EnterpriseName.id)
            )
        ).all()
        item.names = [s.NameRecord(n.name, n.valid_from, n.recorded_at) for n in names]
        return item

    async def search(self, actor: Actor, query: SearchQuery) -> s.EnterprisePage:
        """Units located or operating in the actor's area only (a wider ``division`` is narrowed to
        it, one elsewhere finds nothing); units decided on outside it are read one by one."""
        inside, division = reads.narrowed(actor, query.division)
        if not inside:
            return s.EnterprisePage(items=[], next_cursor=None)
        query = dataclasses.replace(query, division=division)
        async with self.db.read() as session:
            found: dict[tuple[str, ...], Enterprise] = {}
            await plan_for_the_values(session)
            for statement in search_statements(query):
                found.update((query.key(e), e) for e in await session.scalars(statement))
            rows = [found[k] for k in sorted(found)][: query.limit + 1]
            more = len(rows) > query.limit
            rows = rows[: query.limit]
            items = await self._to_wire(session, rows)
        return s.EnterprisePage(items=items, next_cursor=query.cursor_after(*query.key(rows[-1])) if more else None)

    async def _to_wire(self, session: AsyncSession, rows: Sequence[Enterprise]) -> list[s.Enterprise]:
        """Whole page in four queries, whatever its size (no query per row)."""
        ids = [r.id for r in rows]
        if not ids:
            return []
        aliases: dict[int, dict[str, str]] = {}
        for a in await session.scalars(select(EnterpriseAlias).where(EnterpriseAlias.enterprise_id.in_(ids))):
            aliases.setdefault(a.enterprise_id, {})[a.kind] = a.value
        operating: dict[int, list[str]] = {}
        for o in await session.scalars(
            select(OperatingDivision)
            .where(OperatingDivision.enterprise_id.in_(ids))
            .order_by(OperatingDivision.division_code)
        ):
            operating.setdefault(o.enterprise_id, []).append(o.division_code)
        agencies = set(await session.scalars(select(Agency.enterprise_id).where(Agency.enterprise_id.in_(ids))))
        principals = await self._principals(session, ids)
        out = []
        for r in rows:
            division = lookup_division(r.division_code)
            out.append(
                s.Enterprise(
                    uscc=r.uscc,
                    name=r.name,
                    division_code=r.division_code,
                    division_name=division.full_name if division else None,
                    reg_division=r.reg_division,
                    industry=r.industry,
                    industry_name=INDUSTRIES.get(r.industry, r.industry),
                    scale=r.scale,
                    scale_name=SCALES.get(r.scale, r.scale),
                    parent_uscc=r.parent_uscc,
                    address=r.address,
                    status=r.status,
                    registration_no=aliases.get(r.id, {}).get("registration_no"),
                    org_code=aliases.get(r.id, {}).get("org_code"),
                    operating_divisions=operating.get(r.id, []),
                    principal=principals.get(r.id),
                    flags=[msgspec.convert(f, s.Flag) for f in r.flags],
                    version=r.version,
                    created_at=r.created_at,
                    updated_at=r.updated_at,
                    is_agency=r.id in agencies,
                )
            )
        return out

    async def _principals(self, session: AsyncSession, ids: list[int]) -> dict[int, s.PersonInRole]:
        on = today(self.clock)
        stmt = (
            select(PersonRole, Person)
            .join(Person, Person.id == PersonRole.person_id)
            .where(
                PersonRole.enterprise_id.in_(ids),
                PersonRole.role == "principal",
                PersonRole.valid_from <= on,
                (PersonRole.valid_to.is_(None)) | (PersonRole.valid_to >= on),
            )
            .order_by(PersonRole.valid_from)
        )
        found: dict[int, s.PersonInRole] = {}
        for role, person in (await session.execute(stmt)).all():
            found[role.enterprise_id] = s.PersonInRole(
                person.id, person.name, person.id_masked, "principal", role.valid_from, role.valid_to
            )
        return found

    # -- writes --------------------------------------------------------------------------------

    async def create(self, actor: Actor, data: s.EnterpriseCreate) -> s.Enterprise:
        checked = check_create(data, today(self.clock))
        if not actor.may_act_on([checked.division_code, *checked.operating_divisions]):
            await deny(
                self.db,
                self.clock,
                actor,
                "enterprise.create",
                "enterprise",
                checked.uscc,
                f"division {checked.division_code}",
            )
        now = self.clock.now()
        try:
            async with self.db.write() as session:
                if await session.scalar(select(Enterprise.id).where(Enterprise.uscc == checked.uscc)) is not None:
                    raise Conflict(
                        f"统一社会信用代码 {checked.uscc} 已登记 / USCC {checked.uscc} is already registered"
                    )
                await self._check_aliases_free(session, checked.registration_no, checked.org_code, None)
                await insert_enterprises(session, [checked], now)
                await audit.record(
                    session,
                    actor,
                    now,
                    [audit.Change("enterprise.create", "enterprise", checked.uscc, None, checked_snapshot(checked))],
                )
                await changes.record_usccs(session, now, [checked.uscc])
        except IntegrityError as exc:
            raise _raced(checked.uscc) from exc
        return await self._read(checked.uscc)

    async def _check_aliases_free(
        self, session: AsyncSession, registration_no: str | None, org_code: str | None, enterprise_id: int | None
    ) -> None:
        for kind, value in (("registration_no", registration_no), ("org_code", org_code)):
            if value is None:
                continue
            owner = await session.scalar(
                select(EnterpriseAlias.enterprise_id).where(
                    EnterpriseAlias.kind == kind, EnterpriseAlias.value == value
                )
            )
            if owner is not None and owner != enterprise_id:
                raise Conflict(
                    f"{kind} {value} 已属于另一企业 / {kind} {value} belongs to another enterprise",
                    extra={"field": kind},
                )

    async def update(self, actor: Actor, uscc: str, patch: s.EnterpriseUpdate) -> s.Enterprise:
        try:
            changed = await self._update(actor, uscc, patch)
        except IntegrityError as exc:
            raise _raced(uscc) from exc
        except _Denied as denied:
            await deny(
                self.db, self.clock, actor, "enterprise.update", "enterprise", uscc, f"division {denied.division}"
            )
        return changed if changed is not None else await self._read(uscc)

    async def _update(self, actor: Actor, uscc: str, patch: s.EnterpriseUpdate) -> s.Enterprise | None:
        now = self.clock.now()
        async with self.db.write() as session:
            # locked until commit, so a concurrent update from the same version waits and then gets 409
            # (PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises writers) instead of overwriting
            row = await session.scalar(select(Enterprise).where(Enterprise.uscc == uscc).with_for_update())
            if row is None:
                raise _unknown(uscc)
            aliases = await load_aliases(session, row.id)
            here = await locations(session, row)
            operating = here[1:]
            if not actor.may_act_on(here):
                raise _Denied(row.division_code)
            before = snapshot(row, aliases, operating)
            checked = check_create(_merge(before, patch), today(self.clock))
            # after the change it must still be in the actor's area, by the same test as create: located
            # or operating there (a location-only test refused every edit by an operating-division bureau)
            if not actor.may_act_on([checked.division_code, *checked.operating_divisions]):
                raise _Denied(checked.division_code)
            if patch.version != row.version:
                raise Conflict(
                    f"版本冲突：当前版本为 {row.version} / version conflict: current version is {row.version}",
                    extra={"current": before},
                )
            status = row.status if patch.status is msgspec.UNSET else patch.status
            after = checked_snapshot(checked, row.version + 1) | {"status": status}
            if _same(before, after):
                return None
            await self._check_aliases_free(session, checked.registration_no, checked.org_code, row.id)
            await apply_updates(session, [Update(row, checked, before, status)], now)
            await audit.record(
                session, actor, now, [audit.Change("enterprise.update", "enterprise", uscc, before, after)]
            )
            await changes.record(session, now, "enterprise", enterprise_ids=[row.id])
        return None


def _unknown(uscc: str) -> NotFound:
    return NotFound(f"未登记的统一社会信用代码 {uscc} / no enterprise with USCC {uscc}")


def _raced(uscc: str) -> Conflict:
    """A unique key (USCC or legacy code) taken by a concurrent request after this one checked it."""
    return Conflict(
        f"{uscc} 或其旧代码刚被另一请求登记，请重新读取后再试 / {uscc} or one of its legacy codes was just "
        "registered by a concurrent request; read it again and retry"
    )


def _same(before: dict[str, Any], after: dict[str, Any]) -> bool:
    return {k: v for k, v in before.items() if k != "version"} == {k: v for k, v in after.items() if k != "version"}


class _Denied(Exception):
    def __init__(self, division: str) -> None:
        self.division = division


def _merge(before: dict[str, Any], patch: s.EnterpriseUpdate) -> s.EnterpriseCreate:
    fields = {k: v for k, v in msgspec.structs.asdict(patch).items() if v is not msgspec.UNSET and k != "version"}
    fields.pop("status", None)
    merged = {k: v for k, v in before.items() if k not in ("status", "version")} | fields
    try:
        return msgspec.convert(merged, s.EnterpriseCreate, strict=False)
    except msgspec.ValidationError as exc:
        raise ValidationFailed([translate(str(exc))]) from exc

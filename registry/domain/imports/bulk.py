"""Writing a batch of imported events: each row checked as the API checks it, the good ones written
together.

Per batch, in one transaction: what the rows name (units, their locations, agencies, persons,
authorities, the penalty decisions already recorded under their numbers, locked on PostgreSQL) is
read in a handful of queries (``BatchLookups``); every row then goes through
``EventService.checked``, the code ``POST /api/v1/events`` runs, with its answers taken from what
was read; the good rows are inserted by one multi-row INSERT in a savepoint, audited in one call
(one entry per event, in row order) and told to the change feed once per subject and batch.

A row whose check needs the rows of its own batch (a decision number repeated in the batch, whose
refusal names the earlier event's id; links to events; a credit repair, checked against the
stored events) first has the rows before it written, then is checked against the database. If the
batch's INSERT fails, its rows are inserted again one by one, each in a savepoint, so a row the
database refuses costs only itself.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Table, func, insert, select, text
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from registry.db.among import among
from registry.db.models import Agency, Authority, CreditEvent, Enterprise, OperatingDivision, Person
from registry.domain import audit, changes
from registry.domain.actors import Actor
from registry.domain.events.lookups import Lookups, decision_key
from registry.domain.events.query import effective
from registry.domain.events.repair import REPAIR
from registry.domain.events.schemas import EventCreate
from registry.domain.events.service import EventService, audited_row
from registry.domain.identifiers import IdentifierError, parse_uscc
from registry.domain.jurisdiction import refusal
from registry.errors import Conflict, OutsideJurisdiction, RegistryError


@dataclass(slots=True)
class BulkStats:
    """How the rows of an import were written (not part of the report's wire form)."""

    batches: int = 0
    #: rows inserted by their batch's multi-row INSERT
    bulk_rows: int = 0
    #: rows inserted one by one after their batch's INSERT failed
    retried_rows: int = 0
    #: times a batch wrote its rows so far because a row's check needed them stored
    early_writes: int = 0
    #: rows written when the events' statistics were last refreshed (PostgreSQL)
    analyzed_at: int = 0


class _NeedsStored(Exception):
    """A check needs this batch's rows not yet written (to name an event id, or to query)."""


@dataclass(slots=True)
class _Decided:
    """An effective penalty under a decision number: stored (id) or in this batch, unwritten."""

    id: int | None
    details: dict[str, Any]


@dataclass  # no slots: they make a new class, which zero-argument super() does not know
class BatchLookups(Lookups):
    """The register as a batch's rows name it, read once; what was not read is asked as usual."""

    #: the USCCs as written in the rows: their canonical form, or why they are not one
    codes: dict[str, str | IdentifierError] = field(default_factory=dict)
    units: dict[str, Enterprise | None] = field(default_factory=dict)
    operating: dict[int, list[str]] = field(default_factory=dict)
    agencies: dict[int, bool] = field(default_factory=dict)
    persons: dict[int, bool] = field(default_factory=dict)
    authorities: dict[str, Authority | None] = field(default_factory=dict)
    #: decision keys locked and read, and the effective penalties by decision number
    locked: set[str] = field(default_factory=set)
    decided: dict[str, list[_Decided]] = field(default_factory=dict)
    #: rows checked but not yet inserted
    unwritten: int = 0

    @classmethod
    async def load(cls, session: AsyncSession, actor: Actor, batch: list[EventCreate]) -> BatchLookups:
        look = cls()
        for data in batch:
            given = data.subject.uscc
            if data.subject.type != "person" and given and given not in look.codes:
                try:
                    look.codes[given] = parse_uscc(given).value
                except IdentifierError as err:  # refused by the row's check, with this reason
                    look.codes[given] = err
        codes = {c for c in look.codes.values() if isinstance(c, str)}
        if codes:
            look.units = dict.fromkeys(codes)
            for e in await session.scalars(select(Enterprise).where(among(session, Enterprise.uscc, codes))):
                look.units[e.uscc] = e
        ids = [e.id for e in look.units.values() if e is not None]
        if ids:
            look.operating = {i: [] for i in ids}
            rows = await session.execute(
                select(OperatingDivision.enterprise_id, OperatingDivision.division_code)
                .where(among(session, OperatingDivision.enterprise_id, ids))
                .order_by(OperatingDivision.enterprise_id, OperatingDivision.division_code)
            )
            for unit, division in rows:
                look.operating[unit].append(division)
            if any(d.subject.type == "agency" for d in batch):
                look.agencies = dict.fromkeys(ids, False)
                for unit in await session.scalars(
                    select(Agency.enterprise_id).where(among(session, Agency.enterprise_id, ids))
                ):
                    look.agencies[unit] = True
        wanted = {d.subject.person_id for d in batch if d.subject.type == "person" and d.subject.person_id}
        if wanted:
            look.persons = dict.fromkeys(wanted, False)
            for person in await session.scalars(select(Person.id).where(among(session, Person.id, wanted))):
                look.persons[person] = True
        await look._load_authorities(session, batch)
        await look._load_decisions(session, actor, batch)
        return look

    async def _load_authorities(self, session: AsyncSession, batch: list[EventCreate]) -> None:
        named = {d.recording_authority for d in batch if d.recording_authority}
        named |= {str(d.details["deciding_authority"]) for d in batch if d.details.get("deciding_authority")}
        if named:
            self.authorities = dict.fromkeys(named)
            for a in await session.scalars(select(Authority).where(among(session, Authority.division_code, named))):
                self.authorities[a.division_code] = a

    async def _load_decisions(self, session: AsyncSession, actor: Actor, batch: list[EventCreate]) -> None:
        """Lock the decision numbers of the batch's penalties (sorted: two imports never wait on
        each other in a cycle) and read the effective penalties under them, before any row is
        checked: the same lock and the same question as a single record, asked once."""
        own = None
        if actor.role != "admin" and actor.authority_id is not None:
            own_authority = await session.get(Authority, actor.authority_id)
            own = own_authority.division_code if own_authority is not None else None
        keys: dict[str, str] = {}
        for d in batch:
            number = d.details.get("decision_no")
            if d.kind != "penalty" or not isinstance(number, str) or not number:
                continue
            deciding = d.details.get("deciding_authority") or (d.recording_authority if own is None else own)
            if isinstance(deciding, str):
                keys[decision_key(deciding, number)] = number
        if not keys:
            return
        if session.get_bind().dialect.name == "postgresql":
            await session.execute(
                text("SELECT pg_advisory_xact_lock(hashtext(k)) FROM unnest(CAST(:keys AS text[])) AS k"),
                {"keys": sorted(keys)},
            )
        numbers = set(keys.values())
        self.decided = {n: [] for n in numbers}
        rows = await session.execute(
            select(CreditEvent.id, CreditEvent.reference_no, CreditEvent.details).where(
                CreditEvent.kind == "penalty", among(session, CreditEvent.reference_no, numbers), effective()
            )
        )
        for event_id, number, details in rows:
            self.decided[number].append(_Decided(event_id, details))
        self.locked = set(keys)

    # ---- answers from what was read ---------------------------------------------------------

    def code_of(self, uscc: str) -> str:
        if uscc not in self.codes:
            return super().code_of(uscc)
        code = self.codes[uscc]
        if isinstance(code, IdentifierError):
            raise code
        return code

    async def find_unit(self, session: AsyncSession, uscc: str) -> Enterprise | None:
        if uscc in self.units:
            return self.units[uscc]
        return await super().find_unit(session, uscc)

    async def is_agency(self, session: AsyncSession, enterprise_id: int) -> bool:
        if enterprise_id in self.agencies:
            return self.agencies[enterprise_id]
        return await super().is_agency(session, enterprise_id)

    async def locations(self, session: AsyncSession, enterprise: Enterprise) -> list[str]:
        if enterprise.id in self.operating:
            return [enterprise.division_code, *self.operating[enterprise.id]]
        return await super().locations(session, enterprise)

    async def person_exists(self, session: AsyncSession, person_id: int) -> bool:
        if person_id in self.persons:
            return self.persons[person_id]
        return await super().person_exists(session, person_id)

    async def find_authority(self, session: AsyncSession, division: str) -> Authority | None:
        if division in self.authorities:
            return self.authorities[division]
        return await super().find_authority(session, division)

    async def existing_events(self, session: AsyncSession, ids: list[int]) -> set[int]:
        if self.unwritten:
            raise _NeedsStored
        return await super().existing_events(session, ids)

    async def decisions(
        self, session: AsyncSession, deciding_authority: str, decision_no: str
    ) -> list[tuple[int, dict[str, Any]]]:
        if decision_key(deciding_authority, decision_no) not in self.locked:
            if self.unwritten:
                raise _NeedsStored
            return await super().decisions(session, deciding_authority, decision_no)
        same = self.decided.get(decision_no, [])
        if any(d.id is None and d.details.get("deciding_authority") == deciding_authority for d in same):
            raise _NeedsStored  # the refusal names the earlier row's event id
        return [(d.id, d.details) for d in same if d.id is not None]

    def note(self, row: dict[str, Any]) -> _Decided | None:
        """A checked row, about to be written: later rows of the batch see its decision number."""
        if row["kind"] != "penalty":
            return None
        entry = _Decided(None, row["details"])
        self.decided.setdefault(row["details"]["decision_no"], []).append(entry)
        return entry


@dataclass(slots=True)
class _Unwritten:
    position: int
    row: dict[str, Any]
    decided: _Decided | None


class BulkWriter:
    def __init__(self, events: EventService) -> None:
        self.events = events

    async def write(self, actor: Actor, batch: list[EventCreate], stats: BulkStats) -> list[int | RegistryError]:
        """Like ``EventService.record_many``: an event id or the refusal, for each item in order;
        refusals outside the area are audited once the batch is committed."""
        db, clock = self.events.db, self.events.clock
        now = clock.now()
        out: list[int | RegistryError] = []
        outside: list[tuple[int, EventCreate, str]] = []
        written: list[tuple[int, dict[str, Any]]] = []
        async with db.write() as session:
            look = await BatchLookups.load(session, actor, batch)
            unwritten: list[_Unwritten] = []

            async def store() -> None:
                await self._insert(session, actor, now, unwritten, out, written, stats)
                unwritten.clear()
                look.unwritten = 0

            for position, data in enumerate(batch):
                out.append(OutsideJurisdiction("?"))  # a place holder, always replaced below
                if (data.links or data.kind == REPAIR) and unwritten:
                    stats.early_writes += 1
                    await store()  # these checks read the stored events
                try:
                    try:
                        checked = await self.events.checked(session, actor, data, look)
                    except _NeedsStored:
                        stats.early_writes += 1
                        await store()
                        checked = await self.events.checked(session, actor, data, look)
                except RegistryError as exc:
                    out[position] = exc
                    continue
                if isinstance(checked, str):
                    outside.append((position, data, checked))
                    out[position] = OutsideJurisdiction(checked)  # replaced by the audited refusal
                    continue
                unwritten.append(_Unwritten(position, checked, look.note(checked)))
                look.unwritten += 1
            await store()
            stats.batches += 1
            if written:
                await audit.record(
                    session,
                    actor,
                    now,
                    [audit.Change("event.record", "event", str(i), None, audited_row(row)) for i, row in written],
                )
                await _tell_changes(session, now, written, look)
        for i, data, place in outside:
            out[i] = await refusal(db, clock, actor, "event.record", "event", data.kind, f"division {place}")
        await self._refresh_statistics(stats)
        return out

    async def _refresh_statistics(self, stats: BulkStats) -> None:
        """Keep PostgreSQL's estimates of the events table honest while an import grows it (as the
        enterprise importer does): believing it small, the planner answers a batch's decision
        numbers (``reference_no = ANY(...)``) by reading every penalty, 15 ms a batch at 18,000
        events and growing with the table, instead of 0.8 ms by the index. Re-analysing whenever
        the rows written since doubled costs log2(n) ANALYZE runs."""
        written = stats.bulk_rows + stats.retried_rows
        if self.events.db.dialect != "postgresql" or written < max(2 * stats.analyzed_at, 5_000):
            return
        async with self.events.db.write() as session:
            await session.execute(text("ANALYZE credit_events"))
        stats.analyzed_at = written

    @staticmethod
    async def _insert(
        session: AsyncSession,
        actor: Actor,
        now: dt.datetime,
        unwritten: list[_Unwritten],
        out: list[int | RegistryError],
        written: list[tuple[int, dict[str, Any]]],
        stats: BulkStats,
    ) -> None:
        if not unwritten:
            return
        rows = [{**u.row, "recorded_at": now, "recorded_by": actor.id} for u in unwritten]
        # Core, not the ORM's bulk INSERT: that splits the rows into runs of the same non-null
        # columns (an accident, then a penalty: one statement each); here one statement per 1000
        table = cast(Table, CreditEvent.__table__)
        ids: list[int | None]
        try:
            async with session.begin_nested():
                ids = list(await _insert_all(session, table, rows))
            stats.bulk_rows += len(rows)
        except DBAPIError:
            ids = []
            for row in rows:  # one by one: a row the database refuses costs only itself
                try:
                    async with session.begin_nested():
                        ids.append((await session.scalars(insert(table).returning(table.c.id), [row])).one())
                    stats.retried_rows += 1
                except (IntegrityError, DataError):  # anything else is no fault of the row: raised
                    ids.append(None)
        for u, row, event_id in zip(unwritten, rows, ids, strict=True):
            if event_id is None:
                out[u.position] = Conflict(
                    "该行与已存储的数据冲突，未写入 / the row conflicts with stored data and was not written"
                )
                if u.decided is not None:
                    u.decided.details = {}  # not stored: no longer a clash for later rows
                continue
            out[u.position] = event_id
            if u.decided is not None:
                u.decided.id = event_id
            written.append((event_id, row))


async def _insert_all(session: AsyncSession, table: Table, rows: list[dict[str, Any]]) -> list[int]:
    """Insert ``rows``; their ids in order. PostgreSQL numbers an ordered multi-row INSERT ...
    RETURNING; SQLite cannot order RETURNING (SQLAlchemy would send a statement per row), but its
    one writer holds the database and numbers new rows upwards: the ids above the largest before
    the INSERT are the rows', in order."""
    if session.get_bind().dialect.name == "postgresql":
        stmt = insert(table).returning(table.c.id, sort_by_parameter_order=True)
        return list(await session.scalars(stmt, rows))
    before = await session.scalar(select(func.max(table.c.id))) or 0
    await session.execute(insert(table), rows)
    ids = list(await session.scalars(select(table.c.id).where(table.c.id > before).order_by(table.c.id)))
    if len(ids) != len(rows):  # another writer on the same file: impossible under SQLite's lock
        raise RuntimeError(f"inserted {len(rows)} events, found {len(ids)} new ids")
    return ids


async def _tell_changes(
    session: AsyncSession, now: dt.datetime, written: list[tuple[int, dict[str, Any]]], look: BatchLookups
) -> None:
    """The change feed: once per subject and batch (a credit repair as such), as the enterprise
    importer does; the subject's data version is the seq of its last change either way."""
    by_kind: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for _, row in written:
        by_kind["credit_repair" if row["kind"] == REPAIR else "event"].append(row)
    usccs = {e.id: e.uscc for e in look.units.values() if e is not None}
    for kind, rows in by_kind.items():
        await changes.record(
            session,
            now,
            kind,
            enterprise_ids=[row["enterprise_id"] for row in rows],
            person_ids=[row["person_id"] for row in rows],
            usccs=usccs,
        )

"""Recording credit events and their amendments, and reading the effective view or the chains.

Events are only ever inserted. An amendment (correction, follow-up, withdrawal) is a new row
that supersedes exactly one effective row; the database's unique constraint on ``supersedes_id``
decides between two officers amending the same event at once.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import msgspec
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from registry.db.engine import Database
from registry.db.models import Authority, CreditEvent, Enterprise
from registry.domain import audit, changes, reads
from registry.domain.actors import Actor
from registry.domain.enterprises.validation import check_division, check_text
from registry.domain.events import kinds as k
from registry.domain.events import repair
from registry.domain.events import schemas as s
from registry.domain.events.lookups import DIRECT, Lookups, problem
from registry.domain.events.query import EventQuery, event_statement, wire_events
from registry.domain.identifiers import covers
from registry.domain.jurisdiction import deny, locations, refusal
from registry.errors import Conflict, FieldProblem, NotFound, OutsideJurisdiction, RegistryError, ValidationFailed
from registry.lib.clock import Clock, today
from registry.rules.model import Ruleset


@dataclass(slots=True)
class _Where:
    """Who an event is about and where: what the area check needs, found before the body is judged
    (an officer outside the area gets 403, audited, whatever else is wrong with the request)."""

    enterprise_id: int | None
    person_id: int | None
    #: the place (given, or the unit's registered division)
    place: str
    #: for units: where they are located or operate (one must be in the actor's area)
    unit_locations: list[str] | None


@dataclass(slots=True)
class _Resolved:
    """An EventCreate checked against the register: ready to insert."""

    row: dict[str, Any]
    where: _Where


_problem = problem


class EventService:
    def __init__(self, db: Database, clock: Clock, rulesets: tuple[Ruleset, ...] = ()) -> None:
        self.db = db
        self.clock = clock
        #: the rules the credit repair of a penalty is checked by, and its repair notice read from
        self.rulesets = rulesets

    # ---- writing -----------------------------------------------------------------------------

    async def record(self, actor: Actor, data: s.EventCreate) -> s.EventDetail:
        return await self._read(await self.record_id(actor, data))

    async def record_id(self, actor: Actor, data: s.EventCreate) -> int:
        """Record and return the new id only (the importer does not read each row back)."""
        now = self.clock.now()
        async with self.db.write() as session:
            where = await self._locate(session, data)
            allowed = self._may_record(actor, where)
            if allowed:
                resolved = await self._resolve(session, actor, data, where)
                event = CreditEvent(**resolved.row, recorded_at=now, recorded_by=actor.id)
                session.add(event)
                await session.flush()
                await audit.record(
                    session, actor, now, [audit.Change("event.record", "event", str(event.id), None, audited(event))]
                )
                await changes.record_event(session, now, event)
                event_id = event.id
        if not allowed:
            await deny(self.db, self.clock, actor, "event.record", "event", data.kind, f"division {where.place}")
        return event_id

    async def record_many(self, actor: Actor, batch: list[s.EventCreate]) -> list[int | RegistryError]:
        """Record a batch in one transaction, each event in a savepoint: an event refused (checks,
        area) rolls back alone and is answered with its error, in order, the others are kept. The
        same checks as ``record_id`` (the importer's path: one commit and one audit call per batch
        instead of per row, DESIGN 3); refusals outside the area are audited after the batch."""
        now = self.clock.now()
        out: list[int | RegistryError] = []
        #: (position, event, place) of the refusals outside the area: audited once the batch is
        #: committed (the audit of a refusal takes a write transaction of its own)
        outside: list[tuple[int, s.EventCreate, str]] = []
        async with self.db.write() as session:
            kept: list[CreditEvent] = []
            for data in batch:
                try:
                    async with session.begin_nested():
                        where = await self._locate(session, data)
                        if not self._may_record(actor, where):
                            outside.append((len(out), data, where.place))
                            out.append(OutsideJurisdiction(where.place))  # replaced by the audited refusal
                            continue
                        resolved = await self._resolve(session, actor, data, where)
                        event = CreditEvent(**resolved.row, recorded_at=now, recorded_by=actor.id)
                        session.add(event)
                        await session.flush()
                        await changes.record_event(session, now, event)
                except RegistryError as exc:
                    out.append(exc)
                    continue
                kept.append(event)
                out.append(event.id)
            if kept:
                await audit.record(
                    session,
                    actor,
                    now,
                    [audit.Change("event.record", "event", str(e.id), None, audited(e)) for e in kept],
                )
        for i, data, place in outside:
            out[i] = await refusal(self.db, self.clock, actor, "event.record", "event", data.kind, f"division {place}")
        return out

    async def checked(
        self, session: AsyncSession, actor: Actor, data: s.EventCreate, look: Lookups
    ) -> dict[str, Any] | str:
        """The row ``record_id`` would insert for ``data`` (the same checks, the register read
        through ``look``), or the place when it is outside the actor's area; raises the
        RegistryError the API would answer. The events importer's batches
        (``registry.domain.imports.bulk``) insert and audit the rows themselves."""
        where = await self._locate(session, data, look=look)
        if not self._may_record(actor, where):
            return where.place
        return (await self._resolve(session, actor, data, where, look=look)).row

    async def amend(self, actor: Actor, event_id: int, data: s.AmendmentCreate) -> s.EventDetail:
        now = self.clock.now()
        reason = _reason(data)
        try:
            async with self.db.write() as session:
                original = await self._effective_for_update(session, event_id)
                old_places = await self._places_of(session, original)
                old = _Where(original.enterprise_id, original.person_id, *old_places)
                where = old if data.event is None else await self._locate(session, data.event, "event.")
                allowed = self._may_record(actor, old) and self._may_record(actor, where)
                if allowed:
                    if original.kind == repair.REPAIR and data.code != "withdrawal":
                        raise _problem(
                            "code",
                            "repair_not_amendable",
                            "信用修复记录只能撤回（如弄虚作假），不能更正；撤回后可重新记录",
                            "a credit repair can only be withdrawn (e.g. obtained by fraud), then recorded anew",
                        )
                    if data.event is None:  # a withdrawal: the fact's identity, no content
                        row = {c: getattr(original, c) for c in _COPIED}
                        row.update(details={}, accident_grade=None, links=[], remarks=None)
                        resolved = _Resolved(row, old)
                    else:
                        resolved = await self._resolve(
                            session, actor, data.event, where, prefix="event.", replacing=original.id
                        )
                        _check_same(original, resolved, data.code)
                    event = CreditEvent(
                        **resolved.row,
                        supersedes_id=original.id,
                        amendment=data.code,
                        amendment_reason=reason,
                        recorded_at=now,
                        recorded_by=actor.id,
                    )
                    session.add(event)
                    await session.flush()
                    await audit.record(
                        session,
                        actor,
                        now,
                        [
                            audit.Change(
                                f"event.{data.code}",
                                "event",
                                str(event.id),
                                audited(original),
                                audited(event),
                                detail=f"supersedes {original.id}: {reason}",
                            )
                        ],
                    )
                    await changes.record_event(session, now, original, event)
                    new_id = event.id
        except IntegrityError as exc:
            raise Conflict(
                f"事件 {event_id} 刚被另一请求更正，请重新读取 / event {event_id} was just amended by a concurrent "
                "request; read it again"
            ) from exc
        if not allowed:
            await deny(self.db, self.clock, actor, f"event.{data.code}", "event", str(event_id), "another area")
        return await self._read(new_id)

    @staticmethod
    def _may_record(actor: Actor, where: _Where) -> bool:
        if not actor.may_act_on([where.place]):
            return False
        return where.unit_locations is None or actor.may_act_on(where.unit_locations)

    async def _effective_for_update(self, session: AsyncSession, event_id: int) -> CreditEvent:
        # FOR UPDATE on PostgreSQL (SQLite's writer already holds the database lock)
        original = await session.scalar(select(CreditEvent).where(CreditEvent.id == event_id).with_for_update())
        if original is None:
            raise NotFound(f"没有编号为 {event_id} 的事件 / no event {event_id}")
        successor = await session.scalar(select(CreditEvent.id).where(CreditEvent.supersedes_id == event_id))
        if successor is not None:
            raise Conflict(
                f"事件 {event_id} 已被事件 {successor} 取代，只能更正现行记录 / event {event_id} was already "
                f"superseded by event {successor}; amend the effective one",
                extra={"superseded_by": successor},
            )
        if original.amendment == "withdrawal":
            raise Conflict(f"事件 {event_id} 是一条撤回记录 / event {event_id} is a withdrawal")
        return original

    async def _places_of(self, session: AsyncSession, event: CreditEvent) -> tuple[str, list[str] | None]:
        if event.enterprise_id is None:
            return event.division_code, None
        enterprise = await session.get_one(Enterprise, event.enterprise_id)
        return event.division_code, await locations(session, enterprise)

    async def _locate(
        self, session: AsyncSession, data: s.EventCreate, prefix: str = "", look: Lookups = DIRECT
    ) -> _Where:
        """The subject and the place, or 422 naming what does not exist."""
        problems: list[FieldProblem] = []
        division = data.division_code
        if division is not None:
            check_division(prefix + "division_code", division, problems, [])
        if problems:
            raise ValidationFailed(problems)
        if data.subject.type != "person":
            enterprise = await look.unit(session, data.subject.uscc, data.subject.type, prefix)
            places = await look.locations(session, enterprise)
            return _Where(enterprise.id, None, division or enterprise.division_code, places)
        if data.subject.person_id is None:
            raise _problem(prefix + "subject.person_id", "required", "人员须给出 person_id", "person_id is required")
        if not await look.person_exists(session, data.subject.person_id):
            raise _problem(
                prefix + "subject.person_id",
                "unknown_person",
                f"没有编号为 {data.subject.person_id} 的人员",
                f"no person {data.subject.person_id}",
            )
        if division is None:
            raise _problem(
                prefix + "division_code",
                "required",
                "以人员为对象的事件须给出发生地区划代码",
                "an event about a person needs division_code",
            )
        return _Where(None, data.subject.person_id, division, None)

    async def _resolve(
        self,
        session: AsyncSession,
        actor: Actor,
        data: s.EventCreate,
        where: _Where,
        prefix: str = "",
        replacing: int | None = None,
        look: Lookups = DIRECT,
    ) -> _Resolved:
        problems: list[FieldProblem] = []
        details, detail_problems = k.parse_details(data.kind, data.details)
        problems += [FieldProblem(prefix + p.field, p.code, p.message_zh, p.message_en) for p in detail_problems]
        on = today(self.clock)
        if data.occurred_on > on:
            problems.append(
                FieldProblem(
                    prefix + "occurred_on",
                    "future_date",
                    f"事件日期不能晚于今天 {on}",
                    f"occurred_on is after today ({on})",
                )
            )
        if details is not None:
            for p in k.check_details(details, data.occurred_on, on):
                problems.append(FieldProblem(prefix + p.field, p.code, p.message_zh, p.message_en))
        source = check_text(prefix + "source_document", data.source_document, 200, problems, required=True)
        remarks = check_text(prefix + "remarks", data.remarks, 2000, problems, required=False)
        if data.subject.type not in k.SUBJECTS[data.kind]:
            allowed = "、".join(k.SUBJECTS[data.kind])
            problems.append(
                FieldProblem(
                    prefix + "subject.type",
                    "subject_not_allowed",
                    f"{k.KINDS[data.kind]}事件的对象只能是 {allowed}",
                    f"a {data.kind} event is about: {allowed}",
                )
            )
        if problems:
            raise ValidationFailed(problems)
        if data.kind == repair.REPAIR:
            await repair.check(
                session, self.rulesets, (where.enterprise_id, where.person_id), data.links, data.occurred_on, prefix
            )
        division = where.place

        authority = await self._recording_authority(session, actor, data, prefix, look)
        # a bureau records as its own authority: whether that covers the place is the jurisdiction
        # check (403, audited); only an admin naming another authority can get this one wrong
        if actor.role == "admin" and not covers(_jurisdiction(authority), division):
            raise _problem(
                prefix + "recording_authority",
                "authority_not_covering",
                f"{authority.name}不管辖 {division}",
                f"the recording authority does not cover division {division}",
            )
        links = await look.links(session, data.links, prefix)
        stored = msgspec.to_builtins(details)
        if isinstance(details, k.PenaltyDetails):
            stored["deciding_authority"] = await self._deciding_authority(
                session, details, authority, division, prefix, look
            )
            await look.unique_decision(session, stored, replacing)
        return _Resolved(
            {
                "kind": data.kind,
                "subject_type": data.subject.type,
                "enterprise_id": where.enterprise_id,
                "person_id": where.person_id,
                "division_code": division,
                "occurred_on": data.occurred_on,
                "recording_authority_id": authority.id,
                "source_document": source,
                "details": stored,
                "accident_grade": k.derived(data.kind, stored).get("grade"),
                "reference_no": _reference(stored),
                "links": links,
                "remarks": remarks,
            },
            where,
        )

    @staticmethod
    async def _recording_authority(
        session: AsyncSession, actor: Actor, data: s.EventCreate, prefix: str, look: Lookups
    ) -> Authority:
        field = prefix + "recording_authority"
        if actor.role != "admin":
            if data.recording_authority is not None:
                raise _problem(
                    field,
                    "not_allowed",
                    "记录机关即本账户所属机关，不可指定",
                    "only admins may name the recording authority",
                )
            if actor.authority_id is None:
                raise _problem(field, "no_authority", "本账户不属于任何机关", "this account belongs to no authority")
            return await session.get_one(Authority, actor.authority_id)
        if data.recording_authority is None:
            raise _problem(
                field, "required", "管理员须指明代哪个机关记录（区划代码）", "admins must name the recording authority"
            )
        return await look.authority(session, data.recording_authority, field)

    @staticmethod
    async def _deciding_authority(
        session: AsyncSession,
        details: k.PenaltyDetails,
        recording: Authority,
        division: str,
        prefix: str,
        look: Lookups,
    ) -> str:
        field = prefix + "details.deciding_authority"
        if details.deciding_authority is None:
            return recording.division_code
        found = await look.authority(session, details.deciding_authority, field)
        if not covers(_jurisdiction(found), division):
            raise _problem(
                field,
                "authority_not_covering",
                f"{found.name}不管辖 {division}，不能作出该处罚",
                f"the deciding authority does not cover division {division}",
            )
        return found.division_code

    # ---- reading -----------------------------------------------------------------------------

    async def get(self, actor: Actor, event_id: int) -> s.EventDetail:
        """An event with its chain: readable where it happened, by the authority that recorded it,
        or when its subject's file is open to the actor (``registry.domain.reads``); else 403, audited."""
        async with self.db.read() as session:
            row = (
                await session.execute(
                    select(CreditEvent, reads.event_readable(actor)).where(CreditEvent.id == event_id)
                )
            ).first()
            if row is None:
                raise NotFound(f"没有编号为 {event_id} 的事件 / no event {event_id}")
            event, readable = row[0], bool(row[1])
            if readable:
                return await self._detail(session, event, self.rulesets)
        raise await refusal(
            self.db, self.clock, actor, "event.read", "event", str(event_id), f"division {event.division_code}"
        )

    async def _read(self, event_id: int) -> s.EventDetail:
        """The event after a write the actor was allowed to make (it passed the area test)."""
        async with self.db.read() as session:
            return await self._detail(session, await session.get_one(CreditEvent, event_id), self.rulesets)

    @staticmethod
    async def _detail(session: AsyncSession, event: CreditEvent, rulesets: tuple[Ruleset, ...]) -> s.EventDetail:
        chain = await _chain(session, event)
        wired = await wire_events(session, chain)
        this = next(w for w in wired if w.id == event.id)
        if event.kind == "penalty" and this.effective:
            # 两书同达: the repair notice served with the penalty decision (DOMAIN 8.10)
            found = await repair.penalty_notice(session, rulesets, event)
            if found is not None:
                this.derived = {**this.derived, "repair_notice": found}
        return s.EventDetail(**{f: getattr(this, f) for f in this.__struct_fields__}, chain=wired)

    async def search(self, actor: Actor, query: EventQuery) -> s.EventPage:
        """A unit's or a person's events when the actor may read that subject (a unit elsewhere:
        403; a person elsewhere: the empty page an unknown id gets; both audited), otherwise the
        events that happened in the actor's area (a wider ``division`` is narrowed to it, one
        elsewhere finds nothing)."""
        empty = s.EventPage([], None)
        refused: Enterprise | None = None
        hidden = False
        async with self.db.read() as session:
            if query.uscc is not None:
                found = await reads.unit_and_access(session, actor, query.uscc)
                if found is None:
                    return empty
                refused = None if found[1] else found[0]
            elif query.person_id is not None:
                person = await reads.person_and_access(session, actor, query.person_id)
                if person is None:
                    return empty
                hidden = not person[1]
            else:
                inside, division = reads.narrowed(actor, query.division)
                if not inside:
                    return empty
                query = dataclasses.replace(query, division=division)
            if refused is None and not hidden:
                rows = list((await session.scalars(event_statement(query).limit(query.limit + 1))).all())
                page = rows[: query.limit]
                items = await wire_events(session, page)
                more = len(rows) > query.limit
                return s.EventPage(items, EventQuery.cursor_after(page[-1]) if more and page else None)
        if refused is not None:
            raise await reads.refuse_unit(self.db, self.clock, actor, "event.read", refused)
        assert query.person_id is not None
        await reads.audit_hidden(self.db, self.clock, actor, "event.read", query.person_id)
        return empty


_COPIED = ("kind", "subject_type", "enterprise_id", "person_id", "division_code", "occurred_on",
           "recording_authority_id", "source_document", "reference_no")  # fmt: skip


def _reason(data: s.AmendmentCreate) -> str:
    problems: list[FieldProblem] = []
    reason = check_text("reason", data.reason, 2000, problems, required=True)
    if data.code == "withdrawal" and data.event is not None:
        problems.append(
            FieldProblem("event", "not_allowed", "撤回不附新的事件内容", "a withdrawal carries no replacement event")
        )
    if data.code != "withdrawal" and data.event is None:
        problems.append(
            FieldProblem("event", "required", "更正或后续进展须给出完整的新事件内容", "the amended event is required")
        )
    if problems:
        raise ValidationFailed(problems)
    assert reason is not None
    return reason


def _check_same(original: CreditEvent, resolved: _Resolved, code: str) -> None:
    row = resolved.row
    if row["kind"] != original.kind:
        raise _problem(
            "event.kind",
            "kind_changed",
            f"更正不能改变事件类别（原为 {original.kind}）；请撤回后重新记录",
            f"an amendment keeps the kind ({original.kind}); withdraw and record anew instead",
        )
    same_subject = (row["subject_type"], row["enterprise_id"], row["person_id"]) == (
        original.subject_type,
        original.enterprise_id,
        original.person_id,
    )
    if code == "follow_up" and not same_subject:
        raise _problem(
            "event.subject",
            "subject_changed",
            "后续进展不能改变事件对象；对象记错请用更正 (correction)",
            "a follow-up keeps the subject; use a correction if the subject was wrong",
        )


def _reference(details: dict[str, Any]) -> str | None:
    for key in ("decision_no", "order_no", "judgment_no"):
        if details.get(key):
            return str(details[key])
    return None


def _jurisdiction(authority: Authority) -> str:
    from registry.domain.accounts.authorities import jurisdiction_prefix  # noqa: PLC0415

    return jurisdiction_prefix(authority.level, authority.division_code)


def audited(event: CreditEvent) -> dict[str, Any]:
    return audited_row({f: getattr(event, f) for f in _AUDITED})


_AUDITED = ("kind", "subject_type", "enterprise_id", "person_id", "division_code", "occurred_on",
            "source_document", "details", "links")  # fmt: skip


def audited_row(row: dict[str, Any]) -> dict[str, Any]:
    """An event's audit entry content from its row (the importer audits rows it inserted in bulk)."""
    return {
        "kind": row["kind"],
        "subject_type": row["subject_type"],
        "enterprise_id": row["enterprise_id"],
        "person_id": row["person_id"],
        "division_code": row["division_code"],
        "occurred_on": row["occurred_on"].isoformat(),
        "source_document": row["source_document"],
        "details": row["details"],
        "links": row["links"],
    }


async def _chain(session: AsyncSession, event: CreditEvent) -> list[CreditEvent]:
    """Every version of the fact this event is part of, oldest first."""
    chain = [event]
    while chain[0].supersedes_id is not None:
        chain.insert(0, await session.get_one(CreditEvent, chain[0].supersedes_id))
    while True:
        nxt = await session.scalar(select(CreditEvent).where(CreditEvent.supersedes_id == chain[-1].id))
        if nxt is None:
            return chain
        chain.append(nxt)


__all__ = ["EventService"]

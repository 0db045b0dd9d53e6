"""The events importer's batches (``registry.domain.imports.bulk``) against the single-record path.

The same file goes into two fresh databases seeded alike: once row by row through
``EventService.record_id`` (what ``POST /api/v1/events`` runs, a transaction per row), once through
the importer's batches. Reports, stored events, audit entries, the subjects told to the change
feed and the rules' decisions must come out the same, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import msgspec
import pytest
from sqlalchemy import select, text

from registry.db.models import AuditEntry, CreditEvent, Enterprise, SubjectChange
from registry.domain.actors import Actor, system_actor
from registry.domain.audit import verify_chain
from registry.domain.container import Services, build_services
from registry.domain.enterprises.schemas import EnterpriseCreate
from registry.domain.evaluation.schemas import EvaluateRequest, SubjectRef
from registry.domain.events.schemas import EventCreate
from registry.domain.imports.bulk import BulkStats
from registry.domain.imports.events import EVENT_COLUMNS, EventImporter, EventImportReport, row_to_event
from registry.domain.imports.readers import read_csv
from registry.domain.persons.schemas import PersonCreate
from registry.domain.wire import translate
from registry.errors import RegistryError, ValidationFailed
from registry.lib.clock import FixedClock, today
from registry.settings import Settings
from tests import factories as f
from tests.conftest import settings_for
from tests.integration import support as t

HEADER = ["kind", "subject_type", "uscc", "id_number", "occurred_on", "division_code", "source_document",
          "deaths", "serious_injuries", "direct_loss_cny", "responsible", "summary", "decision_no",
          "legal_basis", "fine_cny", "description", "type", "links"]  # fmt: skip

#: rows per batch in these tests: small, so that bad rows fall mid-batch and across batches
BATCH = 8


class World(msgspec.Struct):
    """What both databases are seeded with (the same identifiers in each)."""

    units: list[str]
    outside: str
    id_number: str
    stranger: str


def accident(uscc: str, n: int, deaths: str = "1", day: str = "2026-02-14") -> dict[str, str]:
    return {
        "kind": "accident", "uscc": uscc, "occurred_on": day, "source_document": f"事故报告{n}", "deaths": deaths,
        "serious_injuries": "0", "direct_loss_cny": "100000", "responsible": "是", "summary": f"事故{n}",
    }  # fmt: skip


def penalty(uscc: str, number: str, day: str = "2026-03-02", **more: str) -> dict[str, str]:
    return {
        "kind": "penalty", "uscc": uscc, "occurred_on": day, "source_document": number, "decision_no": number,
        "legal_basis": "《中华人民共和国安全生产法》第一百一十四条", "fine_cny": "300000", **more,
    }  # fmt: skip


def rows_of(world: World, stored_event: int, today: dt.date) -> list[dict[str, str]]:
    """About 60 rows, good and bad mixed; row n of the list is row n + 2 of the file."""
    u = world.units
    rows: list[dict[str, str]] = []
    for n in range(40):
        unit = u[n % len(u)]
        rows.append(accident(unit, n, deaths=str(n % 4)) if n % 2 else penalty(unit, f"豫罚〔2026〕{n}号"))
    bad = [
        penalty(u[0], "豫罚〔2026〕4号"),  # repeats a row of an earlier batch
        penalty(u[1], "豫罚〔2026〕100号"),
        penalty(u[1], "豫罚〔2026〕100号"),  # repeats the row before it, in the same batch
        penalty(u[-1], "郑罚〔2025〕1号"),  # repeats the penalty stored before the import
        accident(u[3], 900, day=(today + dt.timedelta(days=1)).isoformat()),  # in the future
        accident(world.stranger, 901),  # not registered
        accident(u[3][:-1] + ("1" if u[3][-1] != "1" else "2"), 902),  # check character wrong
        accident(world.outside, 903),  # outside the bureau's area
        accident(u[4], 904, deaths="-1"),  # out of range
        {**accident(u[4], 905), "decision_no": "不该有"},  # a penalty's column on an accident
        {**penalty(u[5], "豫罚〔2026〕200号"), "links": str(stored_event)},  # links a stored event: good
        {**accident(u[5], 906), "links": "99999999"},  # links an event that does not exist
        {"kind": "flight", "subject_type": "人员", "id_number": world.id_number, "occurred_on": "2026-02-14",
         "division_code": "410103", "source_document": "逃匿认定书", "description": "事故后逃匿", "type": "fled"},
        {"kind": "flight", "subject_type": "人员", "id_number": world.id_number, "occurred_on": "2026-02-14",
         "source_document": "逃匿认定书", "description": "无发生地", "type": "fled"},  # no place
        {"kind": "火灾", "uscc": u[0], "occurred_on": "2026-02-14", "source_document": "文书"},  # unknown kind
    ]  # fmt: skip
    # the bad rows spread over the good ones, so that most batches have some in their middle
    for i, row in enumerate(bad):
        rows.insert(3 + i * 4, row)
    return rows


def csv_bytes(rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    for row in rows:
        assert not set(row) - set(HEADER), row
        writer.writerow([row.get(h, "") for h in HEADER])
    return out.getvalue().encode()


Twin = Callable[[], Awaitable[Services]]


@pytest.fixture
async def twins(settings: Settings, clock: FixedClock, worker: str, tmp_path: Path) -> AsyncIterator[Twin]:
    """Fresh databases of the session's backend, with services over them (same clock)."""
    backend = "postgres" if settings.database.url.startswith("postgresql") else "sqlite"
    made: list[Services] = []

    async def make() -> Services:
        tag = f"{worker}_bulk{len(made)}_{secrets.token_hex(3)}"
        (tmp_path / tag).mkdir()
        own = await settings_for(backend, tag, tmp_path / tag)
        services = build_services(own, clock)
        made.append(services)
        return services

    yield make
    for services in made:
        await services.close()


async def seed(services: Services, world: World) -> tuple[Actor, int]:
    """The bureau of 410103, the units, the person and one stored penalty (of the last unit); its id."""
    admin = system_actor("test")
    actor = await t.actor(services, name="郑州市二七区应急管理局")
    await t.actor(services, division="410104", name="管城回族区应急管理局")
    for i, uscc in enumerate([*world.units, world.outside]):
        division = "410104" if uscc == world.outside else "410103"
        data = f.enterprise(division, uscc=uscc, name=f"批量导入测试企业{i}有限公司")
        await services.enterprises.create(admin, msgspec.convert(data, EnterpriseCreate))
    await services.persons.create(actor, PersonCreate(id_number=world.id_number, name="张三"))
    number = "郑罚〔2025〕1号"
    details = {"decision_no": number, "legal_basis": "安全生产法", "fine_cny": 50000}
    stored = msgspec.convert(
        {"kind": "penalty", "subject": {"type": "enterprise", "uscc": world.units[-1]}, "occurred_on": "2025-06-01",
         "source_document": number, "details": details},
        EventCreate,
    )  # fmt: skip
    return actor, await services.events.record_id(actor, stored)


async def one_by_one(services: Services, actor: Actor, content: bytes) -> EventImportReport:
    """The file through the single-record path: each row parsed as the importer parses it, then
    ``EventService.record_id`` (a transaction per row, as ``POST /api/v1/events``)."""
    importer = services.event_importer
    report = EventImportReport()
    _, rows = read_csv(content, EVENT_COLUMNS)
    for row in rows:
        report.rows += 1
        try:
            raw, id_number = row_to_event(row.values)
            if id_number is not None:
                raw["subject"]["person_id"] = await importer._person_id(id_number)
            try:
                data = msgspec.convert(raw, EventCreate, strict=False)
            except msgspec.ValidationError as exc:
                raise ValidationFailed([translate(str(exc))]) from exc
            event_id = await services.events.record_id(actor, data)
        except RegistryError as exc:
            EventImporter._refused(report, row.number, exc)
            continue
        report.recorded += 1
        report.event_ids.append(event_id)
    return report


async def stored(services: Services, world: World, actor: Actor) -> dict[str, Any]:
    """Everything the import may have changed, in comparable form."""
    async with services.db.read() as session:
        found = list(await session.scalars(select(CreditEvent).order_by(CreditEvent.id)))
        assert {e.recorded_by for e in found} == {actor.id}  # the account's id, random in each database
        events = [
            {c.key: getattr(e, c.key) for c in CreditEvent.__table__.columns if c.key != "recorded_by"} for e in found
        ]
        audited = sorted(
            (a.action, a.target_type, a.target_id, a.outcome, msgspec.json.encode(a.after, order="sorted"), a.detail)
            for a in await session.scalars(select(AuditEntry).where(AuditEntry.action == "event.record"))
        )
        told = {(c.subject_key, c.kind) for c in await session.scalars(select(SubjectChange))}
        latest: dict[str, int] = {}
        for c in await session.scalars(select(SubjectChange)):
            latest[c.subject_key] = max(latest.get(c.subject_key, 0), c.seq)
        versions = {f"e:{e.id}": e.data_version for e in await session.scalars(select(Enterprise))}
        chain = await verify_chain(await session.stream_scalars(select(AuditEntry).order_by(AuditEntry.id)))
    assert chain.ok, chain
    # each unit's data version is the seq of its last change, whichever way its changes were told
    assert all(versions[k] == seq for k, seq in latest.items() if k.startswith("e:")), (versions, latest)
    decisions = {}
    for uscc in [*world.units, world.outside]:
        answer = await services.evaluation.evaluate(EvaluateRequest(subject=SubjectRef(uscc=uscc)), system_actor("t"))
        decisions[uscc] = msgspec.to_builtins(answer.decision)
    return {"events": events, "audited": audited, "told": told, "decisions": decisions}


async def test_batches_store_what_the_single_record_path_stores(twins: Twin, clock: FixedClock):
    world = World(
        units=[f.uscc("410103") for _ in range(6)],
        outside=f.uscc("410104"),
        id_number=f.resident_id(),
        stranger=f.uscc("410103"),
    )
    single, bulk = await twins(), await twins()
    (actor_a, stored_a), (actor_b, stored_b) = await seed(single, world), await seed(bulk, world)
    assert stored_a == stored_b
    content = csv_bytes(rows_of(world, stored_a, today(clock)))

    by_one = await one_by_one(single, actor_a, content)
    stats = BulkStats()
    _, rows = read_csv(content, EVENT_COLUMNS)
    batched = await bulk.event_importer.run(actor_b, rows, batch_rows=BATCH, stats=stats)

    # the batches ran: most rows in multi-row INSERTs, and rows that needed their batch's earlier
    # rows stored (a decision number repeated in the batch, links) had them written first
    assert stats.batches >= 6
    assert stats.bulk_rows == batched.recorded
    assert stats.early_writes >= 2
    assert (batched.rows, batched.recorded, batched.rejected) == (55, 43, 12)
    assert msgspec.to_builtins(batched) == msgspec.to_builtins(by_one)
    codes = {(e.field, e.code) for e in batched.errors}
    assert {("(row)", "conflict"), ("(row)", "outside_jurisdiction"), ("subject.uscc", "unknown_enterprise"),
            ("links[0]", "unknown_event"), ("occurred_on", "future_date"), ("kind", "enum")} <= codes  # fmt: skip
    conflicts = [e for e in batched.errors if e.code == "conflict"]
    assert len(conflicts) == 3  # the earlier batch's row, the row just before, the stored penalty
    assert any(str(stored_b) in e.message_en for e in conflicts)

    a, b = await stored(single, world, actor_a), await stored(bulk, world, actor_b)
    assert len(b["events"]) == 1 + 43
    assert b["events"] == a["events"]
    assert b["audited"] == a["audited"]
    assert b["told"] == a["told"]
    assert b["decisions"] == a["decisions"]
    assert len(b["decisions"]) == 7


async def test_the_path_before_batches_still_agrees(twins: Twin, clock: FixedClock):
    """``bulk=False`` (a savepoint and an INSERT per row) reports the same as the batches."""
    world = World([f.uscc("410103") for _ in range(6)], f.uscc("410104"), f.resident_id(), f.uscc("410103"))
    one, other = await twins(), await twins()
    (actor_a, stored_a), (actor_b, _) = await seed(one, world), await seed(other, world)
    content = csv_bytes(rows_of(world, stored_a, today(clock)))
    _, rows = read_csv(content, EVENT_COLUMNS)
    before = await one.event_importer.run(actor_a, rows, batch_rows=BATCH, bulk=False)
    stats = BulkStats()
    _, rows = read_csv(content, EVENT_COLUMNS)
    after = await other.event_importer.run(actor_b, rows, batch_rows=BATCH, stats=stats)
    assert stats.bulk_rows == after.recorded == 43
    assert msgspec.to_builtins(after) == msgspec.to_builtins(before)


async def test_bad_rows_mid_batch_are_reported_and_the_rest_stored(twins: Twin):
    world = World([f.uscc("410103") for _ in range(2)], f.uscc("410104"), f.resident_id(), f.uscc("410103"))
    services = await twins()
    actor, _ = await seed(services, world)
    unit = world.units[0]
    rows = [
        accident(unit, 1),
        penalty(unit, "豫罚〔2026〕1号"),
        accident(world.stranger, 2),  # row 4: not registered
        accident(unit, 3, deaths="三"),  # row 5: not a number
        penalty(unit, "豫罚〔2026〕1号"),  # row 6: the number of row 3, not yet stored when checked
        accident(unit, 4),
    ]
    stats = BulkStats()
    _, reader = read_csv(csv_bytes(rows), EVENT_COLUMNS)
    report = await services.event_importer.run(actor, reader, batch_rows=len(rows), stats=stats)
    assert (report.recorded, report.rejected, stats.batches, stats.bulk_rows) == (3, 3, 1, 3)
    assert [(e.row, e.field, e.code) for e in report.errors] == [
        (4, "subject.uscc", "unknown_enterprise"),
        (5, "details.deaths", "type"),
        (6, "(row)", "conflict"),
    ]
    async with services.db.read() as session:
        kept = list(await session.scalars(select(CreditEvent).where(CreditEvent.id.in_(report.event_ids))))
    assert sorted(e.source_document for e in kept) == ["事故报告1", "事故报告4", "豫罚〔2026〕1号"]
    assert str(report.event_ids[1]) in report.errors[2].message_en  # names the event row 3 became


async def test_a_batch_the_database_refuses_is_written_row_by_row(twins: Twin):
    """A trigger (a real refusal by the database, no stand-in) fails one row's INSERT: the batch's
    multi-row INSERT fails with it, its rows are inserted one by one and only that row is lost."""
    world = World([f.uscc("410103")], f.uscc("410104"), f.resident_id(), f.uscc("410103"))
    services = await twins()
    actor, _ = await seed(services, world)
    async with services.db.write() as session:
        if services.db.dialect == "postgresql":
            await session.execute(
                text(
                    "CREATE FUNCTION refuse_poisoned() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                    "IF NEW.source_document = '拒收' THEN RAISE EXCEPTION 'refused' USING ERRCODE = '23514'; "
                    "END IF; RETURN NEW; END $$"
                )
            )
            await session.execute(
                text(
                    "CREATE TRIGGER refuse_poisoned BEFORE INSERT ON credit_events "
                    "FOR EACH ROW EXECUTE FUNCTION refuse_poisoned()"
                )
            )
        else:
            await session.execute(
                text(
                    "CREATE TRIGGER refuse_poisoned BEFORE INSERT ON credit_events "
                    "WHEN NEW.source_document = '拒收' BEGIN SELECT RAISE(ABORT, 'refused'); END"
                )
            )
    unit = world.units[0]
    rows = [accident(unit, 1), accident(unit, 2), {**accident(unit, 3), "source_document": "拒收"}, accident(unit, 4)]
    stats = BulkStats()
    _, reader = read_csv(csv_bytes(rows), EVENT_COLUMNS)
    report = await services.event_importer.run(actor, reader, batch_rows=10, stats=stats)
    assert (report.recorded, report.rejected, stats.bulk_rows, stats.retried_rows) == (3, 1, 0, 3)
    assert [(e.row, e.field, e.code) for e in report.errors] == [(4, "(row)", "conflict")]
    async with services.db.read() as session:
        stored = list(await session.scalars(select(CreditEvent.source_document).where(CreditEvent.kind == "accident")))
        chain = await verify_chain(await session.stream_scalars(select(AuditEntry).order_by(AuditEntry.id)))
    assert sorted(stored) == ["事故报告1", "事故报告2", "事故报告4"]
    assert chain.ok

"""The COPY path of a national load (PostgreSQL) stores what the per-row path stores.

Two fresh databases get the same files, one through the per-row path (``copy_from=None``), one
through COPY (``copy_from=1``: every batch with a new unit): same enterprises, names, aliases,
operating divisions, change rows and data versions, same report, a summary table equal to a
recount, and an audit chain that verifies.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import msgspec
import pytest
from sqlalchemy import func, select
from sqlalchemy import text as sql
from sqlalchemy.ext.asyncio import create_async_engine
from stdnum.iso7064 import mod_11_10

from registry.db import report_summary
from registry.db.migrate import upgrade
from registry.db.models import (
    AuditEntry,
    Enterprise,
    EnterpriseAlias,
    EnterpriseName,
    OperatingDivision,
    ReportSummary,
    SubjectChange,
)
from registry.domain import changes
from registry.domain.actors import system_actor
from registry.domain.audit import verify_chain
from registry.domain.container import Services, build_services
from registry.domain.identifiers import make_uscc
from registry.domain.imports import copy_load, initial
from registry.domain.imports.importer import EnterpriseImporter, ImportReport
from registry.domain.imports.readers import Row, read_csv
from registry.errors import ValidationFailed
from registry.lib.clock import FixedClock
from registry.settings import DatabaseSettings, KeySettings, Settings
from tests.conftest import PG_ADMIN, _pg_database

HEADER = "uscc,name,division_code,industry,scale,registration_no,org_code,operating_divisions\n"


def uscc(n: int) -> str:
    return make_uscc("91", "410103" if n % 2 else "440305", f"MC{n:06d}")


def regno(n: int) -> str:
    body = f"410103{n:08d}"
    return body + mod_11_10.calc_check_digit(body)


def line(n: int, name: str | None = None, scale: str = "above_scale", **cells: str) -> str:
    values = {
        "uscc": uscc(n),
        "name": name or f"复制导入{n}有限公司",
        "division_code": "410103" if n % 2 else "440305",
        "industry": "machinery" if n % 3 else "commerce",
        "scale": scale,
        "registration_no": regno(n) if n % 4 == 0 else "",
        "org_code": "",
        "operating_divisions": "410105;410102" if n % 5 == 0 else "",
    } | cells
    return ",".join(values[k] for k in HEADER.strip().split(",")) + "\n"


def first_file() -> bytes:
    return (HEADER + "".join(line(n, scale=("above_scale", "micro")[n % 2]) for n in range(1, 31))).encode()


def second_file() -> bytes:
    """New units, registered ones (renamed, moved, unchanged) and bad rows of every kind."""
    rows = [line(n, scale=("above_scale", "micro")[n % 2]) for n in range(1, 11)]  # unchanged
    rows += [line(n, name=f"改名{n}股份有限公司") for n in range(11, 16)]  # renamed, regrouped
    rows += [line(n, division_code="410102") for n in range(17, 22, 2)]  # moved within Henan
    rows += [line(n) for n in range(100, 140)]  # new
    rows.append(line(145, operating_divisions="410199"))  # new, flagged (a division not in the table)
    rows.append(line(101))  # duplicate in the file
    rows.append(line(140, registration_no=regno(100)))  # repeats row 100's registration_no
    rows.append(line(141, registration_no=regno(24)))  # taken by a registered unit
    rows.append(line(142, operating_divisions="999999"))  # no such operating division
    rows.append(line(143, industry="steel"))
    bad = line(144)
    rows.append(bad.replace(uscc(144), uscc(144)[:-1] + ("1" if uscc(144)[-1] != "1" else "2")))
    return (HEADER + "".join(rows)).encode()


async def _services(tag: str, clock: FixedClock, tmp: Path) -> Services:
    url = await _pg_database(f"registry_copy_{tag}_{os.getpid()}")
    engine = create_async_engine(url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()
    settings = Settings(
        database=DatabaseSettings(url=url, pool_size=2),
        keys=KeySettings(directory=tmp / tag, passphrase="test-passphrase", person_id_key="11" * 32),
        log_level="WARNING",
    )
    return build_services(settings, clock)


@pytest.fixture
async def pair(tmp_path: Path) -> AsyncIterator[tuple[Services, Services, FixedClock]]:
    clock = FixedClock(dt.datetime(2026, 11, 20, 2, 0, tzinfo=dt.UTC))
    rows, copy = await _services("rows", clock, tmp_path), await _services("copy", clock, tmp_path)
    try:
        yield rows, copy, clock
    finally:
        await rows.close()
        await copy.close()
        conn = await asyncpg.connect(PG_ADMIN)
        try:
            for tag in ("rows", "copy"):
                await conn.execute(f'DROP DATABASE IF EXISTS "registry_copy_{tag}_{os.getpid()}" WITH (FORCE)')
        finally:
            await conn.close()


async def load(services: Services, data: bytes, copy_from: int | None, workers: int = 0) -> ImportReport:
    _, reader = read_csv(data)
    importer = EnterpriseImporter(services.db, services.clock, batch_rows=16, copy_from=copy_from, workers=workers)
    return await importer.run(system_actor("test"), reader)


async def stored(services: Services) -> dict[str, Any]:
    async with services.db.read() as session:
        units = {e.uscc: e for e in await session.scalars(select(Enterprise))}
        usccs = {e.id: e.uscc for e in units.values()}
        keys = [changes.enterprise_key(e.id) for e in units.values()]
        versions = await changes.versions_of(session, keys)
        feed = [
            (usccs[int(c.subject_key[2:])], c.kind, c.uscc)
            for c in await session.scalars(select(SubjectChange).order_by(SubjectChange.seq))
        ]
        summary = {
            (r.depth, r.area, r.day, r.industry, r.above_scale, r.level, r.kind): r.n
            for r in await session.scalars(select(ReportSummary))
            if r.n
        }
        recount = await session.run_sync(lambda s: report_summary.recount(s.connection()))
        chain = await verify_chain(await session.stream_scalars(select(AuditEntry).order_by(AuditEntry.id)))
        return {
            "enterprises": {
                e.uscc: (
                    e.name,
                    e.division_code,
                    e.reg_division,
                    e.industry,
                    e.scale,
                    e.parent_uscc,
                    e.address,
                    e.status,
                    e.flags,
                    e.version,
                    e.created_at,
                    e.updated_at,
                )
                for e in units.values()
            },
            # the data version on each row is its latest change's seq (what answers are made from)
            "versions_kept": all(versions[changes.enterprise_key(e.id)] == e.data_version for e in units.values()),
            "feed": feed,
            "names": sorted(
                (usccs[n.enterprise_id], n.name, n.valid_from, n.recorded_at)
                for n in await session.scalars(select(EnterpriseName))
            ),
            "aliases": sorted(
                (usccs[a.enterprise_id], a.kind, a.value) for a in await session.scalars(select(EnterpriseAlias))
            ),
            "divisions": sorted(
                (usccs[o.enterprise_id], o.division_code) for o in await session.scalars(select(OperatingDivision))
            ),
            "summary": summary,
            "summary_is_recount": summary == {k: n for k, n in recount.items() if n},
            "chain_ok": chain.ok,
        }


async def audit_actions(services: Services) -> list[tuple[str, str]]:
    async with services.db.read() as session:
        rows = await session.execute(select(AuditEntry.action, AuditEntry.target_type).order_by(AuditEntry.id))
        return [(a, t) for a, t in rows.all()]


async def test_copy_path_stores_what_the_row_path_stores(pair: tuple[Services, Services, FixedClock]) -> None:
    by_rows, by_copy, clock = pair
    for data in (first_file(), second_file()):
        expected = await load(by_rows, data, None)
        got = await load(by_copy, data, 1, workers=1)  # rows checked in a worker process too
        assert msgspec.to_builtins(got) == msgspec.to_builtins(expected)
        clock.at += dt.timedelta(days=3)
    assert (expected.created, expected.updated, expected.unchanged) == (41, 8, 10)
    assert {e.code for e in expected.errors} >= {"duplicate_in_file", "alias_taken"}
    rows_state, copy_state = await stored(by_rows), await stored(by_copy)
    assert copy_state == rows_state
    assert copy_state["versions_kept"]
    assert copy_state["summary_is_recount"]
    assert copy_state["chain_ok"]
    assert len(copy_state["enterprises"]) == 71
    assert copy_state["enterprises"][uscc(145)][8]  # its flags, stored alike
    # the COPY path audits each batch of new units once; updates keep an entry per unit
    actions = await audit_actions(by_copy)
    assert (copy_load.ACTION, copy_load.TARGET) in actions
    assert ("enterprise.create", "enterprise") not in actions
    assert actions.count(("enterprise.update", "enterprise")) == 8
    assert actions.count(("enterprise.create", "enterprise")) == 0


async def test_the_batch_entry_names_the_batch(pair: tuple[Services, Services, FixedClock]) -> None:
    _, by_copy, _ = pair
    await load(by_copy, first_file(), 1)
    async with by_copy.db.read() as session:
        entries = (await session.scalars(select(AuditEntry).where(AuditEntry.action == copy_load.ACTION))).all()
        units = (await session.execute(select(Enterprise.id, Enterprise.uscc).order_by(Enterprise.id))).all()
    assert sum(e.after["count"] for e in entries if e.after) == 30
    first = entries[0]
    batch = [u for i, u in units if first.after and first.after["first_id"] <= i <= first.after["last_id"]]
    assert first.target_id == copy_load.usccs_digest(batch) == (first.after or {})["usccs_sha256"]
    assert len(batch) == 16


async def test_reimport_changes_nothing_and_a_mixed_file_updates_in_place(
    pair: tuple[Services, Services, FixedClock],
) -> None:
    _, by_copy, _ = pair
    first = await load(by_copy, first_file(), 1)
    assert (first.created, first.rejected) == (30, 0)
    before = await stored(by_copy)
    again = await load(by_copy, first_file(), 1)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 30)
    assert await stored(by_copy) == before
    mixed = (HEADER + line(1, name="混合改名有限公司", scale="micro") + line(2) + line(200) + line(201)).encode()
    report = await load(by_copy, mixed, 1)
    assert (report.created, report.updated, report.unchanged) == (2, 1, 1)
    after = await stored(by_copy)
    assert after["enterprises"][uscc(1)][0] == "混合改名有限公司"
    assert after["versions_kept"]
    assert after["summary_is_recount"]
    assert after["chain_ok"]
    async with by_copy.db.read() as session:
        assert await session.scalar(select(func.count()).select_from(Enterprise)) == 32


async def index_definitions(services: Services) -> list[str]:
    """The indexes and constraints of the register's tables, as PostgreSQL prints them."""
    async with services.db.read() as session:
        indexes = await session.scalars(
            sql(
                "SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() "
                "AND tablename = ANY(:t) ORDER BY indexname"
            ),
            {"t": list(initial.TABLES)},
        )
        constraints = await session.execute(
            sql(
                "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), convalidated FROM pg_constraint "
                "WHERE conrelid::regclass::text = ANY(:t) ORDER BY 1, 2"
            ),
            {"t": list(initial.TABLES)},
        )
        return list(indexes) + [str(tuple(c)) for c in constraints]


async def test_a_first_load_stores_what_the_row_path_stores_and_builds_the_indexes_again(
    pair: tuple[Services, Services, FixedClock],
) -> None:
    """``--initial``: one transaction, the secondary indexes dropped and built again after the rows;
    the register ends as the per-row import leaves it, with the same indexes, and a first load
    into a register that is no longer empty is refused without a change."""
    by_rows, by_initial, _ = pair
    indexes = await index_definitions(by_initial)
    assert any("registry_name_bigrams" in d for d in indexes)
    assert any("FOREIGN KEY (enterprise_id) REFERENCES enterprises(id)" in d for d in indexes)
    expected = await load(by_rows, first_file(), None)
    _, reader = read_csv(first_file())
    importer = EnterpriseImporter(by_initial.db, by_initial.clock, batch_rows=16)
    got = await importer.run(system_actor("test"), reader, initial=True)
    assert msgspec.to_builtins(got) == msgspec.to_builtins(expected)
    assert got.created == 30
    state = await stored(by_initial)
    assert state == await stored(by_rows)
    assert state["versions_kept"]
    assert state["summary_is_recount"]
    assert state["chain_ok"]
    assert await index_definitions(by_initial) == indexes
    # the names are searchable through the rebuilt indexes
    async with by_initial.db.read() as session:
        await session.execute(sql("SET LOCAL enable_seqscan = off"))
        found = await session.scalar(
            sql("SELECT count(*) FROM enterprises WHERE registry_name_bigrams(name) @> ARRAY['复制']::text[]")
        )
    assert found == 30
    _, reader = read_csv(second_file())
    with pytest.raises(ValidationFailed) as refused:
        await importer.run(system_actor("test"), reader, initial=True)
    assert refused.value.problems[0].code == "register_not_empty"
    assert await stored(by_initial) == state


async def test_a_first_load_that_fails_leaves_the_register_empty_and_its_indexes_whole(
    pair: tuple[Services, Services, FixedClock],
) -> None:
    _, by_initial, _ = pair
    indexes = await index_definitions(by_initial)
    _, reader = read_csv(first_file())

    def broken() -> Iterator[Row]:
        for n, row in enumerate(reader):
            if n == 20:  # after a batch of 16 was written by COPY in the load's transaction
                raise RuntimeError("the file went away")
            yield row

    importer = EnterpriseImporter(by_initial.db, by_initial.clock, batch_rows=16)
    with pytest.raises(RuntimeError, match="went away"):
        await importer.run(system_actor("test"), broken(), initial=True)
    async with by_initial.db.read() as session:
        assert await session.scalar(select(func.count()).select_from(Enterprise)) == 0
        assert await session.scalar(select(func.count()).select_from(SubjectChange)) == 0
    assert await index_definitions(by_initial) == indexes
    # and the same load then goes through
    _, reader = read_csv(first_file())
    assert (await importer.run(system_actor("test"), reader, initial=True)).created == 30


async def test_a_first_load_is_refused_on_sqlite_and_on_a_register_in_use(services: Services) -> None:
    """SQLite has no such path; on PostgreSQL a register holding a unit is not loaded again."""
    _, reader = read_csv((HEADER + line(9001)).encode())
    await services.importer.run(system_actor("test"), reader)
    _, reader = read_csv(first_file())
    with pytest.raises(ValidationFailed) as refused:
        await services.importer.run(system_actor("test"), reader, initial=True)
    code = refused.value.problems[0].code
    if services.db.dialect == "sqlite":
        assert code == "postgresql_only"
    else:
        assert code == "register_not_empty"

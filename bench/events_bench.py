"""Credit events at national scale: list latency (effective view, filters, keyset pages) and the
cost of recording one penalty (duplicate check + advisory lock + audit), on PostgreSQL.

Builds its own database: N enterprises across the current counties of GB/T 2260 and M events
(half penalties, a quarter major hazards, accidents and the rest; 5% amended), loaded with COPY.

python -m bench.events_bench --enterprises 200000 --events 3000000
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import random
import statistics
import time

import asyncpg
from sqlalchemy.ext.asyncio import create_async_engine

from bench.common import bench_services
from registry.db.migrate import upgrade
from registry.demo.seed import _county_codes, demo_uscc
from registry.domain.actors import Actor, system_actor
from registry.domain.events.query import EventQuery
from registry.domain.events.schemas import EventCreate, SubjectRef

ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
KINDS = [
    ("penalty", 50),
    ("major_hazard", 25),
    ("accident", 10),
    ("enforcement_order", 6),
    ("licence_violation", 4),
    ("reporting_violation", 3),
    ("obstruction", 2),
]
NOW = dt.datetime(2026, 11, 26, tzinfo=dt.UTC)
#: reads everything, as a national bureau does (a county's reads are narrowed to its area)
BENCH = system_actor("bench")


def details(kind: str, n: int, rng: random.Random) -> tuple[str, str | None, str | None]:
    if kind == "penalty":
        no = f"应急罚〔{2018 + n % 9}〕{n}号"
        return (
            json.dumps(
                {"decision_no": no, "legal_basis": "安全生产法", "fine_cny": 30000, "deciding_authority": "000000"}
            ),
            None,
            no,
        )
    if kind == "accident":
        deaths = rng.choice([0, 0, 1, 1, 2, 3, 4, 11])
        grade = "ordinary" if deaths < 3 else "larger" if deaths < 10 else "major"
        body = {"deaths": deaths, "serious_injuries": 0, "direct_loss_cny": 1000, "responsible": True, "summary": "x"}
        return json.dumps(body), grade, None
    if kind == "major_hazard":
        return json.dumps({"description": "x", "rectification_deadline": "2026-12-31"}), None, None
    return json.dumps({"type": "x", "description": "x"}), None, None


async def load(url: str, enterprises: int, events: int) -> None:
    conn = await asyncpg.connect(url.replace("+asyncpg", ""))
    rng = random.Random(9162)
    counties = _county_codes()
    try:
        started = time.perf_counter()
        await conn.execute(
            "INSERT INTO authorities (id, division_code, level, name, created_at) VALUES (1, '000000', 'national', '应急管理部', now())"  # noqa: E501
        )
        divisions = [rng.choice(counties) for _ in range(enterprises)]
        await conn.copy_records_to_table(
            "enterprises",
            columns=[
                "id",
                "uscc",
                "name",
                "division_code",
                "reg_division",
                "industry",
                "scale",
                "status",
                "flags",
                "version",
                "created_at",
                "updated_at",
            ],
            records=(
                (i + 1, demo_uscc(i, d), f"企业{i}", d, d, "machinery", "above_scale", "active", "[]", 1, NOW, NOW)
                for i, d in enumerate(divisions)
            ),
        )
        weights = [w for _, w in KINDS]
        names = [k for k, _ in KINDS]
        amended = int(events * 0.05)
        start = dt.date(2018, 1, 1)

        def rows():  # type: ignore[no-untyped-def]
            for n in range(events):
                unit = rng.randrange(enterprises)
                kind = rng.choices(names, weights)[0]
                body, grade, ref = details(kind, n, rng)
                supersedes = n - amended + 1 if n >= events - amended else None  # the last 5% amend earlier rows
                if supersedes is not None:
                    unit = rng.randrange(enterprises)
                yield (
                    n + 1,
                    kind,
                    "enterprise",
                    unit + 1,
                    None,
                    divisions[unit],
                    start + dt.timedelta(days=rng.randrange(3250)),
                    1,
                    "文书",
                    ref,
                    body,
                    grade,
                    "[]",
                    None,
                    supersedes,
                    "correction" if supersedes else None,
                    None,
                    NOW,
                    "bench",
                )

        await conn.copy_records_to_table(
            "credit_events",
            columns=[
                "id",
                "kind",
                "subject_type",
                "enterprise_id",
                "person_id",
                "division_code",
                "occurred_on",
                "recording_authority_id",
                "source_document",
                "reference_no",
                "details",
                "accident_grade",
                "links",
                "remarks",
                "supersedes_id",
                "amendment",
                "amendment_reason",
                "recorded_at",
                "recorded_by",
            ],
            records=rows(),
        )
        for table in ("enterprises", "credit_events", "authorities"):
            await conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        await conn.execute("ANALYZE")
        print(f"loaded {enterprises} enterprises, {events} events in {time.perf_counter() - started:.0f} s")
    finally:
        await conn.close()


async def measure(url: str) -> None:
    services = bench_services(url)
    try:
        async with services.db.read() as session:
            from sqlalchemy import text  # noqa: PLC0415

            # enterprise 4242 (or the last one of a smaller load): the one the recorded figures used
            pick = "SELECT uscc, division_code FROM enterprises WHERE id <= 4242 ORDER BY id DESC LIMIT 1"
            some, county = (await session.execute(text(pick))).one()
        queries = [
            ("one enterprise (uscc)", EventQuery(uscc=some)),
            ("one enterprise, with history", EventQuery(uscc=some, history=True)),
            (f"county {county}", EventQuery(division=county)),
            (f"county {county} penalties", EventQuery(division=county, kind="penalty")),
            (
                "province 41 accidents 2025",
                EventQuery(
                    division="41", kind="accident", date_from=dt.date(2025, 1, 1), date_to=dt.date(2025, 12, 31)
                ),
            ),
            ("province 44, no filter", EventQuery(division="44")),
            ("nationwide accidents", EventQuery(kind="accident")),
            ("nationwide, no filter", EventQuery()),
        ]
        print("| query | page 1 (ms, best of 3) |\n|---|---|")
        for label, query in queries:
            times = []
            for _ in range(3):
                t0 = time.perf_counter()
                page = await services.events.search(BENCH, query)
                times.append((time.perf_counter() - t0) * 1000)
            print(f"| {label} ({len(page.items)} rows) | {min(times):.1f} |")
        query = EventQuery(division="44")
        t0 = time.perf_counter()
        pages = 0
        while pages < 20:
            page = await services.events.search(BENCH, query)
            pages += 1
            if page.next_cursor is None:  # a small load runs out of pages
                break
            query = EventQuery(division="44", after=EventQuery.decode_cursor(page.next_cursor))
        print(f"| province 44, pages 1-{pages} (keyset) | {(time.perf_counter() - t0) * 1000 / pages:.1f} per page |")

        admin = Actor(id="bench", role="admin", kind="system")
        latencies = []
        run = int(time.time())  # decision numbers of this run, so --reuse can measure again
        for i in range(200):
            data = EventCreate(
                kind="penalty",
                subject=SubjectRef(type="enterprise", uscc=some),
                occurred_on=dt.date(2026, 1, 5),
                source_document="bench",
                details={"decision_no": f"基准罚〔2026〕{run}-{i}号", "legal_basis": "安全生产法", "fine_cny": 1000},
                recording_authority="000000",
            )
            t0 = time.perf_counter()
            await services.events.record(admin, data)
            latencies.append((time.perf_counter() - t0) * 1000)
        print(
            f"| record one penalty (check, lock, insert, audit, read back), 200 in a row | "
            f"median {statistics.median(latencies):.1f}, p95 {sorted(latencies)[189]:.1f} |"
        )
    finally:
        await services.close()


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--enterprises", type=int, default=200_000)
    parser.add_argument("--events", type=int, default=3_000_000)
    parser.add_argument("--database", default="registry_bench_events")
    parser.add_argument("--reuse", action="store_true", help="measure an already loaded database")
    args = parser.parse_args()
    url = ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://") + "/" + args.database
    if not args.reuse:
        admin = await asyncpg.connect(ADMIN)
        await admin.execute(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{args.database}"')
        await admin.close()
        engine = create_async_engine(url)
        await upgrade(engine)
        await engine.dispose()
        await load(url, args.enterprises, args.events)
    await measure(url)


if __name__ == "__main__":
    asyncio.run(main())

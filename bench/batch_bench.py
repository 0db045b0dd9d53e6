"""A batch of 1000 subjects not answered before (issue 6: at most 250 ms), on PostgreSQL.

    python -m bench.batch_bench --enterprises 10000 [--with-events 500] [--batches 5] [--profile]
        [--database postgresql|sqlite] [--cluster [--stock-settings]] [--seed 7] [--db-prefix s_cold_]

The bench data: ENTERPRISES registered units (the same generator and database as
``bench.partner_bench``, which step 9 reuses), of which WITH_EVENTS have credit events recorded
through the event importer (an accident and its penalty each, so that rules fire and measures are
ordered). Each batch asks for 1000 random units no batch asked for before (nor any earlier
request: the service is new), one in twenty of them with events, through ``PartnerService.batch``
in process (no HTTP; the signed answer is built whole), and prints the time of each batch and the
median. ``--profile`` prints where the time of one more batch goes. It prints its command line and
flags first, to copy into bench/RESULTS.md.

``--cluster`` runs on the private PostgreSQL of ``bench.pg_cluster`` (port 5440, settings for this
24 GB machine, started if it is not running; the shared one on 5432 keeps its defaults). There the
register is written by COPY (``bench.bulk_enterprises``: minutes, not the importer's quarter hour)
and kept for the next run; the setup then runs ``VACUUM ANALYZE`` and, with ``pg_prewarm``, reads
the tables and indexes the batch reads into shared_buffers (everything but the name-search GIN
indexes). ``--stock-settings`` restarts that cluster with PostgreSQL's defaults instead (no
prewarm), for a before/after on the same data.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import csv
import gc
import io
import os
import pstats
import random
import statistics
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from bench import bulk_enterprises, pg_cluster
from bench.common import bench_services, migrated_database
from bench.event_import_bench import HEADER
from bench.partner_bench import PG, database_url, enterprises_csv, prepare
from registry.db.models import CreditEvent
from registry.domain.actors import Actor, system_actor
from registry.domain.container import Services
from registry.domain.imports.events import EVENT_COLUMNS
from registry.domain.imports.readers import read_csv
from registry.domain.partners.schemas import StatusBatch
from registry.errors import Conflict

BATCH = 1000


def events_csv(usccs: list[str]) -> bytes:
    """A 较大 accident and its penalty for each unit (rules R-series fire on them)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for n, uscc in enumerate(usccs):
        day = f"2026-{1 + n % 10:02d}-{1 + n % 28:02d}"
        writer.writerow(["accident", uscc, day, f"报告{n}", "000000", "3", "2", "1000000", "是", "事故", "", "", ""])
        no = f"罚〔2026〕{n}号"
        writer.writerow(["penalty", uscc, day, no, "000000", "", "", "", "", "", no, "安全生产法", "300000"])
    return out.getvalue().encode()


#: relations the batch reads (units, their events, measures, listings, ...): all but name search's
PREWARM = """
SELECT c.oid::regclass::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND c.relkind IN ('r', 'i') AND c.relname NOT LIKE 'ix_enterprises_name%'
ORDER BY c.relpages DESC
"""


async def settle(dsn: str, prewarm: bool) -> None:
    """VACUUM ANALYZE every table, then (``prewarm``) pg_prewarm what the batch reads."""
    import asyncpg  # noqa: PLC0415 - PostgreSQL only

    conn = await asyncpg.connect(dsn)
    try:
        start = time.perf_counter()
        await conn.execute("VACUUM ANALYZE")
        line = f"setup: VACUUM ANALYZE {time.perf_counter() - start:.1f}s"
        if prewarm:
            await conn.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
            pages = 0
            for (name,) in await conn.fetch(PREWARM):
                pages += int(await conn.fetchval("SELECT pg_prewarm($1::regclass)", name))
            line += f", pg_prewarm {pages * 8 // 1024} MB in {time.perf_counter() - start:.1f}s"
        names = ("shared_buffers", "effective_cache_size", "work_mem", "random_page_cost", "jit")
        settings = [f"{n}={await conn.fetchval(f'SHOW {n}')}" for n in names]
        print(line, "|", ", ".join(settings))
    finally:
        await conn.close()


def draw(usccs: list[str], eventful: list[str], rounds: int, seed: int) -> list[list[str]]:
    """The units of each batch: 950 without events and 50 with, none asked twice."""
    rng = random.Random(seed)
    taken = set(eventful)
    plain = rng.sample([u for u in usccs if u not in taken], 950 * rounds)
    # the eventful units of each batch are drawn without replacement too: a unit asked twice
    # would be answered from the cache the first batch filled
    per = min(50, len(eventful) // rounds)
    if per < 50:
        print(f"  only {per} eventful units per batch: --with-events {len(eventful)} < 50 x {rounds} batches")
    drawn = rng.sample(eventful, per * rounds)
    asked = [plain[b * 950 : (b + 1) * 950] + drawn[b * per : (b + 1) * per] for b in range(rounds)]
    assert len({u for a in asked for u in a}) == sum(len(a) for a in asked), "a unit asked twice"
    return asked


async def record_events(services: Services, actor: Actor, eventful: list[str]) -> None:
    """The events of the eventful units, unless a run before recorded them."""
    async with services.db.read() as session:
        have = int(await session.scalar(select(func.count(CreditEvent.id))) or 0)
    if have < 2 * len(eventful):
        with contextlib.suppress(Conflict):  # the recording authority of the events
            await services.accounts.create(actor, role="bureau", name="bench-national", level="national")
        start = time.perf_counter()
        _, reader = read_csv(events_csv(eventful), EVENT_COLUMNS)
        report = await services.event_importer.run(actor, reader)
        print(f"events recorded: {report.recorded} in {time.perf_counter() - start:.0f}s", report.errors[:2])


async def run(
    enterprises: int,
    with_events: int,
    batches: int,
    profile: bool,
    database: str,
    cluster: str | None,
    seed: int,
    prefix: str = "",
) -> None:
    workdir = Path("var/bench")
    server, dsn = PG, ""
    if cluster is not None:
        server = pg_cluster.start(stock=cluster == "stock")
        url = database_url(database, enterprises, workdir, server, prefix)
        dsn = await asyncio.to_thread(migrated_database, url)
        await bulk_enterprises.load(dsn, enterprises_csv(enterprises, workdir))
    url, usccs, _, _ = await prepare(enterprises, workdir, database, server, prefix)
    services = bench_services(url, workdir / "keys")
    actor = system_actor("bench")
    try:
        eventful = random.Random(5).sample(usccs, min(with_events, len(usccs)))
        await record_events(services, actor, eventful)
        if cluster is not None:
            await settle(dsn, prewarm=cluster == "tuned")
        partner = Actor(id="bench-partner", role="partner", department="mem")
        asked = draw(usccs, eventful, batches + int(profile), seed)
        # the bench's own 3.2 million codes are no part of a server's heap: dropped before the collector
        # is settled as the service settles it at start-up (registry.app)
        del usccs
        gc.collect()
        gc.freeze()
        times: list[float] = []
        cpus: list[float] = []  # the service's own CPU: what a loaded machine's preemption does not inflate
        for b in range(batches + int(profile)):
            subjects = asked[b][:BATCH]
            # CPU time, not wall: on a shared machine preemption lands on whatever line runs
            profiler = cProfile.Profile(time.process_time) if b == batches else None
            start, cpu = time.perf_counter(), time.process_time()
            if profiler:
                profiler.enable()
            answer = await services.partners.batch(partner, StatusBatch(subjects=subjects))
            if profiler:
                profiler.disable()
            elapsed = (time.perf_counter() - start) * 1000
            cpu = (time.process_time() - cpu) * 1000
            measured = sum(1 for r in answer["payload"]["results"] if r["answer"]["measures"])
            if profiler is None:
                times.append(elapsed)
                cpus.append(cpu)
                print(
                    f"  batch {b}: {len(subjects)} subjects, {measured} with measures for mem, {elapsed:6.0f} ms "
                    f"(this process's CPU {cpu:4.0f} ms)"
                )
            else:
                pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
        print(
            f"{enterprises} enterprises: median {statistics.median(times):.0f} ms per batch of {BATCH} "
            f"(CPU of this process {statistics.median(cpus):.0f} ms; load average {os.getloadavg()[0]:.1f})"
        )
    finally:
        await services.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--enterprises", type=int, default=10_000)
    parser.add_argument("--with-events", type=int, default=500)
    parser.add_argument("--batches", type=int, default=5)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--database", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--seed", type=int, default=7, help="which units are asked (vary it between runs)")
    parser.add_argument("--cluster", action="store_true", help="on bench.pg_cluster's tuned PostgreSQL (port 5440)")
    parser.add_argument("--db-prefix", default="", help="before the database's name (one per parallel session)")
    parser.add_argument("--stock-settings", action="store_true", help="with --cluster: PostgreSQL's defaults instead")
    args = parser.parse_args()
    cluster = ("stock" if args.stock_settings else "tuned") if args.cluster else None
    print("python -m bench.batch_bench " + " ".join(sys.argv[1:]), f"({vars(args)})")
    Path("var/bench").mkdir(parents=True, exist_ok=True)
    asyncio.run(
        run(
            args.enterprises,
            args.with_events,
            args.batches,
            args.profile,
            args.database,
            cluster,
            args.seed,
            args.db_prefix,
        )
    )


if __name__ == "__main__":
    main()

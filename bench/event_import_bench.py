"""Credit-event import throughput (rows/s) through the events importer, as `registry import events` runs it.

    python -m bench.event_import_bench --rows 20000 [--backends sqlite,postgres] [--batch 500]
        [--repeat 3] [--one-by-one] [--profile FILE] [--database NAME]

Registers 2,000 enterprises, then imports ROWS events (accidents and penalties alternating, every
tenth row bad) on a fresh database per backend and run (PostgreSQL: ``--database``, by default
``registry_bench_events``, its own, so other benches on the machine are not disturbed; name one of
your own when several people bench at once). Prints each run, this process's CPU time, and the median.
``--one-by-one``: the path before issue 22 (a savepoint and an INSERT per row,
``EventService.record_many``). ``--profile``: cProfile of the import of the last run.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import csv
import gc
import io
import pstats
import statistics
import tempfile
import time
from pathlib import Path

import asyncpg
from sqlalchemy.ext.asyncio import create_async_engine

from bench.common import bench_services
from bench.import_bench import PG
from bench.make_csv import write
from registry.db.migrate import upgrade
from registry.domain.actors import system_actor
from registry.domain.imports.bulk import BulkStats
from registry.domain.imports.events import EVENT_COLUMNS
from registry.domain.imports.readers import read_csv

#: the PostgreSQL database the bench drops and creates (``--database``)
DATABASE = "registry_bench_events"

HEADER = [
    "kind",
    "uscc",
    "occurred_on",
    "source_document",
    "recording_authority",
    "deaths",
    "serious_injuries",
    "direct_loss_cny",
    "responsible",
    "summary",
    "decision_no",
    "legal_basis",
    "fine_cny",
]


def events_csv(usccs: list[str], rows: int) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for n in range(rows):
        uscc = usccs[n % len(usccs)]
        day = f"2025-{1 + n % 12:02d}-{1 + n % 28:02d}"
        deaths = "-1" if n % 10 == 8 else str(n % 4)  # every tenth row is refused
        if n % 2 == 0:
            writer.writerow(
                ["accident", uscc, day, f"报告{n}", "000000", deaths, "0", "1000", "是", "事故", "", "", ""]
            )
        else:
            no = f"罚〔2025〕{n}号"
            writer.writerow(["penalty", uscc, day, no, "000000", "", "", "", "", "", no, "安全生产法", "30000"])
    return out.getvalue().encode()


async def database_url(backend: str, workdir: Path, database: str = DATABASE) -> str:
    if backend == "sqlite":
        path = workdir / "events_bench.db"
        path.unlink(missing_ok=True)
        return f"sqlite+aiosqlite:///{path}"
    conn = await asyncpg.connect(PG)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{database}"')
    finally:
        await conn.close()
    return PG.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://") + f"/{database}"


async def run(
    backend: str,
    rows: int,
    workdir: Path,
    batch: int,
    bulk: bool,
    profile: cProfile.Profile | None,
    database: str = DATABASE,
) -> float:
    url = await database_url(backend, workdir, database)
    engine = create_async_engine(url)
    await upgrade(engine)
    await engine.dispose()
    services = bench_services(url, workdir / "keys")
    actor = system_actor("bench")
    try:
        await services.accounts.create(actor, role="bureau", name="bench", level="national", division=None)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "enterprises.csv"
            write(path, 2000, bad=0, seed=3)
            _, reader = read_csv(path.read_bytes())
            await services.importer.run(actor, reader)
            usccs = [line.split(",")[0] for line in path.read_text(encoding="utf-8").splitlines()[1:]]
        _, reader = read_csv(events_csv(usccs, rows), EVENT_COLUMNS)
        stats = BulkStats()
        gc.collect()
        gc.freeze()  # as the service does once started (registry.app): the set-up's objects are never scanned again
        if profile is not None:
            profile.enable()
        start, cpu = time.perf_counter(), time.process_time()
        report = await services.event_importer.run(actor, reader, batch_rows=batch, bulk=bulk, stats=stats)
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
        if profile is not None:
            profile.disable()
        print(
            f"{backend:9} {rows} rows in {elapsed:6.2f}s = {rows / elapsed:6.0f} rows/s "
            f"(this process's CPU {cpu:5.2f}s = {rows / cpu:6.0f} rows per CPU-second; recorded {report.recorded}, "
            f"rejected {report.rejected}; {stats})",
            flush=True,
        )
        return rows / elapsed
    finally:
        await services.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--batch", type=int, default=500, help="rows per transaction")
    parser.add_argument("--repeat", type=int, default=3, help="runs per backend (the median is printed)")
    parser.add_argument("--one-by-one", action="store_true", help="a savepoint and an INSERT per row (before)")
    parser.add_argument("--profile", type=Path, help="write the cProfile stats of the last run here")
    parser.add_argument("--database", default=DATABASE, help="the PostgreSQL database to drop and create")
    args = parser.parse_args()
    workdir = Path("var/bench") / args.database  # the SQLite file too: one per bencher
    workdir.mkdir(parents=True, exist_ok=True)
    for backend in args.backends.split(","):
        rates = []
        for n in range(args.repeat):
            profile = cProfile.Profile() if args.profile and n == args.repeat - 1 else None
            rates.append(
                asyncio.run(run(backend, args.rows, workdir, args.batch, not args.one_by_one, profile, args.database))
            )
            if profile is not None:
                profile.dump_stats(args.profile)
                pstats.Stats(profile).sort_stats("cumulative").print_stats(25)
        print(f"{backend:9} median {statistics.median(rates):6.0f} rows/s over {len(rates)} runs", flush=True)


if __name__ == "__main__":
    main()

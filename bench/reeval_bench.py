"""Full rule re-evaluation of the national register (issue 22): ``registry rules reevaluate`` over
3,204,000 enterprises on PostgreSQL, a first run (stores every digest) and an unchanged second run.

    python -m bench.reeval_bench [--database URL] [--workers 2] [--batch 2000] [--profile 50] [--enterprises N]

The register is ``bench.search_data``'s (written by SQL); 5% of the units (every 20th id) get a
penalty by SQL, so their decisions differ from the bare units'. Each run is the real command in a
process of its own (``python -m registry rules reevaluate``), timed from the outside; ``--profile N``
first walks N batches in-process under cProfile on the digests as they are (``--runs 0 --profile 20``
after a bench: an unchanged run) and prints the top lines. Prints ``uptime`` before
and after (the machine is shared).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import os
import pstats
import subprocess
import sys
import time

import asyncpg

from bench.common import bench_services, migrated_database
from bench.search_data import ENTERPRISES, generate
from registry.reeval_cli import quiet_gc

URL = "postgresql+asyncpg://postgres@127.0.0.1/registry_reeval_bench"


async def add_events(dsn: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        if await conn.fetchval("SELECT count(*) FROM credit_events WHERE recorded_by = 'bench'"):
            return
        started = time.perf_counter()
        if not await conn.fetchval("SELECT 1 FROM authorities WHERE id = 1"):
            await conn.execute(
                "INSERT INTO authorities (id, division_code, level, name, created_at) "
                "VALUES (1, '000000', 'national', '应急管理部', now())"
            )
        await conn.execute(
            """
            INSERT INTO credit_events (kind, subject_type, enterprise_id, division_code, occurred_on,
                                       recording_authority_id, source_document, reference_no, details, links,
                                       recorded_at, recorded_by)
            SELECT 'penalty', 'enterprise', id, division_code, date '2026-06-01' - (id % 900)::int, 1, '文书',
                   '应急罚〔2026〕' || id || '号',
                   jsonb_build_object('decision_no', '应急罚〔2026〕' || id || '号',
                                      'legal_basis', '《中华人民共和国安全生产法》第一百一十四条第一款第二项',
                                      'fine_cny', 1000000, 'deciding_authority', '000000'),
                   '[]'::jsonb, now(), 'bench'
            FROM enterprises WHERE id % 20 = 0
            """
        )
        await conn.execute("ANALYZE credit_events")
        print(f"events for 5% of units: {time.perf_counter() - started:.0f} s")
    finally:
        await conn.close()


async def reset(dsn: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(
            "TRUNCATE decision_changes, reevaluation_slices, reevaluation_runs, decision_digests RESTART IDENTITY"
        )
    finally:
        await conn.close()


async def profile(url: str, batches: int, batch: int) -> None:
    services = bench_services(url)
    try:
        service = services.reevaluation
        run_id = await service.start(None, 1)
        quiet_gc()  # as the command's workers do
        # the garbage collector's pauses, which cProfile charges to whatever allocates at the time
        paused = [0.0, 0.0, 0.0]
        collections = [0, 0, 0]
        began = [0.0]

        def timed(phase: str, info: dict[str, int]) -> None:
            if phase == "start":
                began[0] = time.perf_counter()
            else:
                paused[info["generation"]] += time.perf_counter() - began[0]
                collections[info["generation"]] += 1

        gc.callbacks.append(timed)
        started = time.perf_counter()
        profiler = cProfile.Profile()
        profiler.enable()
        await service.walk(run_id, 0, batch=batch, max_batches=batches)
        profiler.disable()
        took = time.perf_counter() - started
        gc.callbacks.remove(timed)
        print(f"profile: {batches * batch} units in {took:.1f} s ({batches * batch / took:,.0f}/s, under cProfile)")
        print(f"gc: {collections} collections (generations 0, 1, 2), {[round(p, 2) for p in paused]} s")
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    finally:
        await services.close()


def run(url: str, workers: int, batch: int, count: int = ENTERPRISES) -> float:
    env = {**os.environ, "REGISTRY_DATABASE_URL": url, "REGISTRY_LOG_LEVEL": "ERROR"}
    cmd = [sys.executable, "-m", "registry", "rules", "reevaluate", "--workers", str(workers), "--batch", str(batch)]
    print("$", " ".join(cmd[1:]), flush=True)
    started = time.perf_counter()
    done = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True)
    took = time.perf_counter() - started
    print(done.stdout.strip())
    print(f"wall {took:.0f} s ({count / took:,.0f} units/s)", flush=True)
    return took


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", default=URL)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batch", type=int, default=2000)
    parser.add_argument("--profile", type=int, default=0, help="first profile N batches in-process")
    parser.add_argument("--runs", type=int, default=2, help="1: first run only; 2: and an unchanged second run")
    parser.add_argument("--enterprises", type=int, default=ENTERPRISES, help="a smaller register (a private database)")
    args = parser.parse_args()
    dsn = migrated_database(args.database)
    asyncio.run(generate(dsn, args.enterprises))
    asyncio.run(add_events(dsn))
    print(subprocess.run(["uptime"], check=False, capture_output=True, text=True).stdout.strip())
    if args.profile:  # on the digests as they are: none (a first run) or a previous run's (unchanged)
        asyncio.run(profile(args.database, args.profile, args.batch))
    if args.runs:
        asyncio.run(reset(dsn))
    for _ in range(args.runs):
        run(args.database, args.workers, args.batch, args.enterprises)
        print(subprocess.run(["uptime"], check=False, capture_output=True, text=True).stdout.strip())


if __name__ == "__main__":
    main()

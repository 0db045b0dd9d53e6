"""Report latency on the national register (issue 21: the national monthly report in at most 2 s,
a province in at most 0.5 s). Median (and best) of 5 per report, service call without HTTP, each
report twice: as the service answers it (from the report summary, ``as_of`` now: past every
recorded fact) and counted from the facts by the database (``tally``, what an earlier ``as_of``
or a county gets); the two answers are compared. The machine's load average is printed, since on
a shared 2-core machine it moves every figure.

python -m bench.report_data --database postgresql+asyncpg://postgres@127.0.0.1/registry_report_bench
python -m bench.report_bench --database postgresql+asyncpg://postgres@127.0.0.1/registry_report_bench
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import text

from bench.common import bench_services
from registry.domain.actors import system_actor

BENCH = system_actor("bench")


async def timed(make: Callable[[], Awaitable[Any]], runs: int = 5) -> tuple[float, float, Any]:
    """Median and best seconds of ``runs`` calls, and the last answer."""
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = await make()
        times.append(time.perf_counter() - start)
    return statistics.median(times), min(times), result


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms"


async def run(url: str, runs: int) -> None:
    services = bench_services(url)
    reports = services.reports
    now = services.clock.now().replace(microsecond=0).isoformat()
    monthly = [("national", ""), ("province 41", "41"), ("prefecture 4101", "4101"), ("county 410103", "410103")]
    cases: list[tuple[str, Callable[[], Awaitable[Any]], Callable[[], Awaitable[Any]]]] = [
        (
            f"monthly, {label}, 2026-11",
            lambda p=prefix: reports.monthly(BENCH, p or None, "2026-11", now),
            lambda p=prefix: reports.monthly_counted(p, "2026-11", now),
        )
        for label, prefix in monthly
    ]
    cases += [
        (
            f"targets, {label}, 2026",
            lambda p=prefix: reports.targets(BENCH, p or None, "2026", now),
            lambda p=prefix: reports.targets_counted(p, "2026", now),
        )
        for label, prefix in monthly[:2]
    ]
    print(f"as_of {now}; load average before: {os.getloadavg()}")
    try:
        # a yardstick of this machine's speed in this run: a scan of every grade step
        async def scan() -> Any:
            async with services.db.read() as session:
                return await session.scalar(text("SELECT count(*) FROM grade_steps"))

        median, fastest, count = await timed(scan, runs)
        print(f"| yardstick: count(*) of {count:,} grade steps | {ms(median)} ({ms(fastest)}) | |", flush=True)
        print("| report | from the summary: median (best) | counted from the facts: median (best) | same answer |")
        for label, kept, counted in cases:
            median, fastest, payload = await timed(kept, runs)
            slow_median, slow_fastest, slow = await timed(counted, runs)
            same = {k: v for k, v in payload.items() if k != "area"} == {k: v for k, v in slow.items() if k != "area"}
            row = f"| {label} | {ms(median)} ({ms(fastest)}) | {ms(slow_median)} ({ms(slow_fastest)}) | {same} |"
            print(row, flush=True)
        payload = await reports.monthly(BENCH, None, "2026-11", now)
        median, fastest, _ = await timed(lambda: asyncio.sleep(0, reports.render(payload, "xlsx")), runs)
        print(f"| XLSX of the national monthly report | {ms(median)} ({ms(fastest)}) | | |")
        print(f"load average after: {os.getloadavg()}")
    finally:
        await services.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", required=True)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    asyncio.run(run(args.database, args.runs))


if __name__ == "__main__":
    main()

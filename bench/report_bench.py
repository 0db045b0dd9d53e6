"""Report latency on the national register (issue 21: the national monthly report in at most 2 s,
a province in at most 0.5 s). Best of 5 per report, service call without HTTP; the machine's load
average is printed, since on a shared 2-core machine it moves every figure.

python -m bench.report_data --database postgresql+asyncpg://postgres@127.0.0.1/registry_report_bench
python -m bench.report_bench --database postgresql+asyncpg://postgres@127.0.0.1/registry_report_bench
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import text

from bench.common import bench_services
from registry.domain.actors import system_actor

BENCH = system_actor("bench")
AS_OF = "2026-12-01T00:00:00Z"


async def best(make: Callable[[], Awaitable[Any]], runs: int = 5) -> tuple[float, Any]:
    fastest, result = 1e9, None
    for _ in range(runs):
        start = time.perf_counter()
        result = await make()
        fastest = min(fastest, time.perf_counter() - start)
    return fastest, result


async def run(url: str) -> None:
    services = bench_services(url)
    reports = services.reports
    cases: list[tuple[str, Callable[[], Awaitable[Any]]]] = [
        ("monthly, national, 2026-11", lambda: reports.monthly(BENCH, None, "2026-11", AS_OF)),
        ("monthly, province 41, 2026-11", lambda: reports.monthly(BENCH, "41", "2026-11", AS_OF)),
        ("monthly, prefecture 4101, 2026-11", lambda: reports.monthly(BENCH, "4101", "2026-11", AS_OF)),
        ("monthly, county 410103, 2026-11", lambda: reports.monthly(BENCH, "410103", "2026-11", AS_OF)),
        ("targets, national, 2026", lambda: reports.targets(BENCH, None, "2026", AS_OF)),
        ("targets, province 41, 2026", lambda: reports.targets(BENCH, "41", "2026", AS_OF)),
    ]
    print(f"load average before: {os.getloadavg()}")
    try:
        # a yardstick of this machine's speed in this run: a scan of every grade step
        async def scan() -> Any:
            async with services.db.read() as session:
                return await session.scalar(text("SELECT count(*) FROM grade_steps"))

        seconds, count = await best(scan)
        print(f"| yardstick: count(*) of {count:,} grade steps | {seconds * 1000:,.0f} ms | |", flush=True)
        for label, make in cases:
            seconds, payload = await best(make)
            total = payload.get("total", {}).get("levels") or payload.get("whole")
            print(f"| {label} | {seconds * 1000:,.0f} ms | {total} |", flush=True)
        payload = await reports.monthly(BENCH, None, "2026-11", AS_OF)
        seconds, _ = await best(lambda: asyncio.sleep(0, reports.render(payload, "xlsx")))
        print(f"| XLSX of the national monthly report | {seconds * 1000:,.0f} ms | |")
        print(f"load average after: {os.getloadavg()}")
    finally:
        await services.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", required=True)
    asyncio.run(run(parser.parse_args().database))


if __name__ == "__main__":
    main()

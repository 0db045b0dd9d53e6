"""Credit-event import throughput (rows/s) through EventService: batches of rows, a savepoint per row.

    python -m bench.event_import_bench --rows 5000 [--backends sqlite,postgres] [--batch 200]

Registers 2,000 enterprises, then imports ROWS events (accidents and penalties alternating, every
tenth row bad) on a fresh database per backend, as `registry import events` does.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import tempfile
import time
from pathlib import Path

from sqlalchemy.ext.asyncio import create_async_engine

from bench.common import bench_services
from bench.import_bench import database_url
from bench.make_csv import write
from registry.db.migrate import upgrade
from registry.domain.actors import system_actor
from registry.domain.imports.events import EVENT_COLUMNS
from registry.domain.imports.readers import read_csv

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


BATCH = 200


async def run(backend: str, rows: int, workdir: Path) -> None:
    url = await database_url(backend, workdir)
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
        start = time.perf_counter()
        report = await services.event_importer.run(actor, reader, batch_rows=BATCH)
        elapsed = time.perf_counter() - start
        print(
            f"{backend:9} {rows} rows in {elapsed:6.2f}s = {rows / elapsed:6.0f} rows/s "
            f"(recorded {report.recorded}, rejected {report.rejected})"
        )
    finally:
        await services.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--batch", type=int, default=200, help="rows per transaction")
    args = parser.parse_args()
    global BATCH  # noqa: PLW0603 - a bench's command-line knob
    BATCH = args.batch
    workdir = Path("var/bench")
    workdir.mkdir(parents=True, exist_ok=True)
    for backend in args.backends.split(","):
        asyncio.run(run(backend, args.rows, workdir))


if __name__ == "__main__":
    main()

"""Bulk import throughput: rows/s for a first import, a re-import (no changes) and an update pass.

    python -m bench.import_bench --rows 100000 [--backends sqlite,postgres]
    python -m bench.import_bench --rows 3200000 --backends postgres --passes first --path rows,copy
    python -m bench.import_bench --rows 3200000 --backends postgres --passes first --path initial --workers 1

``--path``: ``copy`` (the default: PostgreSQL takes the COPY path for batches of new units,
``registry.domain.imports.copy_load``), ``rows`` (the per-row path on every backend: the figures
before issue 22), ``initial`` (the first pass as ``registry import enterprises --initial``: one
transaction, the indexes built after the rows, ``registry.domain.imports.initial``; PostgreSQL
only); each path gets a fresh database. ``--passes`` leaves out the re-import and the
update pass (a national load is the first pass); ``--workers N`` checks the rows of the next batch in
N processes while a batch is written.

SQLite: a fresh file under var/bench/. PostgreSQL: a fresh database ``registry_bench`` on
REGISTRY_BENCH_PG (default postgresql://postgres@127.0.0.1:5432/postgres). Appends a dated row
per backend to bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import datetime as dt
import os
import platform
import pstats
import tempfile
import time
from pathlib import Path

import asyncpg
from sqlalchemy.ext.asyncio import create_async_engine

from bench.common import bench_services
from bench.make_csv import write
from registry.db.migrate import upgrade
from registry.domain.actors import system_actor
from registry.domain.imports.readers import read_csv

RESULTS = Path(__file__).parent / "RESULTS.md"
#: another name lets two runs of this bench share the server (REGISTRY_BENCH_DB)
DB_NAME = os.environ.get("REGISTRY_BENCH_DB", "registry_bench")
PG = os.environ.get("REGISTRY_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


async def database_url(backend: str, workdir: Path) -> str:
    if backend == "sqlite":
        path = workdir / "bench.db"
        path.unlink(missing_ok=True)
        return f"sqlite+aiosqlite:///{path}"
    conn = await asyncpg.connect(PG)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    finally:
        await conn.close()
    return PG.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://") + f"/{DB_NAME}"


async def run(
    backend: str,
    csv_first: bytes,
    csv_changed: bytes,
    rows: int,
    workdir: Path,
    path: str,
    passes: list[str],
    workers: int,
    profile: bool = False,
) -> dict[str, float]:
    url = await database_url(backend, workdir)
    engine = create_async_engine(url)
    await upgrade(engine)
    await engine.dispose()
    services = bench_services(url, workdir / "keys")
    actor = system_actor("bench")
    timings = {}
    if path == "rows":
        services.importer.copy_from = None
    services.importer.workers = workers
    try:
        for label, data in (("first", csv_first), ("again", csv_first), ("changed", csv_changed)):
            if label not in passes:
                continue
            _, reader = read_csv(data)
            profiler = cProfile.Profile() if profile else None
            start = time.perf_counter()
            if profiler:
                profiler.enable()
            report = await services.importer.run(actor, reader, initial=path == "initial" and label == "first")
            elapsed = time.perf_counter() - start
            if profiler:
                profiler.disable()
                pstats.Stats(profiler).sort_stats("tottime").print_stats(18)
            timings[label] = rows / elapsed
            print(
                f"{backend:9} {path:5} {label:8} {rows} rows in {elapsed:6.2f}s = {rows / elapsed:8.0f} rows/s "
                f"(created {report.created}, updated {report.updated}, unchanged {report.unchanged}, "
                f"rejected {report.rejected})"
            )
    finally:
        await services.close()
    return timings


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument(
        "--path",
        default="copy",
        help="copy, rows, initial (the first pass as `import enterprises --initial`), comma-separated",
    )
    parser.add_argument("--passes", default="first,again,changed")
    parser.add_argument("--profile", action="store_true", help="cProfile each pass (in this process)")
    parser.add_argument("--workers", type=int, default=0, help="processes checking rows while a batch is written")
    args = parser.parse_args()
    passes = args.passes.split(",")
    workdir = Path("var/bench")
    workdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        first, changed = Path(tmp) / "first.csv", Path(tmp) / "changed.csv"
        write(first, args.rows, bad=0, seed=7)
        write(changed, args.rows, bad=0, seed=7)
        text = changed.read_text(encoding="utf-8").replace("有限公司,", "股份有限公司,", args.rows // 10)
        changed.write_text(text, encoding="utf-8")
        csv_first, csv_changed = first.read_bytes(), changed.read_bytes()
    lines = []
    for backend in args.backends.split(","):
        for path in args.path.split(","):
            if backend == "sqlite" and (path == "initial" or (path == "rows" and "copy" in args.path)):
                continue  # SQLite has one path
            t = asyncio.run(
                run(backend, csv_first, csv_changed, args.rows, workdir, path, passes, args.workers, args.profile)
            )
            figures = " | ".join(f"{t[p]:.0f}" if p in t else "-" for p in ("first", "again", "changed"))
            name = backend if backend == "sqlite" else f"{backend} ({path})"
            lines.append(
                f"| {dt.date.today()} | {name} | {args.rows} | {figures} | "
                f"{platform.python_version()}, {os.cpu_count()} cores, workers {args.workers}, "
                f"load {os.getloadavg()[0]:.1f} |"
            )
    if not RESULTS.exists() or "## Import" not in RESULTS.read_text(encoding="utf-8"):
        with RESULTS.open("a", encoding="utf-8") as f:
            f.write(
                "\n## Import (`make bench-import`)\n\nrows/s; first = all new, again = same file (no writes), "
                "changed = same file with 10% renamed\n\n| date | backend | rows | first | again | changed | "
                "machine |\n|---|---|---|---|---|---|---|\n"
            )
    with RESULTS.open("a", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()

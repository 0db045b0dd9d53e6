"""Memory of the log's tree in one worker, measured as a fresh process's RSS growth.

    python -m bench.log_memory --entries 10000000 --layout tiles             # now (issue 22)
    python -m bench.log_memory --entries 1000000 --layout tiles --fill entries
    python -m bench.log_memory --entries 10000000 --layout compact           # before: every leaf

``--layout tiles`` (now): a PostgreSQL database ``s_tiles_bench_log_<N>`` (created, dropped at the
end) holding the log; then a fresh process starts a ``LogService`` on it (the startup sync), asks a
checkpoint, an inclusion and a consistency proof about old leaves and sizes, a level-0 and a level-1
hash tile and a page of entries, and prints its RSS growth, its peak RSS and the startup time, then
times 200 inclusion and 200 consistency proofs at random sizes (RSS measured before those).

- ``--fill entries``: N ``log_entries`` rows written at revision 0012, then the upgrade to head
  (migration 0014 fills the tiles from them; timed): the real path.
- ``--fill tiles`` (default, for 10 million: writing 10 million rows is hours of disk on a shared
  machine): the ``log_tiles`` rows written directly (the leaf hashes of the bodies the entries
  would have, so the same bytes as the migration's) and only the entries the worker reads: those
  of the last, partial tile and of the first tiles (the page of entries asked). A worker never
  reads the entries of full tiles at start, so its memory is the same either way.

``--layout compact`` measures the layout before (every leaf hash in a bytearray and an
``array('q')`` of ids, then a root and a proof that fill the memo); ``--layout list`` the one
before that. Each run is a fresh process, so the figures do not mix.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import hashlib
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from array import array
from pathlib import Path

from registry.signing.merkle import Tree, node_hash
from registry.signing.tiled import TILE, tile_root

PG = os.environ.get("REGISTRY_BENCH_PG", "postgresql://postgres@127.0.0.1:5432")
PAGE = 1000
#: proofs timed at random sizes (each reads its one to three tiles)
ASKED = 200


def rss_mb() -> float:
    """Peak RSS of this process."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def body(i: int) -> str:
    return f'{{"entry":{i},"kind":"bench"}}'


def leaf(i: int) -> bytes:
    return hashlib.sha256(b"\x00" + body(i).encode()).digest()


def in_memory(n: int, layout: str) -> None:
    before = rss_mb()
    started = time.perf_counter()
    step = 100_000
    if layout == "list":
        leaves: list[bytes] = []
        ids: list[int] = []
        for lo in range(0, n, step):
            leaves.extend(hashlib.sha256(i.to_bytes(8, "big")).digest() for i in range(lo, min(n, lo + step)))
            ids.extend(range(lo + 1, min(n, lo + step) + 1))
        print(f"layout list: {n:,} leaves, peak RSS +{rss_mb() - before:,.0f} MB ({len(leaves) == len(ids)})")
        return
    tree = Tree()
    row_ids = array("q")
    for lo in range(0, n, step):
        tree.extend([hashlib.sha256(i.to_bytes(8, "big")).digest() for i in range(lo, min(n, lo + step))])
        row_ids.extend(range(lo + 1, min(n, lo + step) + 1))
    built = rss_mb() - before
    root = tree.root(n)
    proof = tree.inclusion(n // 3, n)
    assert len(proof) > 0
    assert node_hash(root, root)
    print(
        f"layout compact: {n:,} leaves in {time.perf_counter() - started:.1f} s; peak RSS +{built:,.0f} MB with the "
        f"leaves and ids, +{rss_mb() - before:,.0f} MB after a root and a proof (the memo)"
    )


async def _entries(conn: object, ids: range) -> None:
    import asyncpg  # noqa: PLC0415

    assert isinstance(conn, asyncpg.Connection)
    now = dt.datetime.now(dt.UTC)
    step = 100_000
    for lo in range(ids.start, ids.stop, step):
        await conn.copy_records_to_table(
            "log_entries",
            records=[(i, "bench", "t", str(i), body(i), now) for i in range(lo, min(ids.stop, lo + step))],
            columns=["id", "kind", "target_type", "target_id", "body", "recorded_at"],
        )


async def _tiles(conn: object, tiles: int) -> None:
    import asyncpg  # noqa: PLC0415

    assert isinstance(conn, asyncpg.Connection)
    step = 1000
    for lo in range(0, tiles, step):
        records = []
        for number in range(lo, min(tiles, lo + step)):
            first = number * TILE + 1
            hashes = b"".join(leaf(i) for i in range(first, first + TILE))
            records.append((number, tile_root(hashes), hashes, first, first + TILE - 1, None))
        await conn.copy_records_to_table(
            "log_tiles", records=records, columns=["number", "root", "hashes", "first_id", "last_id", "ids"]
        )


def _upgrade(url: str, revision: str) -> float:
    from sqlalchemy.ext.asyncio import create_async_engine  # noqa: PLC0415

    from registry.db.migrate import upgrade  # noqa: PLC0415

    async def run() -> None:
        engine = create_async_engine(url)
        try:
            await upgrade(engine, revision)
        finally:
            await engine.dispose()

    started = time.perf_counter()
    asyncio.run(run())
    return time.perf_counter() - started


def fill(n: int, how: str, name: str) -> None:
    """The database ``name`` holding a log of ``n`` entries (ids 1..n)."""
    import asyncpg  # noqa: PLC0415

    url = f"{PG.replace('postgresql://', 'postgresql+asyncpg://')}/{name}"

    async def create() -> None:
        conn = await asyncpg.connect(f"{PG}/postgres")
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()

    async def write(full_entries: bool) -> None:
        conn = await asyncpg.connect(f"{PG}/{name}")
        try:
            if full_entries:
                await _entries(conn, range(1, n + 1))
            else:
                await _tiles(conn, n // TILE)
                await _entries(conn, range(1, min(n, PAGE) + 1))
                await _entries(conn, range(max(PAGE, n // TILE * TILE) + 1, n + 1))
        finally:
            await conn.close()

    asyncio.run(create())
    started = time.perf_counter()
    if how == "entries":
        _upgrade(url, "0012")
        asyncio.run(write(True))
        written = time.perf_counter() - started
        took = _upgrade(url, "head")
        print(f"fill: {n:,} log_entries written in {written:.0f} s; migration 0014 filled the tiles in {took:.0f} s")
    else:
        _upgrade(url, "head")
        asyncio.run(write(False))
        print(f"fill: {n // TILE:,} tiles (and the entries a worker reads) in {time.perf_counter() - started:.0f} s")


async def measure(url: str, n: int) -> None:
    """One worker: its startup sync and a few answers about old leaves and sizes."""
    from registry.db.engine import Database  # noqa: PLC0415
    from registry.domain.transparency import LogService  # noqa: PLC0415
    from registry.lib.clock import SystemClock  # noqa: PLC0415
    from registry.settings import DatabaseSettings  # noqa: PLC0415
    from registry.signing.keys import load_key_ring  # noqa: PLC0415
    from registry.signing.tiles import TileRef  # noqa: PLC0415

    with tempfile.TemporaryDirectory() as keys:
        ring = load_key_ring(Path(keys), "bench", production=False)
    db = Database(DatabaseSettings(url=url, pool_size=2))
    log = LogService(db, SystemClock(), ring, "bench/log")
    # the connection pool and SQLAlchemy's first-query caches are not the tree: warm them first
    async with db.read() as session:
        from sqlalchemy import text  # noqa: PLC0415

        await session.execute(text("SELECT 1"))
    base, peak_before = current_mb(), rss_mb()
    started = time.perf_counter()
    size = await log.sync()
    took = time.perf_counter() - started
    after_sync = current_mb() - base
    assert size == n, (size, n)
    await log.checkpoint()
    await log.inclusion(n // 3, n)
    await log.inclusion(n // 2, n - 77)
    await log.consistency(n // 7 + 13, n)
    await log.tile(TileRef(0, 5, None))
    await log.tile(TileRef(1, 3, None) if n >= TILE**2 * 4 else TileRef(1, 0, min(255, n // TILE)))
    await log.entries(0, PAGE)
    rng = random.Random(22)
    timed = time.perf_counter()
    for _ in range(ASKED):
        size = rng.randrange(2, n + 1)
        await log.inclusion(rng.randrange(size), size)
    inclusion_ms = (time.perf_counter() - timed) / ASKED * 1000
    timed = time.perf_counter()
    for _ in range(ASKED):
        size = rng.randrange(2, n + 1)
        await log.consistency(rng.randrange(1, size), size)
    consistency_ms = (time.perf_counter() - timed) / ASKED * 1000
    print(
        f"worker: {n:,} entries ({log.tree.tiles:,} tiles + {log.tree.size - TILE * log.tree.tiles} leaves): "
        f"startup sync {took:.2f} s, RSS +{after_sync:.1f} MB after it, +{current_mb() - base:.1f} MB after the "
        f"answers (process: {base:.0f} MB before the sync, peak {peak_before:.0f} MB before it, "
        f"{rss_mb():.0f} MB after); {ASKED} inclusion proofs at random (index, size) {inclusion_ms:.1f} ms each, "
        f"{ASKED} consistency proofs {consistency_ms:.1f} ms each"
    )
    await db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--layout", choices=("tiles", "compact", "list"), default="tiles")
    parser.add_argument("--fill", choices=("tiles", "entries"), default="tiles")
    parser.add_argument("--keep", action="store_true", help="keep the database (its name is printed)")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    parser.add_argument("--fill-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    n = args.entries
    name = f"s_tiles_bench_log_{n}"
    if args.measure:
        asyncio.run(measure(args.measure, n))
        return
    if args.fill_only:
        fill(n, args.fill, name)
        return
    if args.layout != "tiles":
        in_memory(n, args.layout)
        return
    # the fill and each worker in processes of their own: Linux keeps a process's peak RSS across
    # fork and exec, so a worker started from the filling process would report the filler's peak
    url = f"{PG.replace('postgresql://', 'postgresql+asyncpg://')}/{name}"
    me = [sys.executable, "-m", "bench.log_memory", "--entries", str(n)]
    try:
        subprocess.run([*me, "--fill", args.fill, "--fill-only"], check=True)
        for _ in range(2):  # two fresh workers: the second finds the first's pages in PostgreSQL's cache
            subprocess.run([*me, "--measure", url], check=True)
    finally:
        if not args.keep:
            import asyncpg  # noqa: PLC0415

            async def drop() -> None:
                conn = await asyncpg.connect(f"{PG}/postgres")
                try:
                    await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                finally:
                    await conn.close()

            asyncio.run(drop())
        print(f"database {name} {'kept' if args.keep else 'dropped'}")


if __name__ == "__main__":
    main()

"""The partner benches' register (``bench.make_csv`` rows, seed 11) written by COPY, not the importer.

The importer takes 15 minutes and more for 3.2 million rows here (change rows, audit, NOTIFY);
the batch bench needs only the enterprise rows as the importer leaves them (the same USCCs, names,
division, industry and scale as ``bench.partner_bench.prepare`` imports), so this writes them with
one COPY: the enterprises' secondary indexes are dropped first and built again afterwards from
their own definitions (one sorted build each instead of 3.2 million insertions), then
``VACUUM ANALYZE``. ``prepare`` then finds the rows and imports nothing. No change rows are
written: every unit's ``data_version`` is 0, as for a unit imported before the change log.
"""

from __future__ import annotations

import csv
import datetime as dt
import time
from pathlib import Path

import asyncpg

COLUMNS = (
    "uscc", "name", "division_code", "reg_division", "industry", "scale", "address", "status", "flags", "version",
    "data_version", "created_at", "updated_at",
)  # fmt: skip


async def load(dsn: str, path: Path) -> None:
    """Writes the rows of the CSV at ``path`` into ``enterprises`` of ``dsn`` unless they are there."""
    conn = await asyncpg.connect(dsn)
    try:
        with path.open("rb") as f:
            lines = sum(1 for _ in f) - 1
        # a register loaded before (repeated codes make the table a few rows short of the file)
        if await conn.fetchval("SELECT count(*) FROM enterprises") >= lines * 0.999:
            return
        await _copy(conn, path)
    finally:
        await conn.close()


async def _copy(conn: asyncpg.Connection, path: Path) -> None:
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        next(reader)
        now = dt.datetime.now(dt.UTC)
        records: dict[str, tuple[object, ...]] = {}
        for uscc, name, division, industry, scale, address in reader:
            # a repeated random code is imported once, as the importer does (3.2 million hold 6)
            records.setdefault(
                uscc, (uscc, name, division, uscc[2:8], industry, scale, address, "active", "[]", 1, 0, now, now)
            )
    have = await conn.fetchval("SELECT count(*) FROM enterprises")
    if have:
        raise SystemExit(f"enterprises holds {have} rows, fewer than {len(records)}: drop the database first")
    started = time.perf_counter()
    indexes = await conn.fetch(
        """
        SELECT c.relname AS name, pg_get_indexdef(i.indexrelid) AS definition
        FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
        WHERE i.indrelid = 'enterprises'::regclass
          AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
        """
    )
    for index in indexes:
        await conn.execute(f'DROP INDEX "{index["name"]}"')
    await conn.copy_records_to_table("enterprises", records=list(records.values()), columns=COLUMNS)
    print(f"enterprises: {len(records)} rows by COPY in {time.perf_counter() - started:.0f} s")
    await conn.execute("SET maintenance_work_mem = '1GB'")
    for index in indexes:
        await conn.execute(index["definition"])
    print(f"indexes {', '.join(i['name'] for i in indexes)} built: {time.perf_counter() - started:.0f} s")
    await conn.execute("VACUUM ANALYZE enterprises")

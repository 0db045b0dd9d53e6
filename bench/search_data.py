"""A national register for the search benchmark, written by SQL in a couple of minutes (the demo
loader, ``registry demo --size national``, takes 15 minutes and more through the importer).

3,204,000 enterprises over every current county, named as the demo names them, but with the
county's own name in front ("二七区恒达钢铁有限公司（123）"), so the names carry the variety of the
country's place names that a short fragment search meets. PostgreSQL only.

python -m bench.search_data --database postgresql+asyncpg://postgres@127.0.0.1/registry_search_bench
python -m bench.search_bench --database postgresql+asyncpg://postgres@127.0.0.1/registry_search_bench
"""

from __future__ import annotations

import argparse
import asyncio
import time
from importlib import resources

import asyncpg

from bench.common import migrated_database
from registry.demo.seed import SUFFIX, WORDS

ENTERPRISES = 3_204_000


def counties() -> tuple[list[str], list[str]]:
    """Codes and own names (二七区) of the current county-level divisions."""
    text = resources.files("registry").joinpath("data/divisions.tsv").read_text(encoding="utf-8")
    rows = [line.split("\t") for line in text.splitlines()[1:] if line]
    chosen = [(code, name) for code, name, current in rows if current == "true" and not code.endswith("00")]
    return [c for c, _ in chosen], [n for _, n in chosen]


async def generate(dsn: str, count: int) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        if await conn.fetchval("SELECT count(*) FROM enterprises") >= count:
            print("already generated")
            return
        codes, places = counties()
        industries = sorted(SUFFIX)
        started = time.perf_counter()
        await conn.execute(
            """
            INSERT INTO enterprises (uscc, name, division_code, reg_division, industry, scale, status, flags, version,
                                     data_version, created_at, updated_at)
            SELECT '91' || c.code || lpad(i::text, 10, '0'),
                   c.place || ($3::text[])[1 + i % array_length($3::text[], 1)]
                     || ($5::text[])[1 + (i * 7) % array_length($5::text[], 1)] || '有限公司'
                     || CASE WHEN i % 3 = 0 THEN '（' || i || '）' ELSE '' END,
                   c.code, c.code,
                   ($4::text[])[1 + (i * 7) % array_length($4::text[], 1)],
                   CASE WHEN i % 100 < 15 THEN 'above_scale' WHEN i % 100 < 60 THEN 'below_scale' ELSE 'micro' END,
                   'active', '[]'::jsonb, 1, 0, now(), now()
            FROM generate_series(1, $6::int) AS i
            CROSS JOIN LATERAL (SELECT ($1::text[])[k] AS code, ($2::text[])[k] AS place
                                FROM (SELECT 1 + (i * 2654435761::bigint % array_length($1::text[], 1))::int AS k) kk) c
            """,
            codes,
            places,
            WORDS,
            industries,
            [SUFFIX[k] for k in industries],
            count,
        )
        print(f"enterprises: {time.perf_counter() - started:.0f} s")
        await conn.execute("VACUUM ANALYZE enterprises")
        print(f"analysed: {time.perf_counter() - started:.0f} s")
    finally:
        await conn.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", required=True, help="postgresql+asyncpg://... (created and migrated if absent)")
    parser.add_argument("--enterprises", type=int, default=ENTERPRISES)
    args = parser.parse_args()
    asyncio.run(generate(migrated_database(args.database), args.enterprises))


if __name__ == "__main__":
    main()

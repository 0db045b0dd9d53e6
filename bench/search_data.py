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


#: ``--valid-uscc``: codes that pass both check characters (GB 11714 in position 17, GB 32100 in
#: 18), so the partner API accepts them: '91' || county || 8 digits || the two check characters
CHECKS = """
CREATE FUNCTION pg_temp.org_check(b text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE 11 - s % 11 WHEN 10 THEN 'X' WHEN 11 THEN '0' ELSE (11 - s % 11)::text END
  FROM (SELECT sum(substr(b, k, 1)::int * (ARRAY[3, 7, 9, 10, 5, 8, 4, 2])[k]) AS s
        FROM generate_series(1, 8) k) t $$;
CREATE FUNCTION pg_temp.uscc_check(b text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT substr('0123456789ABCDEFGHJKLMNPQRTUWXY', (1 + (31 - s % 31) % 31)::int, 1)
  FROM (SELECT sum((strpos('0123456789ABCDEFGHJKLMNPQRTUWXY', substr(b, k, 1)) - 1)
                   * (ARRAY[1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28])[k]) AS s
        FROM generate_series(1, 17) k) t $$;
"""
VALID_USCC = (
    "(SELECT f || pg_temp.uscc_check(f) FROM (SELECT '91' || c.code || lpad(i::text, 8, '0')"
    " || pg_temp.org_check(lpad(i::text, 8, '0')) AS f) ff)"
)


async def generate(dsn: str, count: int, valid_uscc: bool = False) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        if await conn.fetchval("SELECT count(*) FROM enterprises") >= count:
            print("already generated")
            return
        if valid_uscc:
            await conn.execute(CHECKS)
        codes, places = counties()
        industries = sorted(SUFFIX)
        started = time.perf_counter()
        sql = """
            INSERT INTO enterprises (uscc, name, division_code, reg_division, industry, scale, status, flags, version,
                                     data_version, created_at, updated_at)
            SELECT USCC,
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
            """
        uscc = VALID_USCC if valid_uscc else "'91' || c.code || lpad(i::text, 10, '0')"
        await conn.execute(
            sql.replace("USCC,", uscc + ",", 1),
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
    parser.add_argument("--valid-uscc", action="store_true", help="codes the partner API accepts (both checks)")
    args = parser.parse_args()
    asyncio.run(generate(migrated_database(args.database), args.enterprises, args.valid_uscc))


if __name__ == "__main__":
    main()

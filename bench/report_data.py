# ruff: noqa: E501 - SQL statements read better unbroken
"""A national register for the report benchmark, written by SQL (minutes, not the hours the
services would take): 3,204,000 enterprises over every current county (seed 000's 3.204 million),
15% above scale, registered 2015-2026; about 8% with a grade (一级 0.2%, 二级 12%, 三级 the rest)
whose steps run application -> review -> audit -> announcement, some still under review, some
revoked, the older ones expired. PostgreSQL only. The facts are written past the services, so the
report summary (migration 0011) is then filled from them, as the migration fills it.

python -m bench.report_data --database postgresql+asyncpg://postgres@127.0.0.1/registry_report_bench
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import time
from importlib import resources

import asyncpg
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from registry.db import report_summary

ENTERPRISES = 3_204_000
INDUSTRIES = [
    "metallurgy", "machinery", "light_industry", "nonferrous", "textile", "building_materials", "commerce", "tobacco",
    "chemical", "mining",
]  # fmt: skip


def counties() -> list[str]:
    text = resources.files("registry").joinpath("data/divisions.tsv").read_text(encoding="utf-8")
    rows = (line.split("\t") for line in text.splitlines()[1:] if line)
    return [code for code, _, current in rows if current == "true" and not code.endswith("00")]


STEPS = """
INSERT INTO grade_steps (grade_id, step, "on", data, status_after, authority_id, actor, recorded_at)
SELECT g.id, s.step, s.day, '{}'::jsonb, s.status, 1, 'bench', s.day::timestamp AT TIME ZONE 'Asia/Shanghai' + interval '10 hours'
FROM grades g
CROSS JOIN LATERAL (VALUES
    ('application', g.applied_on, 'applied', true),
    ('review', g.applied_on + 30, 'reviewed', g.status <> 'applied'),
    ('audit', g.applied_on + 50, 'audited', g.status NOT IN ('applied', 'reviewed')),
    ('announce', g.announced_on, 'valid', g.announced_on IS NOT NULL),
    ('revoke', g.ended_on, 'revoked', g.status = 'revoked')
) AS s(step, day, status, present)
WHERE s.present
"""


async def fill_summary(url: str) -> None:
    """The report summary from the facts (``registry.db.report_summary.rebuild``)."""
    started = time.perf_counter()
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            rows = await conn.run_sync(report_summary.rebuild)
            await conn.execute(text("ANALYZE report_summary"))
    finally:
        await engine.dispose()
    print(f"report summary: {rows:,} rows ({time.perf_counter() - started:.0f} s)")


async def generate(dsn: str) -> bool:
    conn = await asyncpg.connect(dsn)
    try:
        if await conn.fetchval("SELECT count(*) FROM enterprises") >= ENTERPRISES:
            print("already generated")
            return False
        codes = counties()
        started = time.perf_counter()
        await conn.execute(
            "INSERT INTO authorities (division_code, level, name, created_at) VALUES ('000000', 'national', '应急管理部', now()) "
            "ON CONFLICT DO NOTHING"
        )
        await conn.execute(
            """
            INSERT INTO enterprises (uscc, name, division_code, reg_division, industry, scale, status, flags, version,
                                     data_version, created_at, updated_at)
            SELECT '91' || c.code || lpad(i::text, 10, '0'), '企业' || i, c.code, c.code,
                   ($2::text[])[1 + (i * 7) % array_length($2::text[], 1)],
                   CASE WHEN i % 100 < 15 THEN 'above_scale' WHEN i % 100 < 60 THEN 'below_scale' ELSE 'micro' END,
                   'active', '[]'::jsonb, 1, 0, t.at, t.at
            FROM generate_series(1, $3::int) AS i
            CROSS JOIN LATERAL (SELECT ($1::text[])[1 + (i * 2654435761::bigint % array_length($1::text[], 1))::int] AS code) c
            CROSS JOIN LATERAL (SELECT timestamp with time zone '2015-01-01 02:00+00'
                                       + ((i * 40503::bigint) % 4300) * interval '1 day' AS at) t
            """,
            codes,
            INDUSTRIES,
            ENTERPRISES,
        )
        print(f"enterprises: {time.perf_counter() - started:.0f} s")
        await conn.execute(
            """
            INSERT INTO grades (enterprise_id, level, scheme, standard, procedure, grading_authority_id, status,
                                self_score, self_assessed_on, applied_on, announced_on, valid_until, ended_on,
                                version, created_at, updated_at)
            SELECT e.id, lv.level, 'yj-2021-83', '工贸企业安全生产标准化定级标准', 'standard', 1, st.status,
                   80, d.applied - 10, d.applied, d.announced, (d.announced + interval '3 years' - interval '1 day')::date,
                   CASE WHEN st.status = 'revoked' THEN d.announced + 400 END, 1, e.created_at, e.created_at
            FROM enterprises e
            CROSS JOIN LATERAL (SELECT GREATEST((e.created_at AT TIME ZONE 'Asia/Shanghai')::date + 20,
                                                date '2016-01-01' + (e.id * 7919 % 3600)::int) AS applied) a
            CROSS JOIN LATERAL (SELECT CASE WHEN e.id % 500 = 0 THEN 1 WHEN e.id % 96 = 0 THEN 2 ELSE 3 END AS level) lv
            CROSS JOIN LATERAL (SELECT
                CASE WHEN a.applied > date '2026-11-01' THEN 'applied'
                     WHEN a.applied > date '2026-09-01' THEN 'reviewed'
                     WHEN e.id % 20 = 3 AND a.applied < date '2025-06-01' THEN 'revoked'
                     ELSE 'valid' END AS status) st
            CROSS JOIN LATERAL (SELECT a.applied,
                CASE WHEN st.status IN ('valid', 'revoked') THEN a.applied + 80 END AS announced) d
            WHERE e.id % 12 = 0 AND a.applied < date '2026-12-01'
            """
        )
        await conn.execute(
            "UPDATE grades SET status = 'expired', ended_on = valid_until WHERE status = 'valid' AND valid_until < date '2026-12-01'"
        )
        print(f"grades: {await conn.fetchval('SELECT count(*) FROM grades')} ({time.perf_counter() - started:.0f} s)")
        await conn.execute(STEPS)
        print(
            f"steps: {await conn.fetchval('SELECT count(*) FROM grade_steps')} ({time.perf_counter() - started:.0f} s)"
        )
        await conn.execute("VACUUM ANALYZE enterprises")  # index-only scans need the visibility map
        await conn.execute("VACUUM ANALYZE grades")
        await conn.execute("VACUUM ANALYZE grade_steps")
    finally:
        await conn.close()
    return True


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", required=True, help="postgresql+asyncpg://... (created and migrated if absent)")
    url = parser.parse_args().database
    dsn = url.replace("postgresql+asyncpg://", "postgresql://")
    base, _, name = dsn.rpartition("/")

    async def create() -> None:
        conn = await asyncpg.connect(base + "/postgres")
        try:
            if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
                await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()

    asyncio.run(create())
    env = {**os.environ, "REGISTRY_DATABASE_URL": url}
    subprocess.run([sys.executable, "-m", "registry", "db", "upgrade"], env=env, check=True)
    if asyncio.run(generate(dsn)):
        asyncio.run(fill_summary(url))


if __name__ == "__main__":
    main()

"""PostgreSQL's own part of a partner batch: the lookup of 1000 random units by USCC and three of the
facts queries (events, grades, listings) by their ids, timed from the client, plus the plan and
buffers of one lookup. Run against the register ``bench.batch_bench --cluster`` loaded:

    python -m bench.pg_cluster [--stock] && python -m bench.batch_queries [--seed 31] [--rounds 6] [--prewarm]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time

import asyncpg

from bench.pg_cluster import DSN

LOOKUP = "SELECT * FROM enterprises WHERE uscc = ANY($1::varchar[])"
FACTS = (
    "SELECT * FROM credit_events WHERE enterprise_id = ANY($1::bigint[])",
    "SELECT * FROM grades WHERE enterprise_id = ANY($1::bigint[])",
)
LISTINGS = "SELECT * FROM listings WHERE subject_key = ANY($1::varchar[])"


async def run(database: str, seed: int, rounds: int, prewarm: bool) -> None:
    conn = await asyncpg.connect(f"{DSN}/{database}")
    try:
        if prewarm:  # as batch_bench's setup does on the tuned cluster
            await conn.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
            for name in ("enterprises", "uq_enterprises_uscc", "pk_enterprises"):
                await conn.execute("SELECT pg_prewarm($1::regclass)", name)
        top = await conn.fetchval("SELECT max(id) FROM enterprises")
        rng = random.Random(seed)

        async def sample() -> list[str]:
            ids = rng.sample(range(1, top + 1), 1000)
            return [u for (u,) in await conn.fetch("SELECT uscc FROM enterprises WHERE id = ANY($1::bigint[])", ids)]

        for r in range(rounds):
            usccs = await sample()
            start = time.perf_counter()
            rows = await conn.fetch(LOOKUP, usccs)
            looked = time.perf_counter()
            ids = [row["id"] for row in rows]
            for query in FACTS:
                await conn.fetch(query, ids)
            await conn.fetch(LISTINGS, [f"e:{i}" for i in ids])
            done = time.perf_counter()
            print(f"  round {r}: lookup {(looked - start) * 1000:5.1f} ms, facts {(done - looked) * 1000:5.1f} ms")
        plan = await conn.fetch(f"EXPLAIN (ANALYZE, BUFFERS) {LOOKUP}", await sample())
        print("\n".join(f"  {p[0][:140]}" for p in plan if "Cond:" not in p[0]))
        print(f"  shared_buffers={await conn.fetchval('SHOW shared_buffers')}")
    finally:
        await conn.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", default="registry_partner_bench_3200000")
    parser.add_argument("--seed", type=int, default=31)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--prewarm", action="store_true", help="pg_prewarm the enterprises and their indexes first")
    args = parser.parse_args()
    asyncio.run(run(args.database, args.seed, args.rounds, args.prewarm))


if __name__ == "__main__":
    main()

"""Rule evaluation rate (subjects/s): over the demo's stored facts, and over synthetic fact sets.

    python -m bench.rules_bench [--synthetic 1000000] [--workers 2] [--skip-demo]

Demo: a fresh SQLite file with `registry demo` data; for every enterprise, time the facts builder
(SQL) and the evaluation (pure) separately. Synthetic: deterministic fact sets shaped like the
register (most units have no event; some have a few; a few have many, grades and listings),
evaluated against every shipped ruleset as of one day, split over worker processes.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import random
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine

from bench.common import bench_services
from registry.db.migrate import upgrade
from registry.db.models import Enterprise
from registry.demo.seed import load_demo
from registry.domain.evaluation.facts import enterprise_facts
from registry.rules import facts as f
from registry.rules.evaluator import evaluate
from registry.rules.loader import load

AS_OF = dt.date(2026, 11, 26)
KINDS = ("accident", "penalty", "major_hazard", "reporting_violation", "licence_violation", "enforcement_order")
GRADES = ("ordinary", "ordinary", "ordinary", "larger", "major")


def synthetic(n: int) -> f.Facts:
    """Fact set number ``n`` (the same for every run): 75% none, 20% 1-3 events, 5% 4-12."""
    rng = random.Random(n)
    roll = rng.random()
    count = 0 if roll < 0.75 else rng.randint(1, 3) if roll < 0.95 else rng.randint(4, 12)
    events = []
    for i in range(count):
        kind = rng.choice(KINDS)
        day = AS_OF - dt.timedelta(days=rng.randrange(3650))
        extra: dict[str, object] = {}
        if kind == "accident":
            grade = rng.choice(GRADES)
            extra = {"grade": grade, "deaths": {"ordinary": rng.randint(0, 2), "larger": 4, "major": 12}[grade]}
        elif kind == "penalty":
            extra = {
                "links": (i - 1,) if i and rng.random() < 0.5 else (),
                "multiplier": rng.choice((None, None, None, 1.5, 2.0)),
                "execution": rng.choice(("executed", "pending", "refused")),
                "deciding_authority": "110000",
            }
        elif kind == "major_hazard":
            extra = {"deadline": day + dt.timedelta(days=90)}
        elif kind == "reporting_violation":
            extra = {"type": rng.choice(("concealment", "late_report"))}
        elif kind == "licence_violation":
            extra = {"type": "no_licence"}
        else:
            extra = {"type": "suspension_for_rectification", "until": day + dt.timedelta(days=60)}
        events.append(f.Event(id=i, kind=kind, occurred_on=day, **extra))  # type: ignore[arg-type]
    grades = ()
    if rng.random() < 0.1:
        announced = AS_OF - dt.timedelta(days=rng.randrange(1500))
        grades = (
            f.Grade(
                id=1,
                level=rng.choice((1, 2, 3)),
                status="valid",
                announced_on=announced,
                valid_until=announced.replace(year=announced.year + 3, day=min(announced.day, 28)),
            ),
        )
    listings = ()
    if rng.random() < 0.02:
        listed = AS_OF - dt.timedelta(days=rng.randrange(1000))
        listings = (
            f.Listing(
                list_type="SERIOUS_DISHONEST_2023",
                listed_on=listed,
                until=listed.replace(year=listed.year + 3, day=min(listed.day, 28)),
            ),
        )
    return f.Facts(
        subject=f.Subject(type="enterprise", id=str(n), industry="machinery", parent_uscc="x" if n % 10 == 3 else None),
        events=tuple(events),
        grades=grades,
        listings=listings,
        insurance=f.Insurance(work_injury_class=rng.randint(1, 8)),
    )


def _chunk(bounds: tuple[int, int]) -> tuple[int, int, float]:
    """Evaluate fact sets ``start..end``: (count, outcomes, seconds spent evaluating)."""
    rulesets = load()
    outcomes = 0
    spent = 0.0
    for n in range(*bounds):
        facts = synthetic(n)
        t = time.perf_counter()
        outcomes += len(evaluate(rulesets, facts, AS_OF).outcomes())
        spent += time.perf_counter() - t
    return bounds[1] - bounds[0], outcomes, spent


def run_synthetic(total: int, workers: int) -> None:
    step = 10_000
    chunks = [(i, min(i + step, total)) for i in range(0, total, step)]
    t = time.perf_counter()
    with ProcessPoolExecutor(workers) as pool:
        results = list(pool.map(_chunk, chunks))
    wall = time.perf_counter() - t
    done = sum(r[0] for r in results)
    cpu = sum(r[2] for r in results)
    print(
        f"synthetic: {done:,} fact sets, {sum(r[1] for r in results):,} outcomes, {wall:.1f} s wall with "
        f"{workers} workers: {done / wall:,.0f} subjects/s; evaluation alone {done / cpu:,.0f} subjects/s per core "
        f"({cpu / done * 1e6:.0f} us each)"
    )


async def run_demo(workdir: Path) -> None:
    url = f"sqlite+aiosqlite:///{workdir / 'demo.db'}"
    engine = create_async_engine(url)
    await upgrade(engine)
    await engine.dispose()
    services = bench_services(url, workdir / "keys")
    try:
        await load_demo(services)
        rulesets = load()
        build = spent = 0.0
        count = fired = 0
        async with services.db.read() as session:
            units = list(await session.scalars(select(Enterprise).order_by(Enterprise.id)))
            for unit in units:
                t = time.perf_counter()
                facts = await enterprise_facts(session, unit)
                build += time.perf_counter() - t
                t = time.perf_counter()
                decision = evaluate(rulesets, facts, AS_OF)
                spent += time.perf_counter() - t
                count += 1
                fired += bool(decision.fired)
        print(
            f"demo: {count} enterprises ({fired} with a rule fired): facts from SQLite {count / build:,.0f}/s "
            f"({build / count * 1e3:.2f} ms each), evaluation {count / spent:,.0f}/s "
            f"({spent / count * 1e6:.0f} us each)"
        )
    finally:
        await services.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--synthetic", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--skip-demo", action="store_true")
    args = parser.parse_args()
    if not args.skip_demo:
        with tempfile.TemporaryDirectory() as tmp:
            asyncio.run(run_demo(Path(tmp)))
    if args.synthetic:
        run_synthetic(args.synthetic, args.workers)


if __name__ == "__main__":
    main()

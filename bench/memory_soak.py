"""Memory of one worker under the mixed load, in one process, without a server (issue 22).

    python -m bench.memory_soak [--minutes 4] [--every 30] [--sizes] [--tracemalloc] [--trim]
        [--database s_memory_10000] [--status-tasks 8] [--detail-tasks 2]

Builds the app as ``registry serve`` does (``create_app(Settings.from_env())``, PostgreSQL and Redis,
the environment of ``bench.mixed_load``) over a private database filled by ``bench.mixed_load``'s own
set-up (10,000 units of 410103, a partner and an officer account), runs its lifespan, and drives it
in-process (httpx over ASGI) with the same mix: closed-loop partner status of any unit, a batch of
100-1000 units every 200 ms, public search and detail pages, officer events and registrations every
100 ms. Every ``--every`` seconds it prints one JSON line: the RSS, pymalloc's blocks in use
(``sys.getallocatedblocks``), glibc's bytes in use and free-but-kept (``mallinfo2``), the requests
done, and the entries of the service's caches and the log tree; ``--sizes`` adds the bytes reachable
from each cache (a walk of every object: it pauses the loop and allocates a large set itself);
``--tracemalloc`` starts tracing after ``--trace-after`` seconds and prints the top growths since the
previous sample by traceback (it slows every allocation: with 10 frames the loaded machine answered
so slowly that statements timed out); ``--trim`` calls ``malloc_trim(0)`` before each sample (how
much of the RSS is freed memory glibc kept). At the end, the object counts by type that grew since
the first minute. Exits 1 on any answer not 2xx (a 409 of a registration is counted apart).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import ctypes
import gc
import json
import logging
import os
import random
import sys
import time
import tracemalloc
import types
from pathlib import Path
from typing import Any

import httpx

from bench.mixed_load import PG as PG_BASE
from bench.mixed_load import REDIS, Kind, kinds, migrate, prepare


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class _Mallinfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in [
            "arena",
            "ordblks",
            "smblks",
            "hblks",
            "hblkhd",
            "usmblks",
            "fsmblks",
            "uordblks",
            "fordblks",
            "keepcost",
        ]
    ]


def malloc_mb(libc: Any) -> dict[str, float]:
    """glibc's own account (mallinfo2, all arenas): bytes in use, bytes free but kept, bytes mmapped."""
    libc.mallinfo2.restype = _Mallinfo2
    m = libc.mallinfo2()
    mb = 2**20
    return {"malloc_used_mb": round((m.uordblks + m.hblkhd) / mb, 1), "malloc_free_mb": round(m.fordblks / mb, 1)}


def cache_sizes(app: Any) -> dict[str, int]:
    """The sizes of what the service keeps in memory, by name (the attributes may move: each is
    looked up defensively, a missing one is left out)."""
    s = app.state.services
    out: dict[str, int] = {}

    def put(name: str, get: Any) -> None:
        with contextlib.suppress(AttributeError, TypeError, KeyError):
            out[name] = int(get())

    p = s.partners
    put("status answers", lambda: len(p._cache))
    put("status keys", lambda: len(p._keys))
    put("status generations", lambda: len(p._generation))
    put("rules memo", lambda: len(p.memo._memo))
    put("public answers", lambda: len(s.disclosure._answers))
    put("public memo", lambda: len(s.disclosure.memo._memo))
    put("query records unwritten", lambda: p.queries.state()["unwritten"])
    put("tokens cached", lambda: len(s.tokens._cache))
    put("log leaves", lambda: s.log.tree.size)
    put("log tree memo", lambda: len(s.log.tree._memo))
    put("sqlalchemy compiled cache", lambda: len(s.db.writer.sync_engine._compiled_cache))
    return out


def deep_mb(*roots: object) -> float:
    """Bytes reachable from ``roots`` (``sys.getsizeof`` summed over ``gc.get_referents``, each object
    once; classes, modules and functions not followed), in MB: an upper bound of what dropping
    them frees (objects shared with the rest of the process are counted too)."""
    seen: set[int] = set()
    todo = list(roots)
    total = 0
    skip = (type, types.ModuleType, types.FunctionType, types.BuiltinFunctionType)
    while todo:
        o = todo.pop()
        if id(o) in seen or isinstance(o, skip):
            continue
        seen.add(id(o))
        total += sys.getsizeof(o)
        todo.extend(gc.get_referents(o))
    return round(total / 2**20, 1)


def deep_sizes(app: Any) -> dict[str, float]:
    p, d = app.state.services.partners, app.state.services.disclosure
    return {
        "status answers MB": deep_mb(p._cache),
        "rules memo MB": deep_mb(p.memo._memo),
        "public answers MB": deep_mb(d._answers),
        "public memo MB": deep_mb(d.memo._memo),
        "status keys+generations MB": deep_mb(p._keys, p._generation),
    }


def type_counts() -> collections.Counter[str]:
    return collections.Counter(type(o).__qualname__ for o in gc.get_objects())


async def drive(
    client: httpx.AsyncClient, kind: Kind, seed: int, stop: float, counts: collections.Counter[str]
) -> None:
    rng = random.Random(seed)  # each task its own sequence
    headers = {"Authorization": f"Bearer {kind.token}", "Content-Type": "application/json"} if kind.token else {}
    i = 0
    while time.monotonic() < stop:
        if kind.sequential:
            line, i = kind.lines[i % len(kind.lines)], i + 1
        else:
            line = rng.choice(kind.lines)
        if kind.method == "GET":
            r = await client.get(line, headers=headers)
        else:
            r = await client.post(kind.path, content=line.encode(), headers=headers)
        if 200 <= r.status_code < 300:
            counts[kind.name] += 1
        elif r.status_code in kind.expected:
            counts[f"{kind.name} {r.status_code}"] += 1
        else:
            counts[f"{kind.name} ERROR {r.status_code}"] += 1
            if counts[f"{kind.name} ERROR {r.status_code}"] <= 3:
                print(f"  {kind.name}: {r.status_code} {r.text[:300]}", flush=True)
        if kind.delay_ms:
            await asyncio.sleep(kind.delay_ms / 1000)


def traced(
    args: argparse.Namespace, t: float, line: dict[str, Any], previous: tracemalloc.Snapshot | None
) -> tracemalloc.Snapshot | None:
    """Starts tracing once ``--trace-after`` has passed (after the caches filled: tracing slows each
    allocation), then prints the growth since the previous snapshot; the new snapshot."""
    if not tracemalloc.is_tracing():
        if t >= args.trace_after:
            tracemalloc.start(args.frames)
        return None
    snap = tracemalloc.take_snapshot().filter_traces(
        [tracemalloc.Filter(False, tracemalloc.__file__), tracemalloc.Filter(False, "<frozen *>")]
    )
    line["traced_mb"] = round(tracemalloc.get_traced_memory()[0] / 2**20, 1)
    if previous is not None:
        print(f"  top growth by traceback, t={t:.0f}s:")
        for stat in snap.compare_to(previous, "traceback")[: args.top]:
            if stat.size_diff > 0:
                print(f"    {stat.size_diff / 1024:+9.1f} KiB {stat.count_diff:+7d} blocks")
                for frame in stat.traceback.format()[-2 * args.frames :]:
                    print(f"        {frame}")
    return snap


async def soak(args: argparse.Namespace, url: str, workdir: Path) -> int:
    from registry.app import create_app  # noqa: PLC0415
    from registry.settings import Settings  # noqa: PLC0415

    setup = await prepare(url, args.enterprises, workdir)
    app = create_app(Settings.from_env())
    libc = ctypes.CDLL("libc.so.6")
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
    async with (
        app.lifespan(),
        httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1", timeout=60) as client,
    ):
        tokens = []
        for cid, secret in (setup.partner, setup.officer):
            r = await client.post(
                "/api/v1/auth/token",
                data={"grant_type": "client_credentials", "client_id": cid, "client_secret": secret},
            )
            r.raise_for_status()
            tokens.append(r.json()["access_token"])
        seconds = int(args.minutes * 60)
        mix = kinds(setup, tokens[0], tokens[1], random.Random(os.getpid()), seconds)
        for kind in mix:
            if kind.name == "status":
                kind.connections = args.status_tasks
            if kind.name == "detail":
                kind.connections = args.detail_tasks
        counts: collections.Counter[str] = collections.Counter()
        # warm: the first minute fills the caches (the comparisons start after it)
        stop = time.monotonic() + seconds
        tasks = [
            asyncio.create_task(drive(client, kind, n * 1000 + i, stop, counts))
            for n, kind in enumerate(mix)
            for i in range(kind.connections)
        ]
        started = time.monotonic()
        previous: tracemalloc.Snapshot | None = None
        types_first: collections.Counter[str] | None = None
        rows = []
        while time.monotonic() < stop:
            await asyncio.sleep(args.every)
            if args.trim:
                libc.malloc_trim(0)
            t = time.monotonic() - started
            line = {
                "t": round(t),
                "rss_mb": round(rss_mb(), 1),
                "blocks": sys.getallocatedblocks(),
                **malloc_mb(libc),
                **dict(sorted(counts.items())),
                **cache_sizes(app),
                **(deep_sizes(app) if args.sizes else {}),
            }
            if args.tracemalloc:
                previous = traced(args, t, line, previous)
            if types_first is None and t >= 60:
                types_first = type_counts()
            print(json.dumps(line, ensure_ascii=False), flush=True)
            rows.append(line)
        await asyncio.gather(*tasks)
    if types_first is not None:
        grew = type_counts()
        grew.subtract(types_first)
        print("object counts grown since the first minute:", grew.most_common(25))
    errors = sum(n for k, n in counts.items() if "ERROR" in k)
    print(f"done: {dict(counts)}; errors {errors}")
    return errors


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=4)
    parser.add_argument("--every", type=float, default=30)
    parser.add_argument("--enterprises", type=int, default=10_000)
    parser.add_argument("--database", default="s_memory_10000")
    parser.add_argument("--status-tasks", type=int, default=8)
    parser.add_argument("--detail-tasks", type=int, default=2, help="public detail pages asked at once")
    parser.add_argument("--tracemalloc", action="store_true")
    parser.add_argument("--frames", type=int, default=1)
    parser.add_argument("--trace-after", type=float, default=60, help="seconds before tracemalloc starts")
    parser.add_argument("--top", type=int, default=12)
    parser.add_argument("--trim", action="store_true")
    parser.add_argument("--sizes", action="store_true", help="the deep sizes of the caches at each sample")
    args = parser.parse_args()
    print("python -m bench.memory_soak " + " ".join(sys.argv[1:]), flush=True)
    workdir = Path("var/bench")
    workdir.mkdir(parents=True, exist_ok=True)
    url = f"{PG_BASE.replace('postgresql://', 'postgresql+asyncpg://')}/{args.database}"
    os.environ.update(
        {
            "REGISTRY_DATABASE_URL": url,
            "REGISTRY_REDIS_URL": REDIS,
            "REGISTRY_REDIS_PREFIX": f"s-memory-{os.getpid()}:",
            "REGISTRY_KEYS_DIR": str(workdir / "keys"),
            "REGISTRY_KEY_PASSPHRASE": "bench",
            "REGISTRY_PERSON_ID_KEY": "22" * 32,
            "REGISTRY_LOG_LEVEL": "ERROR",
            "REGISTRY_SWEEP_INTERVAL_SECONDS": "0",
            "REGISTRY_PUBLIC_RATE_LIMIT": "100000000",
            "REGISTRY_TOKEN_TTL_SECONDS": "7200",
        }
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)
    asyncio.run(migrate(url))
    sys.exit(1 if asyncio.run(soak(args, url, workdir)) else 0)


if __name__ == "__main__":
    main()

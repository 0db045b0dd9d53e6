"""Where the time of a partner status answer goes, in process (no HTTP server), beside the bare app.

    python -m bench.status_profile [--database sqlite|postgresql] [--answers 10000] [--nonce]
        [--sort tottime|cumulative] [--norecord] [--cold] [--db-prefix s_cold_]

Uses the partner bench's database (``bench.partner_bench.prepare``), starts the app's lifespan,
warms 200 units, then calls the ASGI app directly ANSWERS times (the raw scope a server would
give), once under cProfile and once without, and prints µs per answer, the same for
``bench.bare_app``, and the profile's top 30 lines. ``--norecord``: the query records not written.
``--cold``: each answer asks a unit no request asked before (no answer pre-produced: the facts read,
the rules decided, the payload signed for it), the profiled ones and the timed ones different units
(so ANSWERS is at most half of the 9,800 units not warmed); it prints the CPU time of the process per
answer too (``time.process_time``), which a loaded machine does not inflate.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import random
import time
from pathlib import Path
from typing import Any

import httpx
from litestar import Litestar

from bench.bare_app import create as create_bare
from bench.partner_bench import prepare, server_env
from registry.app import create_app
from registry.settings import Settings

Call = Any


def caller(app: Litestar, token: str | None) -> Call:
    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def call(path: str, query: bytes = b"") -> int:
        status = 0

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]

        headers = [(b"host", b"bench")]
        if token:
            headers.append((b"authorization", f"Bearer {token}".encode()))
        raw = path.encode() + (b"?" + query if query else b"")
        scope = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
            "scheme": "http", "path": path, "raw_path": raw, "query_string": query, "root_path": "",
            "headers": headers, "client": ("127.0.0.1", 1), "server": ("bench", 80),
        }  # fmt: skip
        await app(scope, receive, send)  # type: ignore[arg-type]
        return status

    return call


async def per_answer(call: Call, paths: list[tuple[str, bytes]]) -> float:
    return (await per_answer_cpu(call, paths))[0]


async def per_answer_cpu(call: Call, paths: list[tuple[str, bytes]]) -> tuple[float, float]:
    """(wall, CPU of this process) µs per answer."""
    start, cpu = time.perf_counter(), time.process_time()
    for path, query in paths:
        assert await call(path, query) == 200
    return (time.perf_counter() - start) / len(paths) * 1e6, (time.process_time() - cpu) / len(paths) * 1e6


async def run(args: argparse.Namespace) -> None:
    workdir = Path("var/bench")
    url, usccs, cid, secret = await prepare(10_000, workdir, args.database, prefix=args.db_prefix)
    os.environ.update(server_env(url, workdir))
    app = create_app(Settings.from_env())
    if args.norecord:

        async def nothing(_row: object) -> None:
            return None

        app.state.services.partners.queries.add = nothing
    async with app.lifespan():
        token = await _token(app, cid, secret)
        call = caller(app, token)
        drawn = random.Random(1).sample(usccs, len(usccs))
        hot = drawn[:200]
        for u in hot:
            assert await call(f"/api/v1/partner/status/{u}") == 200
        query = [f"nonce=bench-nonce-{i}".encode() if args.nonce else b"" for i in range(args.answers)]
        if args.cold:
            # units not asked before, different ones for the profiled run and the timed one
            rest = drawn[200:]
            assert len(rest) >= 2 * args.answers, f"--cold: at most {len(rest) // 2} answers"
            first = [(f"/api/v1/partner/status/{u}", q) for u, q in zip(rest, query, strict=False)]
            second = [(f"/api/v1/partner/status/{u}", q) for u, q in zip(rest[args.answers :], query, strict=False)]
        else:
            first = second = [(f"/api/v1/partner/status/{hot[i % len(hot)]}", q) for i, q in enumerate(query)]
        profiler = cProfile.Profile(time.process_time) if args.cold else cProfile.Profile()
        profiler.enable()
        profiled = await per_answer(call, first)
        profiler.disable()
        plain, cpu = await per_answer_cpu(call, second)
    bare = caller(create_bare(), None)
    bare_us = await per_answer(bare, [("/bare", b"")] * args.answers)
    kind = ("cold nonce" if args.cold else "nonce") if args.nonce else ("cold" if args.cold else "cached")
    print(
        f"{args.database}: {kind} status {plain:.0f} µs an answer (CPU {cpu:.0f} µs; {profiled:.0f} µs under "
        f"cProfile); bare {bare_us:.0f} µs; load average {os.getloadavg()[0]:.1f}"
    )
    pstats.Stats(profiler).sort_stats(args.sort).print_stats(30)


async def _token(app: Litestar, cid: str, secret: str) -> str:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        r = await client.post(
            "/api/v1/auth/token", data={"grant_type": "client_credentials", "client_id": cid, "client_secret": secret}
        )
        return str(r.json()["access_token"])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--answers", type=int, default=10_000)
    parser.add_argument("--nonce", action="store_true")
    parser.add_argument("--norecord", action="store_true")
    parser.add_argument("--cold", action="store_true", help="each answer for a unit not asked before")
    parser.add_argument("--sort", default="tottime")
    parser.add_argument("--db-prefix", default="", help="before the database's name (one per parallel session)")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()

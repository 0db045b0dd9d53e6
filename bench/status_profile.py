"""Where the time of a partner status answer goes, in process (no HTTP server), beside the bare app.

    python -m bench.status_profile [--database sqlite|postgresql] [--answers 10000] [--nonce]
        [--sort tottime|cumulative] [--norecord]

Uses the partner bench's database (``bench.partner_bench.prepare``), starts the app's lifespan,
warms 200 units, then calls the ASGI app directly ANSWERS times (the raw scope a server would
give), once under cProfile and once without, and prints µs per answer, the same for
``bench.bare_app``, and the profile's top 30 lines. ``--norecord``: the query records not written.
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
    start = time.perf_counter()
    for path, query in paths:
        assert await call(path, query) == 200
    return (time.perf_counter() - start) / len(paths) * 1e6


async def run(args: argparse.Namespace) -> None:
    workdir = Path("var/bench")
    url, usccs, cid, secret = await prepare(10_000, workdir, args.database)
    os.environ.update(server_env(url, workdir))
    app = create_app(Settings.from_env())
    if args.norecord:

        async def nothing(_row: object) -> None:
            return None

        app.state.services.partners.queries.add = nothing
    async with app.lifespan():
        token = await _token(app, cid, secret)
        call = caller(app, token)
        hot = random.Random(1).sample(usccs, 200)
        for u in hot:
            assert await call(f"/api/v1/partner/status/{u}") == 200
        paths = [
            (f"/api/v1/partner/status/{hot[i % len(hot)]}", f"nonce=bench-nonce-{i}".encode() if args.nonce else b"")
            for i in range(args.answers)
        ]
        profiler = cProfile.Profile()
        profiler.enable()
        profiled = await per_answer(call, paths)
        profiler.disable()
        plain = await per_answer(call, paths)
    bare = caller(create_bare(), None)
    bare_us = await per_answer(bare, [("/bare", b"")] * args.answers)
    kind = "nonce" if args.nonce else "cached"
    print(
        f"{args.database}: {kind} status {plain:.0f} µs an answer ({profiled:.0f} µs under cProfile); "
        f"bare {bare_us:.0f} µs"
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
    parser.add_argument("--sort", default="tottime")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()

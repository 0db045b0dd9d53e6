"""Partner status answers/s beside a bare endpoint in the same server (issue 6's speed targets).

    python -m bench.partner_bench --enterprises 10000 [--hot 1000] [--seconds 10] [--workers 1]

Builds a PostgreSQL database with ENTERPRISES registered units, serves the app (and a bare
endpoint returning a constant ~600-byte JSON) with Granian, warms the pre-produced answers of HOT
units, then runs wrk against both, alternating, each request for a random hot unit; then offers
a fixed rate of FIXED_RATE (default 0.5) times the status peak with h2load and reads the latency
of every answer from its log. Needs `wrk` and `h2load` (Debian packages wrk, nghttp2-client).
Prints answers/s, the ratio to the bare endpoint and the latency percentiles.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import asyncpg
import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import create_async_engine

from bench.common import bench_services
from bench.make_csv import write
from registry.db.migrate import upgrade
from registry.db.models import Enterprise
from registry.domain.actors import system_actor
from registry.domain.imports.readers import read_csv

PG = "postgresql://postgres@127.0.0.1:5432"
PORT = 8790

LUA = """
local usccs = {}
for line in io.lines("%s") do usccs[#usccs + 1] = line end
request = function()
  local u = usccs[math.random(#usccs)]
  return wrk.format("GET", "/api/v1/partner/status/" .. u, {["Authorization"] = "Bearer %s"})
end
"""


async def prepare(enterprises: int, workdir: Path) -> tuple[str, list[str], str, str]:
    name = f"registry_partner_bench_{enterprises}"
    conn = await asyncpg.connect(f"{PG}/postgres")
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
    engine = create_async_engine(url)
    await upgrade(engine)
    await engine.dispose()
    services = bench_services(url, workdir / "keys")
    try:
        path = workdir / f"enterprises-{enterprises}.csv"
        if not path.exists():
            write(path, enterprises, bad=0, seed=11)
        usccs = [line.split(",")[0] for line in path.read_text(encoding="utf-8").splitlines()[1:]]
        async with services.db.read() as session:
            have = int(await session.scalar(select(func.count(Enterprise.id))) or 0)
        # a database left by an earlier run is used as it is (random codes collide now and then:
        # 3.2 million rows hold 6 repeated USCCs, imported once each)
        if have < len(set(usccs)):
            _, reader = read_csv(path.read_bytes())
            await services.importer.run(system_actor("bench"), reader)
        new = await services.accounts.create(system_actor("bench"), role="partner", name="bench", department="mof")
    finally:
        await services.close()
    return url, usccs, new.client_id, new.client_secret


def wrk(url: str, seconds: int, script: str | None) -> tuple[float, str]:
    cmd = ["wrk", "-t1", "-c32", f"-d{seconds}s", "--latency"]
    if script:
        cmd += ["-s", script]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    latency = " ".join(f"p{p}={v}" for p, v in re.findall(r"\s(50|90|99)%\s+(\S+)", out))
    return rate, latency


def fixed_rate(url_file: Path, token: str, rate: float, seconds: int, clients: int = 16) -> str:
    """p50/p90/p99/max of answers at a fixed offered rate (h2load ``--rps``, open loop per client;
    Debian package nghttp2-client): wrk has no fixed-rate mode and wrk2 is not packaged."""
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "requests.tsv"
        subprocess.run(
            ["h2load", "--h1", "-c", str(clients), f"--rps={rate / clients:.1f}", "-D", str(seconds),
             "--warm-up-time=1", "-H", f"Authorization: Bearer {token}", "-i", str(url_file),
             f"--log-file={log}"],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        rows = [line.split("\t") for line in log.read_text().splitlines() if line.strip()]
    durations = sorted(int(r[2]) / 1000 for r in rows)
    failed = sum(1 for r in rows if r[1] != "200")
    n = len(durations)

    def pct(p: float) -> float:
        return durations[min(n - 1, int(p * n))]

    return (
        f"{n / seconds:7.0f}/s offered {rate:.0f}/s  p50={pct(0.5):.2f}ms p90={pct(0.9):.2f}ms "
        f"p99={pct(0.99):.2f}ms max={durations[-1]:.1f}ms  non-200: {failed}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--enterprises", type=int, default=10_000)
    parser.add_argument("--hot", type=int, default=1000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument(
        "--fixed-rate", type=float, default=0.5, help="then offer this fraction of the status peak (0: skip)"
    )
    args = parser.parse_args()
    workdir = Path("var/bench")
    workdir.mkdir(parents=True, exist_ok=True)
    url, usccs, cid, secret = asyncio.run(prepare(args.enterprises, workdir))
    env = {
        **os.environ,
        "REGISTRY_DATABASE_URL": url,
        "REGISTRY_KEYS_DIR": str(workdir / "keys"),
        "REGISTRY_KEY_PASSPHRASE": "bench",
        "REGISTRY_PERSON_ID_KEY": "22" * 32,
        "REGISTRY_LOG_LEVEL": "ERROR",
        "REGISTRY_SWEEP_INTERVAL_SECONDS": "0",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "granian", "--interface", "asgi", "--factory", "--host", "127.0.0.1",
         "--port", str(PORT), "--workers", str(args.workers), "--loop", "uvloop", "--log-level", "error",
         os.environ.get("BENCH_APP", "bench.partner_app:create")],
        env=env,
    )  # fmt: skip
    base = f"http://127.0.0.1:{PORT}"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{base}/health/live", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        token = httpx.post(
            f"{base}/api/v1/auth/token",
            data={"grant_type": "client_credentials", "client_id": cid, "client_secret": secret},
        ).json()["access_token"]
        hot = random.Random(1).sample(usccs, min(args.hot, len(usccs)))
        start = time.perf_counter()
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=60) as c:
            for u in hot:  # every worker must see each (random routing): a few passes
                for _ in range(args.workers):
                    assert c.get(f"/api/v1/partner/status/{u}").status_code == 200
        warm = time.perf_counter() - start
        with tempfile.TemporaryDirectory() as tmp:
            listing = Path(tmp) / "usccs.txt"
            listing.write_text("\n".join(hot) + "\n")
            script = Path(tmp) / "status.lua"
            script.write_text(LUA % (listing, token))
            print(f"{args.enterprises} enterprises, {len(hot)} hot, warmed in {warm:.1f}s, {args.workers} worker(s)")
            peaks = []
            for _ in range(2):
                bare, bare_lat = wrk(f"{base}/bare", args.seconds, None)
                status, status_lat = wrk(base, args.seconds, str(script))
                peaks.append(status)
                print(f"  bare   {bare:8.0f}/s  {bare_lat}")
                print(f"  status {status:8.0f}/s  {status_lat}   ratio {status / bare:.2f}")
            if args.fixed_rate > 0:
                urls = Path(tmp) / "urls.txt"
                urls.write_text("".join(f"{base}/api/v1/partner/status/{u}\n" for u in hot))
                rate = args.fixed_rate * max(peaks)
                for _ in range(2):
                    print(
                        f"  status at {args.fixed_rate:.0%} of the peak: {fixed_rate(urls, token, rate, args.seconds)}"
                    )
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()

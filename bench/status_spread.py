"""Partner status over many subjects spread over the table, not a warmed few (issue 22).

    python -m bench.search_data --database URL [--enterprises N]     # the table, by SQL (once)
    python -m bench.status_spread --database URL [--subjects 200000] [--seconds 8] [--rounds 2]

``bench.partner_bench`` asks 1,000 warmed units, whose answers are pre-produced and cached: that
shows the hot path, not a partner asking about any unit of the register. Here each request asks a
random one of SUBJECTS units drawn at random from the whole ``enterprises`` table (200,000 by
default, more than the answer cache holds, none asked before the run), so most answers are built
for the request (facts read, rules decided, signed). It serves the registry with Granian (the
bench's app, ``bench.partner_app:create``, Redis db 15), measures the peak with wrk (``-t1 -c8``,
ROUNDS runs), then offers FIXED_RATE (0.5) of the median peak at a fixed rate with h2load
(``--rps``, open loop per client; wrk has no fixed-rate mode) over the same subjects and prints
p50/p90/p99/max of every answer. Run it on a 10,000 and a 3.2-million table to compare the scales.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx
from sqlalchemy import text

from bench.common import bench_services
from bench.partner_bench import LUA, REDIS, granian, server_env, wait_up
from registry.domain.actors import system_actor

PORT = 8794


async def prepare(url: str, subjects: int, workdir: Path) -> tuple[list[str], str, str, int]:
    """(sampled USCCs, partner client id and secret, rows in the table)."""
    services = bench_services(url, workdir / "keys")
    try:
        async with services.db.read() as session:
            total = int((await session.execute(text("SELECT count(*) FROM enterprises"))).scalar_one())
            rows = await session.execute(
                text("SELECT uscc FROM enterprises TABLESAMPLE BERNOULLI (:p) REPEATABLE (22) LIMIT :n"),
                {"p": min(100.0, 100.0 * subjects * 1.2 / max(1, total)), "n": subjects},
            )
            usccs = [str(r[0]) for r in rows]
        new = await services.accounts.create(system_actor("bench"), role="partner", name="spread", department="mof")
    finally:
        await services.close()
    return usccs, new.client_id, new.client_secret, total


def peak_rate(base: str, seconds: int, lua: str, connections: int) -> tuple[float, str]:
    """wrk at its peak with a 30 s timeout: answers built for the request take so long under 32
    connections that wrk's default 2 s timeout dropped every one (0/s)."""
    cmd = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "30s", "--latency", "-s", lua, base]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    latency = " ".join(f"p{p}={v}" for p, v in re.findall(r"\s(50|90|99)%\s+(\S+)", out))
    failed = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors:.*", out)
    extra = (f"  NON-2XX {failed.group(1)}" if failed else "") + (f"  {errors.group(0)}" if errors else "")
    return rate, latency + extra


def spread_rate(urls: list[str], run: int, token: str, rate: float, seconds: int, tmp: Path, clients: int = 16) -> str:
    """p50/p90/p99/max at a fixed offered rate, CLIENTS h2load processes of one connection each
    (``--rps``), each walking its own slice of the subjects: one h2load process walks its URI list
    in the same order for every client, so 16 clients would ask each subject 16 times (cached after
    the first). Each (run, client) has its own slice of len/32 subjects (enough
    below 10,000/s), so no answer is asked twice."""
    step = len(urls) // (clients * 2)
    procs, logs = [], []
    for i in range(clients):
        offset = (run * clients + i) * step
        listing = tmp / f"urls-{run}-{i}.txt"
        listing.write_text("\n".join((urls[offset:] + urls[:offset])[:step]) + "\n")  # wraps after step
        logs.append(tmp / f"log-{run}-{i}.tsv")
        cmd = ["h2load", "--h1", "-c", "1", f"--rps={rate / clients:.2f}", "-D", str(seconds), "--warm-up-time=1"]
        cmd += ["-H", f"Authorization: Bearer {token}", "-i", str(listing), f"--log-file={logs[-1]}"]
        procs.append(subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    for p in procs:
        p.wait()
    rows = [line.split("\t") for log in logs for line in log.read_text().splitlines() if line.strip()]
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
    parser.add_argument("--database", required=True, help="postgresql+asyncpg://... made by bench.search_data")
    parser.add_argument("--subjects", type=int, default=200_000)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--fixed-rate", type=float, default=0.5)
    parser.add_argument("--connections", type=int, default=8, help="wrk connections for the peak")
    args = parser.parse_args()
    print("python -m bench.status_spread " + " ".join(sys.argv[1:]), flush=True)
    workdir = Path("var/bench")
    workdir.mkdir(parents=True, exist_ok=True)
    usccs, cid, secret, total = asyncio.run(prepare(args.database, args.subjects, workdir))
    env = {**os.environ, **server_env(args.database, workdir), "REGISTRY_REDIS_URL": REDIS}
    server = granian("bench.partner_app:create", PORT, args.workers, env)
    base = f"http://127.0.0.1:{PORT}"
    try:
        wait_up(f"{base}/health/live")
        token = httpx.post(
            f"{base}/api/v1/auth/token",
            data={"grant_type": "client_credentials", "client_id": cid, "client_secret": secret},
        ).json()["access_token"]
        print(f"{total:,} enterprises, {len(usccs):,} subjects sampled over the table, {args.workers} worker(s)")
        with tempfile.TemporaryDirectory() as tmp:
            listing = Path(tmp) / "usccs.txt"
            listing.write_text("\n".join(usccs) + "\n")
            lua = Path(tmp) / "spread.lua"
            lua.write_text(LUA % (listing, "false", token))
            rates = []
            for r in range(args.rounds):
                rate, latency = peak_rate(base, args.seconds, str(lua), args.connections)
                rates.append(rate)
                print(f"  round {r + 1} peak {rate:8.0f}/s  {latency}", flush=True)
            peak = statistics.median(rates)
            if args.fixed_rate > 0:
                urls = [f"{base}/api/v1/partner/status/{u}" for u in reversed(usccs)]
                offered = args.fixed_rate * peak
                for run in range(2):
                    result = spread_rate(urls, run, token, offered, args.seconds, Path(tmp))
                    print(f"  at {args.fixed_rate:.0%} of the peak {peak:.0f}/s: {result}", flush=True)
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()

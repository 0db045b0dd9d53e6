"""Partner status answers/s against a bare Litestar app in a Granian process of its own (issue 22).

    python -m bench.partner_bench [--database sqlite|postgresql] [--redis] [--enterprises 10000]
        [--hot 1000] [--seconds 8] [--rounds 3] [--workers 1] [--fixed-rate 0.5] [--cluster]

Builds a database (a SQLite file under var/bench, or a PostgreSQL database) with ENTERPRISES
registered units, serves the registry with Granian and, in a second Granian process with the same
settings, ``bench.bare_app`` (a minimal Litestar app returning a constant ~600-byte JSON): an
endpoint inside the registry would carry its middleware and flatter the ratio. It warms the
pre-produced answers of HOT units, then runs wrk (``-t1 -c32``) in ROUNDS rounds, each bare, then
cached status, then nonce status (signed per request), each request for a random hot unit, and
prints every run and the medians (run-to-run noise here is 20-30%). Then it offers FIXED_RATE
(default 0.5) times the median cached peak with h2load and reads the latency of every answer from
its log. Needs `wrk` and `h2load` (Debian packages wrk, nghttp2-client). ``--redis`` gives the
registry REGISTRY_REDIS_URL=redis://127.0.0.1:6379/15.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import asyncpg
import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import create_async_engine

from bench import bulk_enterprises, pg_cluster
from bench.common import bench_services, migrated_database
from bench.make_csv import write
from registry.db.migrate import upgrade
from registry.db.models import Enterprise
from registry.domain.actors import system_actor
from registry.domain.imports.readers import read_csv

PG = "postgresql://postgres@127.0.0.1:5432"
PORT = 8790
BARE_PORT = 8791
REDIS = "redis://127.0.0.1:6379/15"

LUA = """
local usccs = {}
for line in io.lines("%s") do usccs[#usccs + 1] = line end
local n = 0
request = function()
  local u = usccs[math.random(#usccs)]
  local path = "/api/v1/partner/status/" .. u
  if %s then
    n = n + 1
    path = path .. "?nonce=bench-nonce-" .. n
  end
  return wrk.format("GET", path, {["Authorization"] = "Bearer %s"})
end
"""


def database_url(database: str, enterprises: int, workdir: Path, server: str = PG, prefix: str = "") -> str:
    """``server``: the PostgreSQL to use (``bench.pg_cluster.DSN`` for the tuned private one);
    ``prefix``: before the database's name (or file's), so that parallel sessions keep their own."""
    if database == "sqlite":
        return f"sqlite+aiosqlite:///{workdir / f'{prefix}partner-{enterprises}.db'}"
    return f"{server.replace('postgresql://', 'postgresql+asyncpg://')}/{prefix}registry_partner_bench_{enterprises}"


def enterprises_csv(enterprises: int, workdir: Path) -> Path:
    path = workdir / f"enterprises-{enterprises}.csv"
    if not path.exists():
        write(path, enterprises, bad=0, seed=11)
    return path


async def prepare(
    enterprises: int, workdir: Path, database: str = "postgresql", server: str = PG, prefix: str = ""
) -> tuple[str, list[str], str, str]:
    url = database_url(database, enterprises, workdir, server, prefix)
    if database == "postgresql":
        name = url.rsplit("/", 1)[1]
        conn = await asyncpg.connect(f"{server}/postgres")
        try:
            exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
            if not exists:
                await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()
    engine = create_async_engine(url)
    await upgrade(engine)
    await engine.dispose()
    services = bench_services(url, workdir / "keys")
    try:
        path = enterprises_csv(enterprises, workdir)
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


def server_env(url: str, workdir: Path) -> dict[str, str]:
    """The registry's settings for a bench run: the bench database and keys, quiet, no sweep."""
    return {
        "REGISTRY_DATABASE_URL": url,
        "REGISTRY_KEYS_DIR": str(workdir / "keys"),
        "REGISTRY_KEY_PASSPHRASE": "bench",
        "REGISTRY_PERSON_ID_KEY": "22" * 32,
        "REGISTRY_LOG_LEVEL": "ERROR",
        "REGISTRY_SWEEP_INTERVAL_SECONDS": "0",
    }


def wrk(url: str, seconds: int, script: str | None) -> tuple[float, str]:
    cmd = ["wrk", "-t1", "-c32", f"-d{seconds}s", "--latency"]
    if script:
        cmd += ["-s", script]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    latency = " ".join(f"p{p}={v}" for p, v in re.findall(r"\s(50|90|99)%\s+(\S+)", out))
    failed = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors:.*", out)
    extra = (f"  NON-2XX {failed.group(1)}" if failed else "") + (f"  {errors.group(0)}" if errors else "")
    return rate, latency + extra


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


def granian(app: str, port: int, workers: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "granian", "--interface", "asgi", "--factory", "--host", "127.0.0.1",
         "--port", str(port), "--workers", str(workers), "--loop", "uvloop", "--log-level", "error", app],
        env=env,
    )  # fmt: skip


def wait_up(url: str) -> None:
    for _ in range(300):
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{url} did not come up")


def measure(args: argparse.Namespace, base: str, bare_url: str, token: str, hot: list[str]) -> None:
    """Rounds of bare, cached and nonce runs (alternating), their medians, then the fixed rate."""
    with tempfile.TemporaryDirectory() as tmp:
        listing = Path(tmp) / "usccs.txt"
        listing.write_text("\n".join(hot) + "\n")
        scripts = {}
        for kind, nonce in (("cached", "false"), ("nonce", "true")):
            scripts[kind] = Path(tmp) / f"{kind}.lua"
            scripts[kind].write_text(LUA % (listing, nonce, token))
        kinds = ["bare", "cached"] + ([] if args.no_nonce else ["nonce"])
        rates: dict[str, list[float]] = {k: [] for k in kinds}
        for r in range(args.rounds):
            for kind in kinds:
                if kind == "bare":
                    rate, latency = wrk(bare_url, args.seconds, None)
                else:
                    rate, latency = wrk(base, args.seconds, str(scripts[kind]))
                rates[kind].append(rate)
                print(f"  round {r + 1} {kind:6} {rate:8.0f}/s  {latency}")
        bare = statistics.median(rates["bare"])
        print(f"  median bare   {bare:8.0f}/s")
        for kind in kinds[1:]:
            ratios = [x / b for x, b in zip(rates[kind], rates["bare"], strict=True)]
            print(
                f"  median {kind:6} {statistics.median(rates[kind]):8.0f}/s  ratio of medians "
                f"{statistics.median(rates[kind]) / bare:.2f}  (per round {', '.join(f'{x:.2f}' for x in ratios)})"
            )
        if args.fixed_rate > 0:
            urls = Path(tmp) / "urls.txt"
            urls.write_text("".join(f"{base}/api/v1/partner/status/{u}\n" for u in hot))
            rate = args.fixed_rate * statistics.median(rates["cached"])
            for _ in range(2):
                print(f"  cached at {args.fixed_rate:.0%} of the peak: {fixed_rate(urls, token, rate, args.seconds)}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--redis", action="store_true", help="give the registry Redis (db 15)")
    parser.add_argument("--enterprises", type=int, default=10_000)
    parser.add_argument("--hot", type=int, default=1000)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--no-nonce", action="store_true", help="skip the nonce runs")
    parser.add_argument("--cluster", action="store_true", help="on bench.pg_cluster's tuned PostgreSQL (5440)")
    parser.add_argument(
        "--fixed-rate", type=float, default=0.5, help="then offer this fraction of the cached peak (0: skip)"
    )
    args = parser.parse_args()
    print("python -m bench.partner_bench " + " ".join(sys.argv[1:]), f"({vars(args)})")
    workdir = Path("var/bench")
    workdir.mkdir(parents=True, exist_ok=True)
    server = PG
    if args.cluster:  # the register as batch_bench --cluster loads it (COPY), kept between runs
        server = pg_cluster.start()
        dsn = migrated_database(database_url(args.database, args.enterprises, workdir, server))
        asyncio.run(bulk_enterprises.load(dsn, enterprises_csv(args.enterprises, workdir)))
    url, usccs, cid, secret = asyncio.run(prepare(args.enterprises, workdir, args.database, server))
    env = {**os.environ, **server_env(url, workdir)}
    if args.redis:
        env["REGISTRY_REDIS_URL"] = REDIS
    server = granian(os.environ.get("BENCH_APP", "bench.partner_app:create"), PORT, args.workers, env)
    reference = granian("bench.bare_app:create", BARE_PORT, args.workers, dict(os.environ))
    base, bare_url = f"http://127.0.0.1:{PORT}", f"http://127.0.0.1:{BARE_PORT}/bare"
    try:
        wait_up(f"{base}/health/live")
        wait_up(bare_url)
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
            size = len(c.get(f"/api/v1/partner/status/{hot[0]}").content)
        warm = time.perf_counter() - start
        print(
            f"{args.database}{' + redis' if args.redis else ''}, {args.enterprises} enterprises, {len(hot)} hot, "
            f"warmed in {warm:.1f}s, {args.workers} worker(s), status answer {size} bytes, "
            f"bare {len(httpx.get(bare_url).content)} bytes"
        )
        measure(args, base, bare_url, token, hot)
    finally:
        for process in (server, reference):
            process.terminate()
            process.wait(timeout=10)


if __name__ == "__main__":
    main()

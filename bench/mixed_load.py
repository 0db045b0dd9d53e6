"""A mixed load on a served registry, on loopback, with wrk (issue 22).

    python -m bench.mixed_load [--minutes 10 | --seconds S] [--enterprises 10000] [--workers 2]

Sets up a private PostgreSQL database on 127.0.0.1:5432 (``registry_mixed_load_N``, created and
migrated if absent, ENTERPRISES units in 410103 imported through the importer), a private Redis
prefix, a partner account and a bureau officer account of 410103, then serves it with
``registry serve --workers W`` (Granian, as production runs it) and runs, all at once, one wrk
process per kind of request (``bench.mixed_lua``):

- ``status``: partner ``GET /api/v1/partner/status/{uscc}``, any unit of the table, no pause (most)
- ``batch``: partner ``POST /api/v1/partner/status/batch`` of 100-1000 random units
- ``search``: the public search page ``GET /?q=`` (name fragments)
- ``detail``: the public page ``GET /enterprises/{uscc}``
- ``event``: officer ``POST /api/v1/events`` (a major hazard of a random unit)
- ``register``: officer ``POST /api/v1/enterprises`` of a new unit (409 on a duplicate is expected)

Prints per kind the requests, rate, p50/p90/p99/max and the errors (socket errors and any status
other than 2xx and the kind's expected ones), and the RSS of the server (the ``registry serve``
process and all its workers, from /proc) every 10 s, with the first and last minute's mean.
The public rate limit is lifted for the run (every request comes from 127.0.0.1). Exits 1 when a
kind had an error or no answer. Needs ``wrk`` (Debian package wrk).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import create_async_engine

from bench.common import bench_services
from bench.make_csv import write
from bench.mixed_lua import script
from registry.db.migrate import upgrade
from registry.db.models import Enterprise
from registry.domain.actors import system_actor
from registry.domain.identifiers import ALPHABET, make_uscc
from registry.domain.imports.readers import read_csv

PG = os.environ.get("REGISTRY_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres").rsplit("/", 1)[0]
REDIS = os.environ.get("REGISTRY_TEST_REDIS", "redis://127.0.0.1:6379/0")
DIVISION = "410103"


@dataclass
class Kind:
    name: str
    connections: int
    delay_ms: int
    method: str = "GET"
    path: str = ""
    sequential: bool = False
    expected: tuple[int, ...] = ()
    lines: list[str] = field(default_factory=list)
    token: str = ""


@dataclass
class Setup:
    url: str
    usccs: list[str]
    partner: tuple[str, str]
    officer: tuple[str, str]


async def migrate(url: str) -> None:
    """Creates the database of ``url`` if absent and migrates it."""
    name = url.rsplit("/", 1)[1]
    conn = await asyncpg.connect(f"{PG}/postgres")
    try:
        if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    engine = create_async_engine(url)
    await upgrade(engine)
    await engine.dispose()


async def prepare(url: str, enterprises: int, workdir: Path) -> Setup:
    """ENTERPRISES units (imported once: a database left by an earlier run is used as it is), and a
    new partner account and a new officer account of 410103."""
    services = bench_services(url, workdir / "keys")
    try:
        path = workdir / f"mixed-{enterprises}.csv"
        if not path.exists():
            write(path, enterprises, bad=0, division=DIVISION, seed=22)
        usccs = sorted({line.split(",")[0] for line in path.read_text(encoding="utf-8").splitlines()[1:]})
        async with services.db.read() as session:
            have = int(await session.scalar(select(func.count(Enterprise.id))) or 0)
        if have < len(usccs):
            _, reader = read_csv(path.read_bytes())
            await services.importer.run(system_actor("bench"), reader)
        actor = system_actor("bench")
        partner = await services.accounts.create(actor, role="partner", name="mixed load", department="mof")
        officer = await services.accounts.create(
            actor, role="bureau", name="负载 测试", kind="officer", level="county", division=DIVISION
        )
    finally:
        await services.close()
    return Setup(url, usccs, (partner.client_id, partner.client_secret), (officer.client_id, officer.client_secret))


def server_env(url: str, workdir: Path, redis_prefix: str) -> dict[str, str]:
    return {
        **os.environ,
        "REGISTRY_DATABASE_URL": url,
        "REGISTRY_REDIS_URL": REDIS,
        "REGISTRY_REDIS_PREFIX": redis_prefix,
        "REGISTRY_KEYS_DIR": str(workdir / "keys"),
        "REGISTRY_KEY_PASSPHRASE": "bench",
        "REGISTRY_PERSON_ID_KEY": "22" * 32,
        "REGISTRY_LOG_LEVEL": "ERROR",
        "REGISTRY_SWEEP_INTERVAL_SECONDS": "0",
        "REGISTRY_PUBLIC_RATE_LIMIT": "100000000",
        "REGISTRY_TOKEN_TTL_SECONDS": "7200",
        "REGISTRY_SHUTDOWN_SECONDS": "5",
    }


def token(base: str, cid: str, secret: str) -> str:
    r = httpx.post(
        f"{base}/api/v1/auth/token",
        data={"grant_type": "client_credentials", "client_id": cid, "client_secret": secret},
        timeout=30,
    )
    r.raise_for_status()
    return str(r.json()["access_token"])


def kinds(setup: Setup, partner: str, officer: str, rng: random.Random, seconds: int) -> list[Kind]:
    """The mix; ``seconds``: how long it runs (the new USCCs registered at most 10/s)."""
    usccs = setup.usccs
    taken = set(usccs)
    fresh: list[str] = []
    while len(fresh) < 12 * seconds + 100:
        u = make_uscc("91", DIVISION, "".join(rng.choice(ALPHABET) for _ in range(8)))
        if u not in taken:
            taken.add(u)
            fresh.append(u)
    batches = []
    for _ in range(300):
        batches.append(json.dumps({"subjects": rng.sample(usccs, min(len(usccs), rng.randint(100, 1000)))}))
    fragments = [f"企业{n:05d}" for n in rng.sample(range(len(usccs) // 100 + 1), min(1000, len(usccs) // 100 + 1))]
    hazard = {
        "kind": "major_hazard",
        "occurred_on": "2026-03-18",
        "source_document": "负载测试隐患整改通知",
        "details": {"description": "粉尘涉爆除尘系统未按规定设置锁气卸灰装置", "rectification_deadline": "2026-04-30"},
    }
    events = [
        json.dumps({**hazard, "subject": {"type": "enterprise", "uscc": u}}, ensure_ascii=False)
        for u in rng.sample(usccs, min(len(usccs), 2000))
    ]
    registrations = [
        json.dumps(
            {"uscc": u, "name": f"负载测试新企业{u[-8:]}有限公司", "division_code": DIVISION, "industry": "machinery"}
            | {"scale": "micro"},
            ensure_ascii=False,
        )
        for u in fresh
    ]
    return [
        Kind("status", 16, 0, lines=[f"/api/v1/partner/status/{u}" for u in usccs], token=partner),
        Kind("batch", 1, 200, "POST", "/api/v1/partner/status/batch", lines=batches, token=partner),
        Kind("search", 2, 50, lines=[f"/?q={urllib.parse.quote(q)}" for q in fragments]),
        Kind("detail", 2, 20, lines=[f"/enterprises/{u}" for u in usccs]),
        Kind("event", 1, 100, "POST", "/api/v1/events", lines=events, token=officer),
        Kind("register", 1, 100, "POST", "/api/v1/enterprises", True, (409,), registrations, officer),
    ]


def tree_rss_kb(root: int) -> tuple[int, int]:
    """(sum of VmRSS in kB, process count) of ``root`` and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    total, count, todo = 0, 0, [root]
    while todo:
        pid = todo.pop()
        todo.extend(children.get(pid, []))
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
                    count += 1
        except OSError:
            continue
    return total, count


def process_memory(root: int) -> str:
    """Per process of the tree (``pid:rss/anon MB, threads, malloc arenas``): the anonymous memory
    and the count of glibc's non-main arenas (64 MiB-aligned heaps: a rw part then the reserved
    rest, in /proc/PID/maps), to tell the allocator's arenas from the objects kept."""
    out = []
    todo = [root]
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                ppid = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
            children.setdefault(ppid, []).append(int(entry))
    while todo:
        pid = todo.pop()
        todo.extend(children.get(pid, []))
        try:
            status = dict(
                line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line
            )
            rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
            maps = Path(f"/proc/{pid}/maps").read_text().splitlines()
        except OSError:
            continue
        anon = sum(int(x.split()[1]) for x in rollup.splitlines() if x.startswith("Anonymous:"))
        arenas = 0
        regions = [(x.split()[0], x.split()[1], len(x.split())) for x in maps]
        for (span, perms, fields), nxt in itertools.pairwise(regions):
            lo = int(span.split("-")[0], 16)
            heap = fields == 5 and perms == "rw-p" and lo % (64 << 20) == 0 and nxt[1] == "---p"
            if heap and int(nxt[0].split("-")[1], 16) - lo == 64 << 20:
                arenas += 1
        rss = int(status["VmRSS"].split()[0]) // 1024
        out.append(f"{pid}:{rss}/{anon // 1024}MB,{status['Threads'].strip()}t,{arenas}a")
    return " ".join(out)


def backlog(base: str) -> str:
    """The partner query records waiting to be written, as ``/metrics`` says in a few answers (each
    from whichever worker took the request)."""
    seen = set()
    for _ in range(4):
        try:
            text = httpx.get(f"{base}/metrics", timeout=5).text
        except httpx.HTTPError:
            continue
        seen |= {line.split()[-1] for line in text.splitlines() if line.startswith("registry_query_log_unwritten")}
    return "/".join(sorted(seen, key=float)) or "?"


def sample_rss(root: int, base: str, every: float, stop: threading.Event, series: list[tuple[float, int, int]]) -> None:
    start = time.monotonic()
    while True:
        kb, n = tree_rss_kb(root)
        series.append((time.monotonic() - start, kb, n))
        print(
            f"  rss t={series[-1][0]:5.0f}s {kb / 1024:7.1f} MB in {n} processes; query records unwritten "
            f"{backlog(base)}; {process_memory(root)}",
            flush=True,
        )
        if stop.wait(every):
            return


def wait_up(url: str, process: subprocess.Popen[bytes]) -> None:
    for _ in range(600):
        if process.poll() is not None:
            raise SystemExit(f"the server exited with {process.returncode}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{url} did not come up")


def report(kind: Kind, result: dict[str, object], seconds: float) -> int:
    """Prints one kind's line; returns its error count."""
    status = {int(k): int(v) for k, v in result["status"].items()}  # type: ignore[attr-defined]
    bad = sum(n for code, n in status.items() if not 200 <= code < 300 and code not in kind.expected)
    errors = bad + int(result["socket_errors"])  # type: ignore[call-overload]
    requests = int(result["requests"])  # type: ignore[call-overload]
    ms = {k: int(result[k]) / 1000 for k in ("p50", "p90", "p99", "max")}  # type: ignore[call-overload]
    codes = " ".join(f"{c}:{n}" for c, n in sorted(status.items()))
    print(
        f"  {kind.name:8} {requests:8d} req {requests / seconds:7.1f}/s  p50={ms['p50']:.1f}ms p90={ms['p90']:.1f}ms "
        f"p99={ms['p99']:.1f}ms max={ms['max']:.0f}ms  errors {errors}  (status {codes}; socket errors "
        f"{result['socket_errors']})"
    )
    return errors if requests else errors + 1


def warm(base: str, mix: list[Kind]) -> None:
    """One request of each kind first (the first of a kind compiles templates, fills caches), so
    that a short run still answers every kind; a refusal here stops the bench with its body."""
    with httpx.Client(base_url=base, timeout=60) as client:
        for kind in mix:
            line = kind.lines[-1] if kind.sequential else kind.lines[0]  # the register kind's last is not sent
            headers = {"Authorization": f"Bearer {kind.token}", "Content-Type": "application/json"}
            if not kind.token:
                headers = {}
            start = time.perf_counter()
            if kind.method == "GET":
                r = client.get(line, headers=headers)
            else:
                r = client.post(kind.path, content=line.encode(), headers=headers)
            if not (200 <= r.status_code < 300 or r.status_code in kind.expected):
                raise SystemExit(f"{kind.name}: {r.status_code} {r.text[:2000]}")
            print(f"  warm {kind.name:8} {r.status_code} in {(time.perf_counter() - start) * 1000:.0f} ms")


def run(seconds: int, rss_every: float, base: str, mix: list[Kind], server: subprocess.Popen[bytes]) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        procs = []
        for kind in mix:
            lines = Path(tmp) / f"{kind.name}.txt"
            lines.write_text("\n".join(kind.lines) + "\n", encoding="utf-8")
            lua = Path(tmp) / f"{kind.name}.lua"
            lua.write_text(
                script(lines=str(lines), token=kind.token, method=kind.method, path=kind.path,
                       sequential=kind.sequential, delay_ms=kind.delay_ms),
                encoding="utf-8",
            )  # fmt: skip
            cmd = ["wrk", "-t1", f"-c{kind.connections}", f"-d{seconds}s", "--timeout", "10s", "-s", str(lua), base]
            procs.append(subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True))
        stop = threading.Event()
        series: list[tuple[float, int, int]] = []
        sampler = threading.Thread(target=sample_rss, args=(server.pid, base, rss_every, stop, series))
        sampler.start()
        outputs = [p.communicate()[0] for p in procs]
        stop.set()
        sampler.join()
    errors = 0
    print(f"per kind over {seconds} s:")
    for kind, out in zip(mix, outputs, strict=True):
        line = next((x for x in out.splitlines() if x.startswith("RESULT ")), None)
        if line is None:
            print(f"  {kind.name:8} NO RESULT: {out.strip()[-500:]}")
            errors += 1
            continue
        errors += report(kind, json.loads(line[len("RESULT ") :]), seconds)
    first = [kb for t, kb, _ in series if t <= 60]
    last = [kb for t, kb, _ in series if t >= series[-1][0] - 60]
    print(
        f"server RSS: first minute mean {sum(first) / len(first) / 1024:.1f} MB, last minute mean "
        f"{sum(last) / len(last) / 1024:.1f} MB, max {max(kb for _, kb, _ in series) / 1024:.1f} MB "
        f"({len(series)} samples)"
    )
    print(f"errors: {errors}")
    return errors


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--seconds", type=float, default=0, help="overrides --minutes")
    parser.add_argument("--enterprises", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2, help="production's default (docs/production.md)")
    parser.add_argument("--port", type=int, default=8792)
    parser.add_argument("--rss-every", type=float, default=10)
    parser.add_argument("--database", default="", help="database name (default registry_mixed_load_N)")
    args = parser.parse_args()
    print("python -m bench.mixed_load " + " ".join(sys.argv[1:]), flush=True)
    workdir = Path("var/bench")
    workdir.mkdir(parents=True, exist_ok=True)
    name = args.database or f"registry_mixed_load_{args.enterprises}"
    url = f"{PG.replace('postgresql://', 'postgresql+asyncpg://')}/{name}"
    seconds = max(1, round(args.seconds if args.seconds else args.minutes * 60))
    started = time.perf_counter()
    asyncio.run(migrate(url))
    # the server starts (10 s and more here) while the data is loaded
    env = server_env(url, workdir, f"mixedload-{os.getpid()}:")
    cmd = [sys.executable, "-m", "registry", "serve", "--port", str(args.port), "--workers", str(args.workers)]
    server = subprocess.Popen(cmd, env=env, start_new_session=True)
    base = f"http://127.0.0.1:{args.port}"
    try:
        setup = asyncio.run(prepare(url, args.enterprises, workdir))
        print(f"prepared {len(setup.usccs)} enterprises in {name} after {time.perf_counter() - started:.1f}s")
        wait_up(f"{base}/health/ready", server)
        partner, officer = token(base, *setup.partner), token(base, *setup.officer)
        mix = kinds(setup, partner, officer, random.Random(os.getpid()), seconds)
        warm(base, mix)
        load = " ".join(f"{x:.2f}" for x in os.getloadavg())
        print(f"served by {args.workers} workers after {time.perf_counter() - started:.1f}s; load average {load}")
        errors = run(seconds, args.rss_every, base, mix, server)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()

"""The mixed-load bench runs and reports every kind with no error (so it does not rot): a few
seconds of ``python -m bench.mixed_load`` against a served registry on PostgreSQL and Redis."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import asyncpg

from tests.conftest import PG_ADMIN, REDIS, unavailable

ROOT = Path(__file__).resolve().parents[2]
KINDS = ("status", "batch", "search", "detail", "event", "register")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _drop(name: str) -> None:
    conn = await asyncpg.connect(PG_ADMIN, timeout=5)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


def test_mixed_load_reports_every_kind_without_errors() -> None:
    if shutil.which("wrk") is None:
        unavailable("wrk", "not installed (apt-get install -y wrk)")
    try:
        asyncio.run(_drop("registry_mixed_smoke_probe"))
    except (TimeoutError, OSError, asyncpg.PostgresError) as exc:
        unavailable("PostgreSQL", repr(exc))
    name = f"registry_mixed_smoke_{os.getpid()}"
    env = {**os.environ, "REGISTRY_TEST_PG": PG_ADMIN, "REGISTRY_TEST_REDIS": REDIS}
    cmd = [sys.executable, "-m", "bench.mixed_load", "--seconds", "5", "--enterprises", "200", "--workers", "1"]
    cmd += ["--database", name, "--port", str(_free_port())]
    try:
        done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False)
    finally:
        asyncio.run(_drop(name))
    out = done.stdout
    assert done.returncode == 0, out + done.stderr[-3000:]
    for kind in KINDS:
        line = re.search(rf"^  {kind} +(\d+) req .* errors (\d+) ", out, re.MULTILINE)
        assert line is not None, f"no line for {kind}:\n{out}"
        assert int(line.group(1)) > 0, line.group(0)
        assert line.group(2) == "0", line.group(0)
    assert re.search(r"server RSS: first minute mean \d+\.\d MB", out), out
    assert "errors: 0" in out

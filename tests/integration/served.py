"""``registry serve`` as a real process (Granian) on a free port, for the tests of what only a real
server shows: signals and shut-down, several instances, the log lines on stderr."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from registry.settings import Settings
from tests.integration.redis_server import free_port


def server_env(settings: Settings, **extra: str) -> dict[str, str]:
    """The environment giving ``registry serve`` the settings of a test (its database, Redis, keys)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_")}
    env.update(
        REGISTRY_DATABASE_URL=settings.database.url,
        REGISTRY_KEYS_DIR=str(settings.keys.directory),
        REGISTRY_KEY_PASSPHRASE=settings.keys.passphrase or "",
        REGISTRY_PERSON_ID_KEY=settings.keys.person_id_key or "",
        REGISTRY_SWEEP_INTERVAL_SECONDS="0",
        REGISTRY_PUBLIC_RATE_LIMIT="1000000",
        REGISTRY_LOG_JSON="1",
    )
    if settings.redis.url:
        env.update(REGISTRY_REDIS_URL=settings.redis.url, REGISTRY_REDIS_PREFIX=settings.redis.prefix)
    env.update(extra)
    return env


@dataclass
class Served:
    process: subprocess.Popen[bytes]
    port: int
    stderr: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log(self) -> str:
        return self.stderr.read_text(encoding="utf-8", errors="replace")

    def terminate(self, timeout: float = 30) -> int:
        """SIGTERM, then the exit code (killed after ``timeout`` seconds: the test then fails)."""
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise AssertionError(f"no exit {timeout} s after SIGTERM:\n{self.log()[-3000:]}") from None


def serve(env: dict[str, str], workdir: Path, *args: str, ready_within: float = 60) -> Served:
    """Start ``registry serve`` and wait until /health/ready answers 200."""
    port = free_port()
    stderr = workdir / f"serve-{port}.log"
    with stderr.open("wb") as err:
        process = subprocess.Popen(
            [sys.executable, "-m", "registry", "serve", "--port", str(port), *args],
            env=env,
            cwd=workdir,
            stdout=err,
            stderr=err,
        )
    served = Served(process, port, stderr)
    deadline = time.monotonic() + ready_within
    while True:
        if process.poll() is not None:
            raise AssertionError(f"registry serve exited {process.returncode}:\n{served.log()[-3000:]}")
        try:
            if httpx.get(served.url + "/health/ready", timeout=2).status_code == 200:
                return served
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            process.kill()
            process.wait()
            raise AssertionError(f"not ready in {ready_within} s:\n{served.log()[-3000:]}")
        time.sleep(0.2)

"""Private PostgreSQL clusters for a test: a primary and its streaming replica on ports of their own.

The shared server on 5432 is never touched. The clusters live in a temporary directory owned by the
``postgres`` user (PostgreSQL refuses to run as root: as root the binaries run through ``runuser``),
listen on 127.0.0.1 only, trust local connections and are stopped (``immediate``) and removed at the
end. Without the binaries the test is skipped, or fails under CI.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import IN_CI

#: seconds any one step (initdb, base backup, start) may take
STEP = 120


def _bin_dir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Cluster:
    bin: Path
    data: Path
    port: int
    sockets: Path
    as_postgres: bool

    def run(self, tool: str, *args: str) -> str:
        command = [str(self.bin / tool), *args]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=STEP, check=False)
        assert done.returncode == 0, f"{tool} failed: {done.stdout}\n{done.stderr}"
        return done.stdout

    def start(self) -> None:
        log = self.data.parent / f"{self.data.name}.log"
        self.run("pg_ctl", "-D", str(self.data), "-l", str(log), "-w", "-t", str(STEP), "start",
                 "-o", f"-p {self.port} -k {self.sockets}")  # fmt: skip

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self.run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def url(self, database: str, driver: str = "postgresql+asyncpg") -> str:
        return f"{driver}://postgres@127.0.0.1:{self.port}/{database}"


@contextlib.contextmanager
def primary_and_replica() -> Iterator[tuple[Cluster, Cluster]]:
    """A running primary (wal_level replica) and a hot standby fed from it by pg_basebackup -R."""
    bin_dir = _bin_dir()
    if bin_dir is None:
        if IN_CI:
            pytest.fail("PostgreSQL server binaries (initdb, pg_basebackup) absent: CI requires them", pytrace=False)
        pytest.skip("PostgreSQL server binaries (initdb, pg_basebackup) absent")
    as_postgres = os.geteuid() == 0
    root = Path(tempfile.mkdtemp(prefix="registry-replica-"))
    if as_postgres:
        user = pwd.getpwnam("postgres")
        os.chown(root, user.pw_uid, user.pw_gid)
    primary = Cluster(bin_dir, root / "primary", _free_port(), root, as_postgres)
    replica = Cluster(bin_dir, root / "replica", _free_port(), root, as_postgres)
    try:
        primary.run("initdb", "-D", str(primary.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync",
                    "--locale=C.UTF-8")  # fmt: skip
        settings = (
            "listen_addresses = '127.0.0.1'\nwal_level = replica\nmax_wal_senders = 5\nhot_standby = on\n"
            "fsync = off\nfull_page_writes = off\nshared_buffers = 32MB\nmax_connections = 60\n"
        )
        conf = primary.data / "postgresql.conf"
        with conf.open("a", encoding="utf-8") as fh:
            fh.write(settings)
        primary.start()
        primary.run("pg_basebackup", "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres",
                    "-D", str(replica.data), "-R", "-X", "stream", "--no-sync")  # fmt: skip
        replica.start()
        yield primary, replica
    finally:
        replica.stop()
        primary.stop()
        shutil.rmtree(root, ignore_errors=True)

"""A private PostgreSQL cluster for benchmarks, sized for this machine (24 GB RAM, 2 cores, SSD).

    python -m bench.pg_cluster            # start it (initdb on first use), print its URL
    python -m bench.pg_cluster --stop     # stop it (the data directory is kept)
    python -m bench.pg_cluster --settings # print SETTINGS as the docs' table

The shared PostgreSQL on 127.0.0.1:5432 serves every helper's tests and keeps its defaults
(128 MB shared_buffers); it must not be reconfigured. This one listens on 127.0.0.1:5440 with
SETTINGS, its data directory under /var/tmp is kept between runs (a 3.2-million register is loaded
once) and ``pg_prewarm``'s autoprewarm reloads the buffers it held when it is started again. The
server runs as the ``postgres`` system user (initdb refuses root), started through ``runuser``
when this runs as root. SETTINGS are passed on the command line at each start, so editing the
dict and starting again applies them; docs/operations.md ("PostgreSQL settings for a 24 GB
machine") and bench/RESULTS.md carry the same table.
"""

from __future__ import annotations

import argparse
import contextlib
import glob
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

PORT = 5440
DATA = Path(os.environ.get("BENCH_PG_DATA", "/var/tmp/registry-bench-pg"))
DSN = f"postgresql://postgres@127.0.0.1:{PORT}"
#: which settings the running cluster was started with ("tuned" or "stock"), beside the data directory
MODE = DATA.parent / f"{DATA.name}.mode"

#: setting -> (value, the one-line reason). For a machine of 24 GB RAM, 2 cores and SSD storage that
#: runs PostgreSQL beside the service (Granian workers, Redis): the register's hot tables and
#: indexes (3.2 million enterprises: ~1 GB of heap, ~0.5 GB of B-tree, ~1.5 GB of name GIN) fit in
#: memory with room to spare.
SETTINGS: dict[str, tuple[str, str]] = {
    "shared_buffers": (
        "6GB",
        "a quarter of RAM: every table and index the answers read stays in PostgreSQL's own cache",
    ),
    "effective_cache_size": (
        "16GB",
        "shared_buffers plus the OS cache left after the service: index pages count as in memory",
    ),
    "work_mem": (
        "32MB",
        "per sort/hash node; 2 cores mean few concurrent queries, and a batch's 1000-key hash or sort stays in memory",
    ),
    "maintenance_work_mem": (
        "1GB",
        "index builds after a bulk load and VACUUM run in one pass (a 3.2-million-row GIN build)",
    ),
    "random_page_cost": (
        "1.1",
        "SSD: a random page costs about what a sequential one does, so index scans are preferred for key lists",
    ),
    "effective_io_concurrency": ("200", "SSD: bitmap heap scans prefetch many pages at once"),
    "max_wal_size": ("8GB", "bulk imports (3.2 million rows) do not force a checkpoint every few seconds"),
    "min_wal_size": ("1GB", "recycled WAL segments instead of new files after a burst"),
    "checkpoint_timeout": ("15min", "fewer full-page writes; crash recovery stays under a minute on SSD"),
    "checkpoint_completion_target": (
        "0.9",
        "spread checkpoint writes over the interval, no I/O spike under the answers",
    ),
    "wal_buffers": ("64MB", "an import's WAL is written in large pieces"),
    "jit": (
        "off",
        "the service's queries are keyed lookups of a few ms; a misestimated plan would pay tens of ms compiling",
    ),
    "max_parallel_workers_per_gather": (
        "1",
        "2 cores shared with the service: a parallel worker for a keyed lookup only adds start-up cost",
    ),
    "max_worker_processes": ("4", "room for one parallel worker, autoprewarm and the autovacuum launcher"),
    "shared_preload_libraries": (
        "pg_prewarm",
        "autoprewarm: after a restart the buffers it held are read back in, no cold start",
    ),
    "huge_pages": ("try", "6 GB of shared memory in 2 MB pages where the kernel offers them (less TLB pressure)"),
}


def _bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        raise SystemExit(f"no {name} under /usr/lib/postgresql/*/bin (apt-get install postgresql)")
    return found[-1]


def _as_postgres(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


def _run(cmd: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(_as_postgres(cmd), capture_output=True, text=True, check=False)


def running() -> bool:
    return _run([_bin("pg_ctl"), "status", "-D", str(DATA)]).returncode == 0


def options() -> str:
    """SETTINGS as ``postgres -c`` options (pg_ctl -o)."""
    return " ".join(f"-c {k}={v}" for k, (v, _) in SETTINGS.items())


def start(stock: bool = False) -> str:
    """Starts the cluster (initdb on first use) and returns its libpq URL base (no database).

    ``stock``: with PostgreSQL's own defaults instead of SETTINGS (128 MB shared_buffers, JIT on...),
    for a before/after on the same data; a cluster running the other way is restarted."""
    mode = "stock" if stock else "tuned"
    if not (DATA / "PG_VERSION").exists():
        DATA.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(DATA, "postgres", "postgres")
        made = _run([_bin("initdb"), "-D", str(DATA), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-locale"])
        if made.returncode:
            raise SystemExit(f"initdb failed: {made.stderr}")
    if running() and MODE.exists() and MODE.read_text() != mode:
        stop()
    if not running():
        listen = f"-c listen_addresses=127.0.0.1 -c port={PORT} -c unix_socket_directories={DATA}"
        started = _run(
            [_bin("pg_ctl"), "start", "-w", "-t", "120", "-D", str(DATA), "-l", str(DATA / "server.log"),
             "-o", listen if stock else f"{listen} {options()}"]
        )  # fmt: skip
        if started.returncode:
            raise SystemExit(f"pg_ctl start failed: {started.stdout}{started.stderr}\nsee {DATA / 'server.log'}")
        MODE.write_text(mode)
    for _ in range(100):
        if (
            subprocess.run(
                ["pg_isready", "-h", "127.0.0.1", "-p", str(PORT)], check=False, capture_output=True
            ).returncode
            == 0
        ):
            return DSN
        time.sleep(0.1)
    raise SystemExit(f"the bench cluster on port {PORT} did not come up")


def stop() -> None:
    if running():
        _run([_bin("pg_ctl"), "stop", "-w", "-m", "fast", "-D", str(DATA)])


@contextlib.contextmanager
def cluster(stock: bool = False, keep_running: bool = True) -> Iterator[str]:
    """The cluster's libpq URL base; stopped afterwards only if not ``keep_running``."""
    url = start(stock)
    try:
        yield url
    finally:
        if not keep_running:
            stop()


def settings_table() -> str:
    rows = [f"| `{k}` | `{v}` | {why} |" for k, (v, why) in SETTINGS.items()]
    return "\n".join(["| setting | value | why |", "|---|---|---|", *rows])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stop", action="store_true", help="stop the cluster (its data is kept)")
    parser.add_argument("--settings", action="store_true", help="print the settings as a Markdown table")
    parser.add_argument("--stock", action="store_true", help="start with PostgreSQL's defaults instead")
    args = parser.parse_args()
    if args.settings:
        print(settings_table())
    elif args.stop:
        stop()
        print(f"stopped ({DATA} kept)")
    else:
        print(start(args.stock), f"(data {DATA}, {'stock' if args.stock else 'tuned'} settings)")


if __name__ == "__main__":
    main()

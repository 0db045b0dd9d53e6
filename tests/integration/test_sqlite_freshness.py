"""The embedded SQLite default has no change channel: a CLI import in another process writes to the
file while the server runs, and the next partner answer must say what it wrote. The server learns of
it from ``PRAGMA data_version`` (registry.db.data_version), which moves when another connection
commits; between commits an answer reads no table."""

from __future__ import annotations

import csv
import os
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar

from registry.app import create_app
from registry.db.data_version import DataVersion, sqlite_file
from registry.settings import Settings
from tests.conftest import FixedClock, running, settings_for
from tests.integration import support as t


@pytest.fixture
async def sqlite_app(tmp_path: Path, worker: str, clock: FixedClock) -> AsyncIterator[tuple[Litestar, Settings]]:
    settings = await settings_for("sqlite", worker, tmp_path)
    application = create_app(settings, clock=clock)
    async with running(application):
        yield application, settings


def import_in_another_process(settings: Settings, tmp: Path, unit: dict[str, Any], name: str) -> None:
    upload = tmp / "rename.csv"
    with upload.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["uscc", "name", "division_code", "industry", "scale"])
        writer.writerow([unit["uscc"], name, unit["division_code"], unit["industry"], unit["scale"]])
    env = {
        **os.environ,
        "REGISTRY_DATABASE_URL": settings.database.url,
        "REGISTRY_KEYS_DIR": str(settings.keys.directory),
        "REGISTRY_KEY_PASSPHRASE": settings.keys.passphrase or "",
        "REGISTRY_PERSON_ID_KEY": settings.keys.person_id_key or "",
    }
    env.pop("REGISTRY_REDIS_URL", None)
    done = subprocess.run(
        [sys.executable, "-m", "registry", "import", "enterprises", str(upload)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]


async def test_an_import_by_another_process_is_in_the_next_answer(
    sqlite_app: tuple[Litestar, Settings], tmp_path: Path
) -> None:
    app, settings = sqlite_app
    services = app.state.services
    async with t.client_at(app, "198.51.100.9") as client:
        h = await t.bureau(client, services)
        unit = await t.create(client, h)
        path = f"/api/v1/partner/status/{unit['uscc']}"
        first = (await client.get(path, headers=h)).json()["payload"]
        again = (await client.get(path, headers=h)).json()["payload"]
        assert again == first  # the pre-produced answer, served again while nothing was written
        import_in_another_process(settings, tmp_path, unit, "改名后的企业有限公司")
        after = (await client.get(path, headers=h)).json()["payload"]
        assert after["subject"]["name"] == "改名后的企业有限公司"
        assert after["data_version"] > first["data_version"]


def test_data_version_moves_when_another_connection_commits(tmp_path: Path) -> None:
    path = str(tmp_path / "watched.db")
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("CREATE TABLE t (x INTEGER)")
    watch = DataVersion(path)
    try:
        moved, mark = watch.changed()
        assert moved  # the first question: nothing seen yet
        watch.seen(mark)
        assert not watch.changed()[0]
        # from here on the look reads the WAL-index header in memory, asking SQLite only when it moved
        assert watch._map is not None
        for n in range(20):  # each commit is seen by the next look, well within VERIFY_SECONDS
            writer.execute("INSERT INTO t VALUES (?)", (n,))
            moved, later = watch.changed()
            assert moved
            assert later[0] != mark[0]
            assert watch.changed()[0]  # not marked seen: still moved (a failed catch-up is retried)
            watch.seen(later)
            mark = later
            assert not watch.changed()[0]
        writer.execute("BEGIN")
        writer.execute("INSERT INTO t VALUES (2)")
        assert not watch.changed()[0]  # not committed yet
        writer.execute("ROLLBACK")
        assert not watch.changed()[0]  # nothing committed
        # a checkpoint that empties the WAL moves data_version too (a harmless read of the change
        # log); the first commit into the emptied WAL must still be seen
        writer.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        watch.seen(watch.changed()[1])
        assert not watch.changed()[0]
        writer.execute("INSERT INTO t VALUES (3)")
        assert watch.changed()[0]
    finally:
        watch.close()
        writer.close()


def test_only_a_sqlite_file_is_watched() -> None:
    assert sqlite_file("sqlite+aiosqlite:///./var/registry.db") == "./var/registry.db"
    assert sqlite_file("sqlite+aiosqlite:////tmp/x.db") == "/tmp/x.db"
    assert sqlite_file("sqlite+aiosqlite://") is None
    assert sqlite_file("sqlite+aiosqlite:///:memory:") is None
    assert sqlite_file("postgresql+asyncpg://postgres@127.0.0.1/x") is None

"""`registry accounts first-admin` as a container entrypoint runs it: a real process, the account
name and the secret file from the environment, on a fresh database of each backend."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from registry.db.engine import Database
from registry.db.migrate import upgrade
from registry.domain.accounts.service import AccountService
from registry.errors import InvalidClient
from registry.lib.clock import SystemClock
from registry.settings import DatabaseSettings
from tests.conftest import PG_ADMIN, _pg_database

SECRET = "s3cret-first-admin-0123456789"


@pytest.fixture(params=["sqlite", "postgres"])
async def database(request: pytest.FixtureRequest, tmp_path: Path, worker: str) -> AsyncIterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'admin.db'}"
        return
    name = f"registry_admin_{worker}_{os.getpid()}"
    yield await _pg_database(name)
    conn = await asyncpg.connect(PG_ADMIN)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


def run(database: str, tmp: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_")}
    full = {**base, "REGISTRY_DATABASE_URL": database, "REGISTRY_KEYS_DIR": str(tmp / "keys"), **env}
    return subprocess.run(
        [sys.executable, "-m", "registry", *args], env=full, capture_output=True, text=True, timeout=120, check=False
    )


async def migrated(url: str) -> None:
    engine = create_async_engine(url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()


async def role_of(url: str, client_id: str, secret: str) -> str | None:
    """The role the account signs in with (as POST /api/v1/auth/token checks it), None if refused."""
    db = Database(DatabaseSettings(url=url))
    try:
        return (await AccountService(db, SystemClock()).authenticate(client_id, secret)).role
    except InvalidClient:
        return None
    finally:
        await db.dispose()


async def test_first_admin_from_the_environment_once_and_never_again(database: str, tmp_path: Path) -> None:
    await migrated(database)
    secret_file = tmp_path / "admin.secret"
    secret_file.write_text(SECRET + "\n", encoding="utf-8")
    env = {"REGISTRY_FIRST_ADMIN_ID": "ops-admin", "REGISTRY_FIRST_ADMIN_SECRET_FILE": str(secret_file)}

    made = run(database, tmp_path, "accounts", "first-admin", **env)
    assert made.returncode == 0, made.stderr
    assert "created" in made.stdout
    assert "ops-admin" in made.stdout
    assert SECRET not in made.stdout + made.stderr  # never printed

    assert await role_of(database, "ops-admin", SECRET) == "admin"

    # a restart with another secret in the file changes nothing: the first secret still signs in
    other = tmp_path / "other.secret"
    other.write_text("another-secret-of-enough-length\n", encoding="utf-8")
    again = run(
        database, tmp_path, "accounts", "first-admin", **{**env, "REGISTRY_FIRST_ADMIN_SECRET_FILE": str(other)}
    )
    assert again.returncode == 0, again.stderr
    assert "exists" in again.stdout
    assert await role_of(database, "ops-admin", SECRET) == "admin"
    assert await role_of(database, "ops-admin", "another-secret-of-enough-length") is None


async def test_first_admin_refuses_a_missing_name_file_or_short_secret(database: str, tmp_path: Path) -> None:
    await migrated(database)
    no_id = run(database, tmp_path, "accounts", "first-admin")
    assert no_id.returncode == 2
    assert "REGISTRY_FIRST_ADMIN_ID" in no_id.stderr

    missing = run(
        database,
        tmp_path,
        "accounts",
        "first-admin",
        REGISTRY_FIRST_ADMIN_ID="ops-admin",
        REGISTRY_FIRST_ADMIN_SECRET_FILE=str(tmp_path / "nowhere"),
    )
    assert missing.returncode == 2
    assert "REGISTRY_FIRST_ADMIN_SECRET_FILE" in missing.stderr
    assert "cannot be read" in missing.stderr

    short = tmp_path / "short.secret"
    short.write_text("tooshort\n", encoding="utf-8")
    refused = run(
        database,
        tmp_path,
        "accounts",
        "first-admin",
        REGISTRY_FIRST_ADMIN_ID="ops-admin",
        REGISTRY_FIRST_ADMIN_SECRET_FILE=str(short),
    )
    assert refused.returncode == 2
    assert "at least 16 characters" in refused.stderr
    assert "tooshort" not in refused.stdout + refused.stderr
    # nothing was made: a good file then creates the account
    short.write_text(SECRET + "\n", encoding="utf-8")
    made = run(
        database,
        tmp_path,
        "accounts",
        "first-admin",
        REGISTRY_FIRST_ADMIN_ID="ops-admin",
        REGISTRY_FIRST_ADMIN_SECRET_FILE=str(short),
    )
    assert made.returncode == 0, made.stderr
    assert "created" in made.stdout

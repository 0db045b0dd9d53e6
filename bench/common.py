"""What every benchmark builds the same way: the services over a given database."""

from __future__ import annotations

from pathlib import Path

from registry.domain.container import Services, build_services
from registry.settings import DatabaseSettings, KeySettings, Settings


def bench_services(url: str, keys: Path = Path("var/bench/keys")) -> Services:
    """Services over ``url`` with a fixed bench key set and quiet logs."""
    settings = Settings(
        database=DatabaseSettings(url=url),
        keys=KeySettings(directory=keys, passphrase="bench", person_id_key="22" * 32),
        log_level="ERROR",
    )
    return build_services(settings)


def migrated_database(url: str) -> str:
    """Creates the PostgreSQL database of ``url`` (postgresql+asyncpg://...) if absent and migrates it;
    returns its libpq DSN for asyncpg."""
    import asyncio  # noqa: PLC0415 - only the data generators need these
    import os  # noqa: PLC0415
    import subprocess  # noqa: PLC0415
    import sys  # noqa: PLC0415

    import asyncpg  # noqa: PLC0415

    dsn = url.replace("postgresql+asyncpg://", "postgresql://")
    base, _, name = dsn.rpartition("/")

    async def create() -> None:
        conn = await asyncpg.connect(base + "/postgres")
        try:
            if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
                await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()

    asyncio.run(create())
    env = {**os.environ, "REGISTRY_DATABASE_URL": url}
    subprocess.run([sys.executable, "-m", "registry", "db", "upgrade"], env=env, check=True)
    return dsn

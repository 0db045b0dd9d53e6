"""Applying and checking migrations; the app and the CLI both come through here.

The schema comes only from these migrations (tests run them too), so what CI tests is what
production gets.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from registry.errors import DatabaseNotMigrated

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def head_revision() -> str:
    head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    if head is None:  # pragma: no cover - the project always ships migrations
        raise RuntimeError("no migrations found")
    return head


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    def _upgrade(conn: Connection) -> None:
        cfg = alembic_config(str(engine.url))
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)

    async with engine.begin() as conn:
        await conn.run_sync(_upgrade)


async def current_revision(engine: AsyncEngine) -> str | None:
    def _current(conn: Connection) -> str | None:
        return MigrationContext.configure(conn).get_current_revision()

    async with engine.connect() as conn:
        return await conn.run_sync(_current)


async def ensure_migrated(engine: AsyncEngine) -> None:
    current, head = await current_revision(engine), head_revision()
    if current != head:
        raise DatabaseNotMigrated(
            f"数据库结构不是最新（当前 {current or '空'}，应为 {head}），请先运行 `registry db upgrade`。 / "
            f"The database schema is at {current or 'nothing'}, not {head}: run `registry db upgrade` first."
        )


async def check(engine: AsyncEngine) -> list[str]:
    """Differences between the models and the migrated schema (empty when they agree)."""
    from alembic.autogenerate import compare_metadata  # noqa: PLC0415 - only the CLI needs it

    from registry.db.models import Base  # noqa: PLC0415

    def _include(obj: Any, _name: Any, _type: str, _reflected: bool, _compare_to: Any) -> bool:
        postgresql_only = bool(getattr(obj, "info", {}).get("postgresql_only"))
        return not postgresql_only or engine.dialect.name == "postgresql"

    def _diff(conn: Connection) -> list[str]:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True, "include_object": _include})
        return [repr(d) for d in compare_metadata(ctx, Base.metadata)]

    async with engine.connect() as conn:
        return await conn.run_sync(_diff)

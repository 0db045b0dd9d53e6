"""Applying and checking migrations; the app and the CLI both come through here.

The schema comes only from these migrations (tests run them too), so what CI tests is what
production gets.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

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


#: the PostgreSQL advisory lock key of ``upgrade`` (any fixed number; "registry" in ASCII)
MIGRATION_LOCK = 0x7265676973747279


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Apply the migrations. On PostgreSQL under a transaction-scoped advisory lock: instances
    started together (containers, replicas) migrate one after the other, and the later ones find
    the schema at head and do nothing, instead of racing to create the same tables."""

    def _upgrade(conn: Connection) -> None:
        cfg = alembic_config(str(engine.url))
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)

    async with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
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


class DatabaseNotReady(Exception):
    """Why a command cannot use the database, in one line with the advice (the CLI prints it)."""


def _missing_sqlite_file(url: URL) -> str | None:
    path = url.database or ""
    if url.get_backend_name() == "sqlite" and path not in ("", ":memory:") and not Path(path).is_file():
        return path
    return None


async def require_migrated(url: str) -> None:
    """The database at ``url`` exists, answers and is migrated to head, or DatabaseNotReady says
    which of these it is not. A missing SQLite file is reported, never created."""
    parsed = make_url(url)
    shown = parsed.render_as_string(hide_password=True)
    if path := _missing_sqlite_file(parsed):
        raise DatabaseNotReady(
            f"数据库文件 {path} 不存在：请先运行 `registry db upgrade`（或用 REGISTRY_DATA_DIR / "
            f"REGISTRY_DATABASE_URL 指向已有的数据库）。 / There is no database at {path}: run "
            "`registry db upgrade` first (or point REGISTRY_DATA_DIR or REGISTRY_DATABASE_URL at yours)."
        )
    engine = create_async_engine(url, connect_args={"timeout": 5} if parsed.get_backend_name() == "postgresql" else {})
    try:
        await ensure_migrated(engine)
    except DatabaseNotMigrated as exc:
        raise DatabaseNotReady(f"{exc} (database: {shown})") from None
    except (OSError, SQLAlchemyError) as exc:
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise DatabaseNotReady(f"无法连接数据库 / cannot reach the database {shown}: {reason}") from None
    finally:
        await engine.dispose()


async def check(engine: AsyncEngine) -> list[str]:
    """Differences between the models and the migrated schema (empty when they agree)."""
    from alembic.autogenerate import compare_metadata  # noqa: PLC0415 - only the CLI needs it

    from registry.db.models import Base  # noqa: PLC0415

    def _include(obj: Any, _name: Any, _type: str, _reflected: bool, _compare_to: Any) -> bool:
        postgresql_only = bool(getattr(obj, "info", {}).get("postgresql_only"))
        return not postgresql_only or engine.dialect.name == "postgresql"

    def _diff(conn: Connection) -> list[str]:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True, "include_object": _include})
        with warnings.catch_warnings():
            # SQLite cannot reflect an expression index; ours are PostgreSQL only, excluded above
            warnings.filterwarnings("ignore", "autogenerate skipping metadata-specified expression-based index")
            return [repr(d) for d in compare_metadata(ctx, Base.metadata)]

    async with engine.connect() as conn:
        return await conn.run_sync(_diff)

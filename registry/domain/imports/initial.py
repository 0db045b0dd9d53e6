"""A national first load: ``registry import enterprises FILE --initial`` (PostgreSQL, issue 22).

Loading 3.2 million units into a register that keeps its indexes costs, per unit, an insert into
each of them: above all the two GIN indexes of names (trigrams, and the bigrams of migrations
0009/0013), which took more time than everything else of a batch together (bench/RESULTS.md
"Import at national scale"). PostgreSQL builds an index from a sorted pass over the whole table
several times faster than it takes the same rows one by one: what ``pg_restore`` does too.

So the first load of an empty register is ONE transaction:

1. the register is checked empty (an import into a register in use takes the normal path: its
   indexes answer searches and partners while it runs);
2. the secondary indexes and foreign keys of the register's tables are dropped, their
   definitions kept (``pg_get_indexdef``, ``pg_get_constraintdef``); primary keys and unique
   constraints stay, so a USCC, a name row or an alias can still be written only once;
3. every batch goes in by COPY (``copy_load``), checked and audited as in any import;
4. the indexes are built again from their definitions (same names, same expressions), with a
   larger ``maintenance_work_mem`` for this transaction, the foreign keys added back (each
   checked over the whole table in one pass: a unit missing for a name row fails the load), and
   the tables analysed;
5. commit.

Interrupted or failed at any step, everything rolls back: the register is empty again and its
indexes are as they were (DDL is transactional in PostgreSQL). While it runs, the register's
tables are locked ACCESS EXCLUSIVE: every read of them waits until the commit, so run it before
the service is opened to partners (docs/operations.md).
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from registry.errors import FieldProblem, ValidationFailed

#: the register's tables a first load fills
TABLES = (
    "enterprises",
    "enterprise_names",
    "enterprise_aliases",
    "enterprise_operating_divisions",
    "subject_changes",
)
#: for the index builds of this transaction only (sorts in memory; the GIN builds flush less often)
MAINTENANCE_WORK_MEM = "1GB"

_SECONDARY = text(
    """
    SELECT c.relname AS name, pg_get_indexdef(x.indexrelid) AS definition
    FROM pg_index x
    JOIN pg_class c ON c.oid = x.indexrelid
    JOIN pg_class t ON t.oid = x.indrelid
    JOIN pg_namespace n ON n.oid = t.relnamespace
    WHERE n.nspname = current_schema() AND t.relname = ANY(:tables)
      AND NOT x.indisprimary AND NOT x.indisunique
    ORDER BY t.relname, c.relname
    """
)


#: the foreign keys of those tables (a name row's unit, ...): checked row by row by a trigger during
#: a COPY (a quarter of a batch's time for the names), and over the whole table at once when added
_FOREIGN = text(
    """
    SELECT t.relname AS "table", c.conname AS name, pg_get_constraintdef(c.oid) AS definition
    FROM pg_constraint c
    JOIN pg_class t ON t.oid = c.conrelid
    JOIN pg_namespace n ON n.oid = t.relnamespace
    WHERE n.nspname = current_schema() AND t.relname = ANY(:tables) AND c.contype = 'f'
    ORDER BY t.relname, c.conname
    """
)


def refused(code: str, zh: str, en: str) -> ValidationFailed:
    return ValidationFailed([FieldProblem("initial", code, zh, en)])


async def prepare(session: AsyncSession) -> list[str]:
    """Check the register empty, drop the secondary indexes; their definitions, to build again."""
    if session.get_bind().dialect.name != "postgresql":
        raise refused(
            "postgresql_only",
            "首次全国导入（--initial）只适用于 PostgreSQL；嵌入式 SQLite 请直接导入",
            "--initial (a national first load) is for PostgreSQL; on the embedded SQLite import without it",
        )
    # locked first: nobody registers a unit between the check and the load, and no answer reads
    # the register until the commit (what lets ``changes.tell_now`` tell this process's cache early)
    await session.execute(text(f"LOCK TABLE {', '.join(TABLES)} IN ACCESS EXCLUSIVE MODE"))
    if await session.scalar(text("SELECT EXISTS (SELECT 1 FROM enterprises)")):
        raise refused(
            "register_not_empty",
            "登记簿中已有企业：首次全国导入只能在空登记簿上进行，请去掉 --initial 按常规导入",
            "the register already holds enterprises: --initial loads an empty register only; import without it",
        )
    await session.execute(text(f"SET LOCAL maintenance_work_mem = '{MAINTENANCE_WORK_MEM}'"))
    found = (await session.execute(_SECONDARY, {"tables": list(TABLES)})).all()
    for name, _ in found:
        await session.execute(text(f'DROP INDEX "{name}"'))
    keys = (await session.execute(_FOREIGN, {"tables": list(TABLES)})).all()
    for table, name, _ in keys:
        await session.execute(text(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"'))
    return [definition for _, definition in found] + [
        f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}' for table, name, definition in keys
    ]


async def finish(session: AsyncSession, statements: list[str]) -> None:
    """Build the dropped indexes again and add the foreign keys back (each checked over the whole
    table in one pass), then refresh the planner's statistics of the tables."""
    for statement in statements:
        await session.execute(text(statement))
    for table in TABLES:
        await session.execute(text(f"ANALYZE {table}"))

"""enterprises: fillfactor 90 (PostgreSQL), room on each page for HOT updates of data_version

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07

Issue 22: every change to a unit sets its ``data_version`` (``registry.domain.changes.record``).
The column is in no index, so the update can be HOT (no new entries in the table's nine indexes,
two of them GIN on the name) when the new row version fits on its page; at the default fillfactor
(100) the pages are full and none were (0 of 18,000 in the event-import bench). Measured on the
bench (40 batches of 450 units, bench/RESULTS.md): 6.2-8.7 s of UPDATE at 100, 4.7-6.2 s at 90.
Cost: the table's pages are filled to 90 % by inserts, so it is about 11 % larger and a
sequential scan reads as much more. Only pages written from now on are left with room; existing
ones are not rewritten here (``VACUUM FULL enterprises`` would, under an exclusive lock).
SQLite has no fillfactor: nothing to do there.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # a new database migrates in one transaction, where 0011's summary rebuild read
        # enterprises through server-side cursors (yield_per) that stay open until it ends; ALTER
        # TABLE refuses a table an open cursor of the session reads ("being used by active
        # queries"). They were read to the end: close them.
        op.execute("CLOSE ALL")
        op.execute("ALTER TABLE enterprises SET (fillfactor = 90)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE enterprises RESET (fillfactor)")

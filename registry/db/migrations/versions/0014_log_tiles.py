"""the transparency log's level-0 tiles, filled from the existing log entries

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07

Issue 22: a worker no longer holds every leaf hash of the log (45 bytes an entry). Each full
tile of 256 leaves is one row (its leaf hashes, its root, its entries' ids); workers keep only
the roots. This fills the table from ``log_entries`` in id order, with the same leaf hashing as
the log (SHA-256 of 0x00 and the stored body) and the RFC 9162 root of the 256 hashes. The
hashing is written out here rather than imported, so the migration stays what it was when the
code moves on.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TILE = 256
#: rows read per query while filling (a multiple of TILE)
BATCH = TILE * 64


def _root(hashes: list[bytes]) -> bytes:
    level = hashes
    while len(level) > 1:
        level = [hashlib.sha256(b"\x01" + level[i] + level[i + 1]).digest() for i in range(0, len(level), 2)]
    return level[0]


def _row(number: int, ids: list[int], hashes: list[bytes]) -> dict[str, object]:
    contiguous = ids[-1] - ids[0] == TILE - 1
    return {
        "number": number,
        "root": _root(hashes),
        "hashes": b"".join(hashes),
        "first_id": ids[0],
        "last_id": ids[-1],
        "ids": None if contiguous else b"".join(i.to_bytes(8, "big") for i in ids),
    }


def upgrade() -> None:
    tiles = op.create_table(
        "log_tiles",
        sa.Column("number", BIG, autoincrement=False, nullable=False),
        sa.Column("root", sa.LargeBinary(), nullable=False),
        sa.Column("hashes", sa.LargeBinary(), nullable=False),
        sa.Column("first_id", sa.BigInteger(), nullable=False),
        sa.Column("last_id", sa.BigInteger(), nullable=False),
        sa.Column("ids", sa.LargeBinary(), nullable=True),
        sa.PrimaryKeyConstraint("number", name=op.f("pk_log_tiles")),
    )
    assert tiles is not None
    conn = op.get_bind()
    entries = sa.table("log_entries", sa.column("id", sa.BigInteger()), sa.column("body", sa.Text()))
    number, last = 0, 0
    ids: list[int] = []
    hashes: list[bytes] = []
    while True:
        rows = conn.execute(
            sa.select(entries.c.id, entries.c.body).where(entries.c.id > last).order_by(entries.c.id).limit(BATCH)
        ).all()
        out = []
        for entry_id, body in rows:
            ids.append(entry_id)
            hashes.append(hashlib.sha256(b"\x00" + body.encode()).digest())
            if len(ids) == TILE:
                out.append(_row(number, ids, hashes))
                number, ids, hashes = number + 1, [], []
        if out:
            conn.execute(tiles.insert(), out)
        if len(rows) < BATCH:
            break
        last = rows[-1][0]


def downgrade() -> None:
    op.drop_table("log_tiles")

"""enterprise data version

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26

The data version of each unit (the seq of its latest change) kept on its row: a batch answer of
1000 units read it from 1000 index entries of subject_changes, 200 ms of cold storage reads at
national scale (bench/RESULTS.md); the unit's row is read anyway.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("enterprises", sa.Column("data_version", sa.BigInteger(), server_default="0", nullable=False))
    op.execute(
        "UPDATE enterprises SET data_version = COALESCE("
        "(SELECT max(seq) FROM subject_changes WHERE subject_key = 'e:' || enterprises.id), 0)"
    )


def downgrade() -> None:
    op.drop_column("enterprises", "data_version")

"""reports

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07

The reports of issue 21 read, for a division subtree, each unit's industry, scale and registration
time. At national scale (bench/RESULTS.md, "Reports") that was a heap read of every unit of the
area (a province: 177,000 rows scattered over the table); ``ix_enterprises_division_report``
(PostgreSQL, covering) makes it an index-only scan. SQLite needs none (its tests are small).

"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.create_index(
            "ix_enterprises_division_report",
            "enterprises",
            ["division_code"],
            postgresql_include=["id", "industry", "scale", "created_at"],
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_enterprises_division_report", table_name="enterprises")

"""report summary

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07

Issue 21: the national monthly report in at most 2 s. ``report_summary`` holds, per area (the
country, each province and prefecture), industry, scale flag, grade level, kind and day, the
change in the report's counts that day; the writes of grade steps and of enterprises keep it in
their transaction (``registry.db.report_summary``). Filled here from the facts. Two indexes tell a
report whether its ``as_of`` is past every recorded step and registration (then the summary
answers it; an earlier ``as_of`` is counted from the facts).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from registry.db.report_summary import rebuild

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "report_summary",
        sa.Column("depth", sa.SmallInteger(), nullable=False),
        sa.Column("area", sa.String(length=6), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("industry", sa.String(length=32), nullable=False),
        sa.Column("above_scale", sa.Boolean(), nullable=False),
        sa.Column("level", sa.SmallInteger(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "depth", "area", "day", "industry", "above_scale", "level", "kind", name=op.f("pk_report_summary")
        ),
    )
    op.create_index(op.f("ix_grade_steps_recorded_at"), "grade_steps", ["recorded_at"], unique=False)
    op.create_index("ix_enterprises_created_at", "enterprises", ["created_at"], unique=False)
    rebuild(op.get_bind())
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ANALYZE report_summary")


def downgrade() -> None:
    op.drop_index("ix_enterprises_created_at", table_name="enterprises")
    op.drop_index(op.f("ix_grade_steps_recorded_at"), table_name="grade_steps")
    op.drop_table("report_summary")

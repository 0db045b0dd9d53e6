"""full rule re-evaluation: decision digests, runs, slices, changed decisions

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07

Issue 22: each unit's last evaluated decision (a digest and a short summary), the runs of
``registry rules reevaluate`` with a resumable cursor per slice (one slice per worker), and the
decisions a run found changed, read by the bureaus per area (``ix_decision_changes_run_division``).
"""

from __future__ import annotations

from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _at() -> advanced_alchemy.types.DateTimeUTC:
    return advanced_alchemy.types.datetime.DateTimeUTC(timezone=True)


def upgrade() -> None:
    op.create_table(
        "decision_digests",
        sa.Column("enterprise_id", BIG, autoincrement=False, nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("summary", JSON, nullable=False),
        sa.Column("evaluated_at", _at(), nullable=False),
        sa.PrimaryKeyConstraint("enterprise_id", name=op.f("pk_decision_digests")),
    )
    op.create_table(
        "reevaluation_runs",
        sa.Column("id", BIG, nullable=False),
        sa.Column("started_at", _at(), nullable=False),
        sa.Column("finished_at", _at(), nullable=True),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("division", sa.String(length=6), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("first", sa.Boolean(), nullable=False),
        sa.Column("workers", sa.Integer(), nullable=False),
        sa.Column("cursor", sa.BigInteger(), nullable=False),
        sa.Column("units", sa.BigInteger(), nullable=False),
        sa.Column("changed", sa.BigInteger(), nullable=False),
        sa.Column("new", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reevaluation_runs")),
    )
    op.create_table(
        "reevaluation_slices",
        sa.Column("run_id", BIG, nullable=False),
        sa.Column("number", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("id_to", sa.BigInteger(), nullable=False),
        sa.Column("cursor", sa.BigInteger(), nullable=False),
        sa.Column("units", sa.BigInteger(), nullable=False),
        sa.Column("changed", sa.BigInteger(), nullable=False),
        sa.Column("new", sa.BigInteger(), nullable=False),
        sa.Column("finished_at", _at(), nullable=True),
        sa.ForeignKeyConstraint(
            ["run_id"], ["reevaluation_runs.id"], name=op.f("fk_reevaluation_slices_run_id_reevaluation_runs")
        ),
        sa.PrimaryKeyConstraint("run_id", "number", name=op.f("pk_reevaluation_slices")),
    )
    op.create_table(
        "decision_changes",
        sa.Column("id", BIG, nullable=False),
        sa.Column("run_id", BIG, nullable=False),
        sa.Column("enterprise_id", BIG, nullable=False),
        sa.Column("division_code", sa.String(length=6), nullable=False),
        sa.Column("before", JSON, nullable=False),
        sa.Column("after", JSON, nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["reevaluation_runs.id"], name=op.f("fk_decision_changes_run_id_reevaluation_runs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decision_changes")),
    )
    op.create_index(
        "ix_decision_changes_run_division", "decision_changes", ["run_id", "division_code", "enterprise_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_decision_changes_run_division", table_name="decision_changes")
    op.drop_table("decision_changes")
    op.drop_table("reevaluation_slices")
    op.drop_table("reevaluation_runs")
    op.drop_table("decision_digests")

"""officers and revocations

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07

Two-officer approval compared accounts, so a second account of the same person (or a system
account) passed as the second officer: ``officers`` holds the person, and each officer account
names its officer. Every officer account of an existing database becomes an officer of its own
(the only safe reading: nothing said which accounts were one person).

A revoked token stayed valid in workers that never heard of the revocation:
``accounts.revocation_seq`` is the number of the account's latest revocation, handed out in
commit order, which a worker polls (and on PostgreSQL hears of through NOTIFY).
"""

from __future__ import annotations

from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "officers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_officers")),
    )
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("officer_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("revocation_seq", sa.BigInteger(), server_default="0", nullable=False))
        batch_op.create_index(batch_op.f("ix_accounts_officer_id"), ["officer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_accounts_revocation_seq"), ["revocation_seq"], unique=False)
        batch_op.create_foreign_key(batch_op.f("fk_accounts_officer_id_officers"), "officers", ["officer_id"], ["id"])
    # one officer per existing officer account, numbered as the account
    op.execute(
        "INSERT INTO officers (id, name, created_at) SELECT id, name, created_at FROM accounts WHERE kind = 'officer'"
    )
    op.execute("UPDATE accounts SET officer_id = id WHERE kind = 'officer'")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "SELECT setval(pg_get_serial_sequence('officers', 'id'), "
            "COALESCE((SELECT max(id) FROM officers), 0) + 1, false)"
        )


def downgrade() -> None:
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_accounts_officer_id_officers"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_accounts_revocation_seq"))
        batch_op.drop_index(batch_op.f("ix_accounts_officer_id"))
        batch_op.drop_column("revocation_seq")
        batch_op.drop_column("officer_id")
    op.drop_table("officers")

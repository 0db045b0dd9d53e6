"""console passwords and sign-in lockout

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07

Officers sign in to the bureau console (/console/) with a name and a password of their own,
apart from the account's client secret (a machine's credential, 43 random characters): the
password is chosen by the person, changed by them, and its change must not revoke the API tokens
of scripts. A first password is given when the account is made and must be changed at the first
sign-in. Lockout counts failures per account, in the database, so it holds across workers,
instances and a Redis restart.
"""

from __future__ import annotations

from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("password_hash", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("password_must_change", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(
            sa.Column("password_changed_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("signin_failures", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(
            sa.Column("signin_locked_until", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_column("signin_locked_until")
        batch_op.drop_column("signin_failures")
        batch_op.drop_column("password_changed_at")
        batch_op.drop_column("password_must_change")
        batch_op.drop_column("password_hash")

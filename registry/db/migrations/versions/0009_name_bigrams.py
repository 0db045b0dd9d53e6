"""name bigrams

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07

A name fragment of two characters (``罕见``) has no trigram for ``ix_enterprises_name_trgm`` to use,
so a rare one scanned the whole register (5.2 s at national scale, bench/RESULTS.md "Search").
``registry_name_bigrams(name)`` is the set of a name's two-character substrings and
``ix_enterprises_name_bigrams`` a GIN index of it: a two-character search asks for names whose set
contains the fragment, then checks the ``LIKE`` as before. PostgreSQL only (pg_bigm, which does
this, is not among Debian's packages); SQLite's registers are small.

The function is PL/pgSQL so that the planner never inlines it: the query's expression must stay
the index's expression.

"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FUNCTION = """
CREATE OR REPLACE FUNCTION registry_name_bigrams(name text) RETURNS text[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
BEGIN
    RETURN ARRAY(SELECT DISTINCT substr(name, i, 2) FROM generate_series(1, char_length(name) - 1) AS i);
END
$$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(FUNCTION)
        op.execute("CREATE INDEX ix_enterprises_name_bigrams ON enterprises USING gin (registry_name_bigrams(name))")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_enterprises_name_bigrams")
        op.execute("DROP FUNCTION IF EXISTS registry_name_bigrams(text)")

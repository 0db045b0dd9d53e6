"""name bigrams by a loop

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07

``registry_name_bigrams`` (migration 0009) built its array with ``SELECT DISTINCT`` over
``generate_series``: a sort and a subquery per name, about 60 us a name, which made its GIN index
the largest single cost of a national import (a COPY of 1,000 new units spent more time computing
bigrams than writing every other index; issue 22, bench/RESULTS.md "Import at national scale").
Now a PL/pgSQL loop appends each two-character substring: about 5 times faster.

The array may now hold a repeated pair more than once (``有限公司有限`` has ``有限`` twice). The index
and the query do not see a difference: GIN keeps each key of a row once, and the search asks
``registry_name_bigrams(name) @> ARRAY[fragment]``, a containment, so the set is what counts; the
index needs no rebuild because each row's set of keys is unchanged. Still PL/pgSQL, so the planner
never inlines it (the query's expression must stay the index's).
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LOOP = """
CREATE OR REPLACE FUNCTION registry_name_bigrams(name text) RETURNS text[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    pairs text[] := '{}';
BEGIN
    FOR i IN 1 .. char_length(name) - 1 LOOP
        pairs := pairs || substr(name, i, 2);
    END LOOP;
    RETURN pairs;
END
$$
"""

#: migration 0009's
DISTINCT = """
CREATE OR REPLACE FUNCTION registry_name_bigrams(name text) RETURNS text[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
BEGIN
    RETURN ARRAY(SELECT DISTINCT substr(name, i, 2) FROM generate_series(1, char_length(name) - 1) AS i);
END
$$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(LOOP)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(DISTINCT)

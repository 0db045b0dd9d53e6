"""Parameter types shared by the controllers."""

from __future__ import annotations

from typing import Annotated

from litestar.params import PathParameter, QueryParameter

from registry.domain.wire import MAX_ID

#: a row id in a path: 1 .. 2**63-1, so an id no database column can hold is a 422, not a crash
PathId = Annotated[int, PathParameter(ge=1, le=MAX_ID)]
QueryId = Annotated[int | None, QueryParameter(ge=1, le=MAX_ID)]
#: an authority's id (an INTEGER column: 2**31-1 at most; a larger one was a 500 on PostgreSQL)
AuthorityQueryId = Annotated[int | None, QueryParameter(ge=1, le=2**31 - 1)]

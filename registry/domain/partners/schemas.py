"""Wire shapes of the partner API (the answers themselves are signed dicts, see answers.py)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from msgspec import Meta, Struct

Nonce = Annotated[str, Meta(min_length=8, max_length=128, pattern=r"^[\x21-\x7e]+$")]


class StatusBatch(Struct, kw_only=True, forbid_unknown_fields=True):
    subjects: Annotated[list[Annotated[str, Meta(max_length=64)]], Meta(min_length=1, max_length=1000)]
    nonce: Nonce | None = None


class FeedbackCreate(Struct, kw_only=True, forbid_unknown_fields=True):
    #: the request_id of the answer the measure was applied on
    request_id: Annotated[str, Meta(min_length=1, max_length=36)]
    uscc: str
    #: the measure's code as the answer gave it
    measure: Annotated[str, Meta(min_length=1, max_length=64)]
    handle_type: Literal["restricted", "refused", "reduced", "noted", "other"]
    #: with its offset (RFC 3339): a time without one is ambiguous across the country's systems
    executed_at: Annotated[dt.datetime, Meta(tz=True)]
    #: the officer who applied it (name or staff number)
    officer: Annotated[str, Meta(min_length=1, max_length=100)]
    #: the department's own document or case number
    reference: Annotated[str, Meta(max_length=200)] | None = None
    remark: Annotated[str, Meta(max_length=2000)] | None = None


class Feedback(Struct, kw_only=True):
    id: int
    request_id: str
    uscc: str
    measure: str
    handle_type: str
    executed_at: dt.datetime
    officer: str
    reference: str | None
    remark: str | None
    recorded_at: dt.datetime

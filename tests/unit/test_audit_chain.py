"""The audit hash chain (pure part): any edit or removal is detected."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

from registry.domain import audit

AT = dt.datetime(2026, 11, 26, 1, 2, 3, 456789, tzinfo=dt.UTC)


@dataclasses.dataclass
class Row:
    id: int
    at: dt.datetime
    actor: str
    actor_role: str
    authority_id: int | None
    action: str
    target_type: str
    target_id: str
    outcome: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    request_id: str | None
    detail: str | None
    prev_hash: str = ""
    entry_hash: str = ""


def chain(n: int) -> list[Row]:
    rows, prev = [], audit.GENESIS
    for i in range(n):
        row = Row(
            i + 1,
            AT,
            "bureau-1",
            "bureau",
            7,
            "enterprise.update",
            "enterprise",
            f"E{i}",
            "ok",
            {"name": f"旧{i}"},
            {"name": f"新{i}", "n": i},
            None,
            None,
        )
        row.prev_hash = prev
        row.entry_hash = audit.entry_hash(prev, audit.row_fields(row))  # type: ignore[arg-type]
        prev = row.entry_hash
        rows.append(row)
    return rows


async def _aiter(rows: list[Row]) -> AsyncIterator[Any]:
    for r in rows:
        yield r


async def test_intact_chain_verifies() -> None:
    report = await audit.verify_chain(_aiter(chain(5)))
    assert report.ok
    assert report.entries == 5


async def test_changed_content_is_detected() -> None:
    rows = chain(5)
    rows[2].after = {"name": "篡改", "n": 2}
    report = await audit.verify_chain(_aiter(rows))
    assert report.first_bad_id == 3
    assert "content" in (report.reason or "")


async def test_removed_entry_is_detected() -> None:
    rows = chain(5)
    del rows[1]
    report = await audit.verify_chain(_aiter(rows))
    assert report.first_bad_id == 3
    assert "prev_hash" in (report.reason or "")


def test_hash_is_canonical_json_order_independent() -> None:
    a = {"x": 1, "y": {"b": 2, "a": 1}}
    b = {"y": {"a": 1, "b": 2}, "x": 1}
    assert audit.entry_hash(audit.GENESIS, a) == audit.entry_hash(audit.GENESIS, b)
    assert audit.entry_hash(audit.GENESIS, a) != audit.entry_hash("11" * 32, a)

"""Idempotency keys (IETF draft-ietf-httpapi-idempotency-key-header): a retried state-changing
request returns the first answer instead of acting twice.

The first answer is stored in the same transaction as the change it reports, so after a crash
there is either both (a retry replays the answer) or neither (a retry acts, once). Two retries
racing each other: PostgreSQL serialises them on a transaction lock taken on the key, SQLite has
one writer; the second one then finds the first's answer. Only successful answers are stored: a
refused request changed nothing, and a retry of it is judged afresh.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from typing import Any

import msgspec
import rfc8785
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from registry.db.models import IdempotencyRecord
from registry.errors import FieldProblem, ValidationFailed

HEADER = "Idempotency-Key"
KEY_PATTERN = r"^[\x21-\x7e]{1,200}$"
_KEY = re.compile(KEY_PATTERN)


@dataclass(frozen=True, slots=True)
class Key:
    value: str
    #: SHA-256 over the request: the same key sent with another request is refused
    fingerprint: str


@dataclass(frozen=True, slots=True)
class Answer:
    status_code: int
    body: dict[str, Any]
    replayed: bool = False


def key(header: str | None, operation: str, target: str, body: Any) -> Key | None:
    """The request's key (None without the header); 422 when it is not 1-200 visible ASCII characters."""
    if header is None:
        return None
    if not _KEY.match(header):
        raise ValidationFailed(
            [
                FieldProblem(
                    HEADER,
                    "invalid_idempotency_key",
                    "Idempotency-Key 须为1至200个可见ASCII字符（建议使用UUID）",
                    "Idempotency-Key must be 1-200 visible ASCII characters (a UUID is a good choice)",
                )
            ]
        )
    request = {"operation": operation, "target": target, "body": msgspec.to_builtins(body)}
    try:
        canonical = rfc8785.dumps(request)
    except rfc8785.CanonicalizationError:  # a number no JSON double holds (a free-form value): still one spelling
        canonical = msgspec.json.encode(request, order="sorted")
    return Key(header, hashlib.sha256(canonical).hexdigest())


async def replay(session: AsyncSession, client: str, k: Key) -> Answer | None:
    """The stored answer for ``k`` (after waiting out a concurrent first attempt), or None."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": f"idem:{client}:{k.value}"})
    found = await session.scalar(
        select(IdempotencyRecord).where(IdempotencyRecord.client == client, IdempotencyRecord.key == k.value)
    )
    if found is None:
        return None
    if found.fingerprint != k.fingerprint:
        raise ValidationFailed(
            [
                FieldProblem(
                    HEADER,
                    "idempotency_key_reused",
                    "该 Idempotency-Key 已用于另一个请求，请为新请求使用新的键",
                    "this Idempotency-Key was used for a different request; use a new key for a new request",
                )
            ]
        )
    return Answer(found.status_code, dict(found.response), replayed=True)


async def remember(session: AsyncSession, client: str, k: Key, answer: Answer, now: dt.datetime) -> None:
    session.add(
        IdempotencyRecord(
            client=client,
            key=k.value,
            fingerprint=k.fingerprint,
            status_code=answer.status_code,
            response=answer.body,
            created_at=now,
        )
    )
    await session.flush()

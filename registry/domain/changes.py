"""The change sequence: one ``subject_changes`` row per change to what a partner is told about a
subject (its register entry, events, grades, listings), appended in the writing transaction.

``seq`` is the change feed's cursor and, for one subject, the data version its signed answers are
made from: an answer cached for version v is stale exactly when a row with a larger seq names the
subject. Rows get their seq under the audit chain's lock, so seqs follow commit order and a feed
reader that has seen seq n has seen every change before it (no gaps appear later).
"""

from __future__ import annotations

import datetime as dt
import weakref
from collections.abc import Callable, Iterable
from typing import cast

from sqlalchemy import Table, bindparam, event, func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from registry.db.among import among
from registry.db.models import CreditEvent, Enterprise, SubjectChange
from registry.domain import audit

#: the PostgreSQL NOTIFY channel of changes (registry.domain.partners.freshness listens)
CHANNEL = "registry_changes"


_PENDING = "registry_changes"
#: in-process subscribers told of each change when its transaction commits (the partner answers'
#: cache); other processes hear of it through NOTIFY (PostgreSQL) or the table itself
_subscribers: list[weakref.WeakMethod[Callable[[str, str | None], None]]] = []


def subscribe(callback: Callable[[str, str | None], None]) -> None:
    _subscribers.append(weakref.WeakMethod(callback))


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    tell_now(session.info.pop(_PENDING, ()))


def tell_now(changed: Iterable[tuple[str, str | None]]) -> None:
    """Tell the in-process subscribers now, not at commit: only for a writer that holds the tables
    its changes are in locked until it commits (a national first load, ``imports.initial``), so no
    answer can be built from the state before; a rollback then costs only dropped answers."""
    for key, uscc in changed:
        for ref in list(_subscribers):
            callback = ref()
            if callback is None:
                _subscribers.remove(ref)
            else:
                callback(key, uscc)


@event.listens_for(Session, "after_rollback")
def _rolled_back(session: Session) -> None:
    session.info.pop(_PENDING, None)


def notify_on_commit(session: AsyncSession, changed: Iterable[tuple[str, str | None]]) -> None:
    """Tell the in-process subscribers of these (subject key, USCC) changes when the session
    commits (for rows written without :func:`record`: the import's COPY path)."""
    session.info.setdefault(_PENDING, []).extend(changed)


_VERSIONS_PG = text(
    "UPDATE enterprises SET data_version = v.seq "
    "FROM unnest(CAST(:ids AS bigint[]), CAST(:seqs AS bigint[])) AS v(id, seq) WHERE enterprises.id = v.id"
)


def enterprise_key(enterprise_id: int) -> str:
    return f"e:{enterprise_id}"


def person_key(person_id: int) -> str:
    return f"p:{person_id}"


async def record(
    session: AsyncSession,
    now: dt.datetime,
    kind: str,
    *,
    enterprise_ids: Iterable[int | None] = (),
    person_ids: Iterable[int | None] = (),
    usccs: dict[int, str] | None = None,
) -> None:
    """Note that the subjects named changed (``kind``: enterprise, event, grade, listing,
    credit_repair); ``usccs`` (id -> USCC) spares a lookup when the caller has them."""
    units = sorted({i for i in enterprise_ids if i is not None})
    persons = sorted({i for i in person_ids if i is not None})
    if not units and not persons:
        return
    await audit.lock_chain(session)
    if usccs is None or not set(units) <= set(usccs):
        found = await session.execute(select(Enterprise.id, Enterprise.uscc).where(Enterprise.id.in_(units)))
        usccs = dict(found.all())
    rows = [
        {"subject_key": enterprise_key(i), "uscc": usccs.get(i), "person_id": None, "kind": kind, "recorded_at": now}
        for i in units
    ] + [
        {"subject_key": person_key(i), "uscc": None, "person_id": i, "kind": kind, "recorded_at": now} for i in persons
    ]
    made = (
        await session.execute(
            insert(SubjectChange).returning(SubjectChange.seq, SubjectChange.subject_key, SubjectChange.uscc), rows
        )
    ).all()
    notify_on_commit(session, ((key, uscc) for _, key, uscc in made))
    # the units' data versions, on their rows; record() holds the audit chain's lock until commit,
    # so seqs are given and committed in order and a later version never meets an earlier one
    versions = [{"unit": int(key[2:]), "seq": seq} for seq, key, _ in made if key.startswith("e:")]
    postgres = session.get_bind().dialect.name == "postgresql"
    if versions and postgres:
        # one statement: an executemany runs the UPDATE once per unit on the server, ~0.2 ms each
        # (a batch of 450 units: 100 ms); data_version is in no index, so the new row versions
        # may stay on their pages (HOT) and leave the table's nine indexes alone
        await session.execute(
            _VERSIONS_PG, {"ids": [v["unit"] for v in versions], "seqs": [v["seq"] for v in versions]}
        )
    elif versions:
        table = cast(Table, Enterprise.__table__)  # Core: an executemany, not ORM bulk update by PK
        await session.execute(
            update(table).where(table.c.id == bindparam("unit")).values(data_version=bindparam("seq")), versions
        )
    if postgres:
        # delivered at commit, never for a rolled-back change: every worker drops its cached answers
        payloads = [f"{seq}|{key}|{uscc or ''}" for seq, key, uscc in made]
        await session.execute(
            text("SELECT pg_notify(:channel, p) FROM unnest(CAST(:payloads AS text[])) AS p"),
            {"channel": CHANNEL, "payloads": payloads},
        )


async def record_event(session: AsyncSession, now: dt.datetime, *events: CreditEvent) -> None:
    """A credit repair is told as such (kind ``credit_repair``): partners end the sharing, use and
    measures tied to the repaired information (国家发展改革委令第36号 art. 3)."""
    await record(
        session,
        now,
        "credit_repair" if any(e.kind == "credit_repair" for e in events) else "event",
        enterprise_ids=[e.enterprise_id for e in events],
        person_ids=[e.person_id for e in events],
    )


async def record_usccs(session: AsyncSession, now: dt.datetime, usccs: Iterable[str], kind: str = "enterprise") -> None:
    codes = list(usccs)
    if codes:
        ids = list(await session.scalars(select(Enterprise.id).where(Enterprise.uscc.in_(codes))))
        await record(session, now, kind, enterprise_ids=ids)


async def versions_of(session: AsyncSession, subject_keys: Iterable[str]) -> dict[str, int]:
    """The data version of each subject (0: never changed), in one grouped query."""
    keys = list(subject_keys)
    found = await session.execute(
        select(SubjectChange.subject_key, func.max(SubjectChange.seq))
        .where(among(session, SubjectChange.subject_key, keys))
        .group_by(SubjectChange.subject_key)
    )
    versions = {key: int(seq) for key, seq in found}
    return {key: versions.get(key, 0) for key in keys}


async def latest(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.max(SubjectChange.seq))) or 0)

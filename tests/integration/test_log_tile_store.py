"""The log's level-0 tiles in the database (issue 22), on SQLite and PostgreSQL, each run on a
database of its own: migration 0014 fills them from the entries already logged; two processes'
``LogService`` over one database store the tiles they fill (racing on the same ones) and agree with
each other and with the RFC 9162 tree over every entry; a fresh one starts from the stored tiles
(their roots, not the entries); the entries, bundles and proofs come back right across tile edges
and gaps in the entry ids; a tile whose write fails (SQLite locked by another writer) is held and
stored by a later sync, the read answering meanwhile."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
import os
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import create_async_engine

from registry.db.engine import Database
from registry.db.migrate import upgrade
from registry.db.models import LogEntry, LogTile
from registry.domain.transparency import LogService
from registry.domain.transparency import b64 as _b64
from registry.lib.clock import FixedClock
from registry.settings import DatabaseSettings
from registry.signing import merkle
from registry.signing.keys import load_key_ring
from registry.signing.tiles import TileRef, read_bundle
from tests.conftest import PG_ADMIN, _pg_database

NOW = dt.datetime(2026, 12, 7, 12, 0, tzinfo=dt.UTC)


def body(entry_id: int) -> str:
    return json.dumps({"entry": entry_id, "kind": "test"}, separators=(",", ":"), sort_keys=True)


def entry_ids(start: int, count: int) -> list[int]:
    """``count`` ids from ``start`` with a gap now and then (ids are not contiguous in general)."""
    out, i = [], start
    while len(out) < count:
        out.append(i)
        i += 3 if i % 97 == 0 else 1
    return out


async def add_entries(url: str, ids: list[int]) -> None:
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                insert(LogEntry),
                [
                    {
                        "id": i,
                        "kind": "test",
                        "target_type": "t",
                        "target_id": str(i),
                        "body": body(i),
                        "recorded_at": NOW,
                    }
                    for i in ids
                ],
            )
    finally:
        await engine.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
async def url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'tiles.db'}"
        return
    name = f"registry_tile_store_{os.getpid()}"
    yield await _pg_database(name)
    conn = await asyncpg.connect(PG_ADMIN)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


def service(url: str, keys: Path) -> LogService:
    ring = load_key_ring(keys, "test-passphrase", production=False)
    return LogService(Database(DatabaseSettings(url=url, pool_size=2)), FixedClock(NOW), ring, "registry.test/log")


async def stored_tiles(url: str) -> list[tuple[int, bytes, bytes, int, int, bytes | None]]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(
                        LogTile.number, LogTile.root, LogTile.hashes, LogTile.first_id, LogTile.last_id, LogTile.ids
                    ).order_by(LogTile.number)
                )
            ).all()
    finally:
        await engine.dispose()
    return [tuple(r) for r in rows]  # type: ignore[misc]


async def test_tiles_are_filled_stored_shared_and_read_back(url: str, tmp_path: Path) -> None:
    engine = create_async_engine(url)
    try:
        await upgrade(engine, "0013")
        first_ids = entry_ids(1, 600)
        await add_entries(url, first_ids)
        await upgrade(engine)  # 0014 fills the tiles of the entries already there
    finally:
        await engine.dispose()
    leaves = [merkle.leaf_hash(body(i).encode()) for i in first_ids]
    tiles = await stored_tiles(url)
    assert [t[0] for t in tiles] == [0, 1]
    for number, root, hashes, first, last, ids in tiles:
        chunk = first_ids[256 * number : 256 * number + 256]
        assert hashes == b"".join(leaves[256 * number : 256 * number + 256])
        assert root == merkle.root(leaves[256 * number : 256 * number + 256])
        assert (first, last) == (chunk[0], chunk[-1])
        assert ids == b"".join(i.to_bytes(8, "big") for i in chunk)  # the ids have gaps: listed

    a, b = service(url, tmp_path / "keys"), service(url, tmp_path / "keys")
    try:
        assert await a.sync() == 600
        # more entries; both "workers" sync at once and both find tiles 2 and 3 full
        more = list(range(first_ids[-1] + 1, first_ids[-1] + 501))  # no gap: tile 3 stores no id list
        await add_entries(url, more)
        all_ids = first_ids + more
        leaves += [merkle.leaf_hash(body(i).encode()) for i in more]
        assert await asyncio.gather(a.sync(), b.sync()) == [1100, 1100]
        tiles = await stored_tiles(url)
        assert [t[0] for t in tiles] == [0, 1, 2, 3]
        assert [t[1] for t in tiles] == [merkle.root(leaves[256 * n : 256 * n + 256]) for n in range(4)]
        assert [(t[3], t[4]) for t in tiles] == [(all_ids[256 * n], all_ids[256 * n + 255]) for n in range(4)]
        assert tiles[2][5] == b"".join(i.to_bytes(8, "big") for i in all_ids[512:768])
        assert tiles[3][5] is None

        reference = merkle.Tree()
        reference.extend(leaves)
        for svc in (a, b):
            point = await svc.checkpoint()
            assert point["payload"]["root_hash"] == _b64(reference.root(1100))
            assert svc.tree.root(1100) == reference.root(1100)
            for index, size in [(0, 1100), (255, 256), (300, 600), (599, 777), (1099, 1100), (5, 513)]:
                proof = await svc.inclusion(index, size)
                assert proof["audit_path"] == [_b64(h) for h in reference.inclusion(index, size)]
                assert proof["root_hash"] == _b64(reference.root(size))
                assert proof["leaf_hash"] == _b64(leaves[index])
            for first, second in [(1, 1100), (300, 600), (256, 1100), (599, 1000), (1000, 1099), (777, 777)]:
                proof = await svc.consistency(first, second)
                assert proof["consistency_path"] == [_b64(h) for h in reference.consistency(first, second)]
                assert proof["first_root"] == _b64(reference.root(first))
            page = await svc.entries(250, 800)
            assert [e["leaf"] for e in page["entries"]] == [body(i) for i in all_ids[250:800]]
            assert [e["leaf_hash"] for e in page["entries"]] == [_b64(h) for h in leaves[250:800]]
            bundle = await svc.bundle(TileRef(None, 1, None))
            assert bundle is not None
            assert read_bundle(bundle) == [body(i).encode() for i in all_ids[256:512]]
            partial = await svc.bundle(TileRef(None, 4, 76))
            assert partial is not None
            assert read_bundle(partial) == [body(i).encode() for i in all_ids[1024:1100]]
            assert await svc.bundle(TileRef(None, 4, 77)) is None
            assert await svc.tile(TileRef(0, 2, None)) == b"".join(leaves[512:768])
            assert await svc.tile(TileRef(0, 2, 10)) == b"".join(leaves[512:522])
            assert await svc.tile(TileRef(0, 4, 76)) == b"".join(leaves[1024:1100])
            assert await svc.tile(TileRef(1, 0, 4)) == b"".join(
                reference.subtree_root(256 * n, 256 * n + 256) for n in range(4)
            )
    finally:
        await a.db.dispose()
        await b.db.dispose()

    # a fresh worker takes the stored tiles' roots, not their entries: a root changed in the
    # table (never done for real) shows up in its tree, while the workers that hashed the
    # entries keep the true one
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(update(LogTile).where(LogTile.number == 1).values(root=hashlib.sha256(b"x").digest()))
    finally:
        await engine.dispose()
    fresh = service(url, tmp_path / "keys")
    try:
        assert await fresh.sync() == 1100
        assert fresh.tree.roots.leaf(1) == hashlib.sha256(b"x").digest()
        assert fresh.tree.roots.leaf(2) == reference.subtree_root(512, 768)
        assert fresh.tree.root(1100) != reference.root(1100)
        # the partial tile's entries were read: their hashes are the real ones
        assert fresh.tree.tail == b"".join(leaves[1024:1100])
    finally:
        await fresh.db.dispose()


async def test_a_tile_that_cannot_be_stored_yet_is_held_and_stored_later(tmp_path: Path) -> None:
    """SQLite with its write lock held by another writer (a long import): the sync, a read, still
    answers, proofs use the tile held in memory, and a later sync stores it."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'locked.db'}"
    engine = create_async_engine(url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()
    ids = entry_ids(1, 300)
    await add_entries(url, ids)
    leaves = [merkle.leaf_hash(body(i).encode()) for i in ids]
    ring = load_key_ring(tmp_path / "keys", "test-passphrase", production=False)
    db = Database(DatabaseSettings(url=url, pool_size=2, busy_timeout_seconds=0.2))
    log = LogService(db, FixedClock(NOW), ring, "registry.test/log")
    holder = sqlite3.connect(tmp_path / "locked.db", isolation_level=None)
    try:
        holder.execute("PRAGMA journal_mode=WAL")  # as the app's connections set it
        holder.execute("BEGIN IMMEDIATE")
        assert await log.sync() == 300
        assert await stored_tiles(url) == []
        proof = await log.inclusion(100, 299)
        assert proof["audit_path"] == [_b64(h) for h in merkle.inclusion_proof(100, leaves[:299])]
        page = await log.entries(250, 260)
        assert [e["leaf"] for e in page["entries"]] == [body(i) for i in ids[250:260]]
        holder.execute("ROLLBACK")
        assert await log.sync() == 300
        assert [(t[0], t[1]) for t in await stored_tiles(url)] == [(0, merkle.root(leaves[:256]))]
    finally:
        holder.close()
        await db.dispose()

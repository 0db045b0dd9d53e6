"""The transparency log (DESIGN section 4): the history log's entries as the leaves of an RFC 9162
Merkle tree, a signed checkpoint, entries, and inclusion and consistency proofs.

Leaf ``i`` is the ``i``-th ``log_entries`` row in id order, its bytes the stored canonical JSON. Ids
are handed out under the audit chain's lock in commit order (registry.domain.history), so a reader
never sees a later row without the earlier ones and a leaf's index never changes. Each full tile of
256 leaves is stored once in ``log_tiles`` (its leaf hashes, root and entry ids) by whichever
process first finds it full; a process keeps only the tile roots and the last partial tile in
memory (issue 22: about 1.3 MB at 10 million entries, against 450 MB holding every leaf), reads only
the rows it has not seen (one indexed range query), and reads the one to three tiles an answer
about an older leaf or size needs (registry.signing.tiled). The tree is also served as C2SP tlog-tiles
(registry.signing.tiles), which monitors mirror without the proof endpoints.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
from array import array
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

import structlog
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from registry.db.engine import Database
from registry.db.models import LogEntry, LogTile
from registry.errors import FieldProblem, ValidationFailed
from registry.lib.clock import Clock, utc_text
from registry.signing import jws
from registry.signing.checkpoint import Checkpoint, sign_note, vkey
from registry.signing.keys import KeyRing
from registry.signing.tiled import TILE, TiledTree, TileView
from registry.signing.tiles import TileRef, available, entry_bundle, tile_hashes

log = structlog.get_logger(__name__)

CHECKPOINT_TYP = "registry-checkpoint+jws"
MAX_ENTRIES = 1000


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _fail(field: str, code: str, zh: str, en: str) -> ValidationFailed:
    return ValidationFailed([FieldProblem(field, code, zh, en)])


#: log entries read per query while syncing (a multiple of 256: memory stays flat however far behind)
SYNC_BATCH = 256 * 16
#: tile rows (roots only) read per query at start (larger batches leave more freed heap behind:
#: 9.7 MB of RSS at 10 million entries with 8,192, 4.1 MB with 1,024; bench/RESULTS.md)
ROOTS_BATCH = 1024
#: full tiles kept after use (10 KB each with their ids: 0.7 MB): monitors ask about recent sizes and leaves,
#: whose tiles are then read once, not per proof; a full tile never changes
TILE_CACHE = 64


def _ids_blob(ids: Sequence[int]) -> bytes | None:
    """A full tile's ids as stored: None when they run without a gap from the first."""
    if ids[-1] - ids[0] == TILE - 1:
        return None
    return b"".join(i.to_bytes(8, "big") for i in ids)


def _tile_ids(first_id: int, last_id: int, blob: bytes | None) -> array[int]:
    if blob is None:
        return array("q", range(first_id, last_id + 1))
    return array("q", (int.from_bytes(blob[at : at + 8], "big") for at in range(0, len(blob), 8)))


class LogService:
    """One process's view of the log. It holds the root of each full tile of 256 leaves (stored in
    ``log_tiles``) and the partial tile's leaf hashes and ids, about 32 bytes per 256 entries;
    an answer about older leaves or sizes reads the one to three tiles it needs (registry.signing.tiled)."""

    def __init__(self, db: Database, clock: Clock, keys: KeyRing, origin: str) -> None:
        self.db = db
        self.clock = clock
        self.keys = keys
        self.origin = origin
        self.tree = TiledTree()
        #: the ``log_entries`` id of each leaf of the partial tile (ids may have gaps)
        self._tail_ids = array("q")
        #: the id of the last leaf held
        self._last_id = 0
        self._started = False
        self._lock = asyncio.Lock()
        self._cache: OrderedDict[int, tuple[bytes, array[int]]] = OrderedDict()
        #: the rows of full tiles held whose store failed (kept until a later sync stores them)
        self._pending: dict[int, dict[str, Any]] = {}

    async def sync(self, session: AsyncSession | None = None) -> int:
        """Read the tiles and rows committed since the last call, storing the tiles they fill that
        no other process stored first; the tree size. ``session``: the new entries are read there
        (a caller that has one open saves a connection checkout and its transaction)."""
        async with self._lock:
            if not self._started:
                await self._read_roots()
                self._started = True
            while True:
                if session is None:
                    async with self.db.read() as own:
                        rows = await self._since(own)
                else:
                    rows = await self._since(session)
                for entry_id, body in rows:
                    self._tail_ids.append(entry_id)
                    self._last_id = entry_id
                    hashes = self.tree.add_leaf(hashlib.sha256(b"\x00" + body.encode()).digest())
                    if hashes is not None:
                        ids, number = self._tail_ids, self.tree.tiles - 1
                        self._tail_ids = array("q")
                        self._pending[number] = {
                            "number": number,
                            "root": self.tree.roots.leaf(number),
                            "hashes": hashes,
                            "first_id": ids[0],
                            "last_id": ids[-1],
                            "ids": _ids_blob(ids),
                        }
                if self._pending:
                    await self._store()
                if len(rows) < SYNC_BATCH:
                    return self.tree.size
                # far behind: the tiles other processes stored spare reading their entries
                await self._read_roots()

    async def _read_roots(self) -> None:
        """Take the stored tiles from the next one on (their roots and last ids, not their leaves)."""
        while True:
            async with self.db.read() as session:
                rows = (
                    await session.execute(
                        select(LogTile.number, LogTile.root, LogTile.last_id)
                        .where(LogTile.number >= self.tree.tiles)
                        .order_by(LogTile.number)
                        .limit(ROOTS_BATCH)
                    )
                ).all()
            for number, root, last_id in rows:
                if number != self.tree.tiles:  # a gap (not stored yet): its entries are read instead
                    return
                self.tree.add_tile(root)
                self._tail_ids = array("q")
                self._last_id = last_id
            if len(rows) < ROOTS_BATCH:
                return

    async def _store(self) -> None:
        """Store the full tiles held but not stored yet. Two processes may store the same tile at
        once: its content is fixed by the log, so the second insert is a no-op. A sync is a read
        (a checkpoint, a proof): when the write fails (SQLite's lock held by a long import, the
        database gone), the tiles stay held here, answer from memory and are stored by a later sync
        or another process (one that starts finds the gap and reads those entries)."""
        rows = list(self._pending.values())
        try:
            async with self.db.write() as session:
                insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
                await session.execute(insert(LogTile).on_conflict_do_nothing(index_elements=["number"]), rows)
        except Exception as exc:  # never fail a read for a write a later sync or another process can do
            log.warning("log tiles not stored yet", tiles=len(rows), error=type(exc).__name__)
            return
        for row in rows:
            self._pending.pop(row["number"], None)

    async def _tiles(self, numbers: Sequence[int]) -> dict[int, tuple[bytes, array[int]]]:
        """The leaf hashes and entry ids of these full (stored) tiles."""
        found = {n: self._cache[n] for n in numbers if n in self._cache}
        for n in numbers:
            if n in self._pending:
                row = self._pending[n]
                found[n] = (row["hashes"], _tile_ids(row["first_id"], row["last_id"], row["ids"]))
        missing = sorted(set(numbers) - set(found))
        if missing:
            async with self.db.read() as session:
                rows = (
                    await session.execute(
                        select(LogTile.number, LogTile.hashes, LogTile.first_id, LogTile.last_id, LogTile.ids).where(
                            LogTile.number.in_(missing)
                        )
                    )
                ).all()
            found |= {n: (bytes(h), _tile_ids(first, last, ids)) for n, h, first, last, ids in rows}
            if len(found) != len(set(numbers)):
                raise RuntimeError(f"log tiles {sorted(set(numbers) - set(found))} are missing from log_tiles")
        for n in numbers:
            self._cache[n] = found[n]
            self._cache.move_to_end(n)
        while len(self._cache) > TILE_CACHE:
            self._cache.popitem(last=False)
        return found

    async def _view(self, *, leaves: Sequence[int] = (), sizes: Sequence[int] = ()) -> TileView:
        """A snapshot of the tree (taken before any await) with the full tiles these leaves and sizes need."""
        snap = self.tree.snapshot()
        fetched = await self._tiles(snap.needed(leaves=leaves, sizes=sizes))
        return snap.with_tiles({n: h for n, (h, _) in fetched.items()})

    async def _leaf_ids(self, start: int, end: int) -> tuple[list[int], TileView]:
        """The entry ids of leaves [start, end) of the tree as synced (and a view holding their hashes)."""
        snap, tail_ids = self.tree.snapshot(), list(self._tail_ids)
        numbers = [n for n in range(start // TILE, (end - 1) // TILE + 1) if n < snap.tiles]
        fetched = await self._tiles(numbers)
        ids: list[int] = []
        for n in range(start // TILE, (end - 1) // TILE + 1):
            ids.extend(fetched[n][1] if n < snap.tiles else tail_ids)
        base = start // TILE * TILE
        return ids[start - base : end - base], snap.with_tiles({n: h for n, (h, _) in fetched.items()})

    async def _since(self, session: AsyncSession) -> list[Any]:
        statement = select(LogEntry.id, LogEntry.body).where(LogEntry.id > self._last_id)
        statement = statement.order_by(LogEntry.id).limit(SYNC_BATCH)
        return list((await session.execute(statement)).all())

    async def checkpoint(self) -> dict[str, Any]:
        size = await self.sync()
        root = self.tree.root(size)  # the current size: from the roots and the partial tile
        payload = {
            "origin": self.origin,
            "tree_size": size,
            "root_hash": b64(root),
            "timestamp": utc_text(self.clock.now()),
        }
        note = sign_note(Checkpoint(self.origin, size, root), self.origin, self.keys.private)
        return {
            **jws.envelope(self.keys.private, self.keys.kid, CHECKPOINT_TYP, payload),
            "note": note,
            "note_verifier_key": vkey(self.origin, self.keys.private.public_key()),
        }

    async def entries(self, start: int, end: int) -> dict[str, Any]:
        size = await self.sync()
        if start < 0 or end <= start or end - start > MAX_ENTRIES:
            raise _fail(
                "end",
                "range",
                f"须 0 ≤ start < end，且每次最多 {MAX_ENTRIES} 条",
                f"need 0 <= start < end and at most {MAX_ENTRIES} entries",
            )
        if start >= size:
            raise _fail("start", "beyond_tree", f"日志目前只有 {size} 条", f"the log has {size} entries")
        end = min(end, size)
        ids, view = await self._leaf_ids(start, end)
        async with self.db.read() as session:
            rows = dict((await session.execute(select(LogEntry.id, LogEntry.body).where(LogEntry.id.in_(ids)))).all())
        return {
            "tree_size": size,
            "entries": [
                {
                    "leaf_index": start + n,
                    "leaf_hash": b64(view.leaf(start + n)),
                    "leaf": rows[i],
                    "entry": json.loads(rows[i]),
                }
                for n, i in enumerate(ids)
            ],
        }

    async def tile(self, ref: TileRef) -> bytes | None:
        """A hash tile of c2sp.org/tlog-tiles, or None while the log has fewer leaves."""
        size = await self.sync()
        if ref.level is None or available(size, ref.level, ref.index) < ref.count:
            return tile_hashes(self.tree.snapshot(), size, ref)
        view = await self._view(leaves=[ref.index * TILE] if ref.level == 0 else [])
        return tile_hashes(view, size, ref)

    async def bundle(self, ref: TileRef) -> bytes | None:
        """The entries of level-0 tile ``ref`` as an entry bundle, or None while the log has fewer."""
        size = await self.sync()
        first = ref.index * 256
        if first + ref.count > size:
            return None
        ids, _ = await self._leaf_ids(first, first + ref.count)
        async with self.db.read() as session:
            rows = dict((await session.execute(select(LogEntry.id, LogEntry.body).where(LogEntry.id.in_(ids)))).all())
        return entry_bundle([rows[i].encode() for i in ids])

    async def inclusion(self, leaf_index: int, tree_size: int) -> dict[str, Any]:
        await self._sized("tree_size", tree_size)
        if not 0 <= leaf_index < tree_size:
            raise _fail("leaf_index", "range", "leaf_index 须小于 tree_size", "leaf_index must be below tree_size")
        view = await self._view(leaves=[leaf_index], sizes=[tree_size])
        return {
            "leaf_index": leaf_index,
            "tree_size": tree_size,
            "leaf_hash": b64(view.leaf(leaf_index)),
            "root_hash": b64(view.root(tree_size)),
            "audit_path": [b64(h) for h in view.inclusion(leaf_index, tree_size)],
        }

    async def consistency(self, first: int, second: int) -> dict[str, Any]:
        await self._sized("second", second)
        if not 0 < first <= second:
            raise _fail("first", "range", "须 0 < first ≤ second", "need 0 < first <= second")
        view = await self._view(sizes=[first, second])
        return {
            "first": first,
            "second": second,
            "first_root": b64(view.root(first)),
            "second_root": b64(view.root(second)),
            "consistency_path": [b64(h) for h in view.consistency(first, second)],
        }

    async def _sized(self, field: str, size: int) -> None:
        have = await self.sync()
        if not 0 < size <= have:
            raise _fail(field, "beyond_tree", f"日志目前只有 {have} 条", f"the log has {have} entries")

"""The transparency log (DESIGN section 4): the history log's entries as the leaves of an RFC 9162
Merkle tree, a signed checkpoint, entries, and inclusion and consistency proofs.

Leaf ``i`` is the ``i``-th ``log_entries`` row in id order, its bytes the stored canonical JSON. Ids
are handed out under the audit chain's lock in commit order (registry.domain.history), so a reader
never sees a later row without the earlier ones and a leaf's index never changes. Each process
keeps the tree in memory (40 bytes a leaf: its hash and its row id) and reads only the rows it has
not seen (one indexed range query). The tree is also served as C2SP tlog-tiles
(registry.signing.tiles), which monitors mirror without the proof endpoints.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
from array import array
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.db.engine import Database
from registry.db.models import LogEntry
from registry.errors import FieldProblem, ValidationFailed
from registry.lib.clock import Clock, utc_text
from registry.signing import jws
from registry.signing.checkpoint import Checkpoint, sign_note, vkey
from registry.signing.keys import KeyRing
from registry.signing.merkle import Tree
from registry.signing.tiles import TileRef, entry_bundle, tile_hashes

CHECKPOINT_TYP = "registry-checkpoint+jws"
MAX_ENTRIES = 1000


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _fail(field: str, code: str, zh: str, en: str) -> ValidationFailed:
    return ValidationFailed([FieldProblem(field, code, zh, en)])


class LogService:
    def __init__(self, db: Database, clock: Clock, keys: KeyRing, origin: str) -> None:
        self.db = db
        self.clock = clock
        self.keys = keys
        self.origin = origin
        self.tree = Tree()
        #: the ``log_entries`` id of each leaf (8 bytes a leaf: ids may have gaps)
        self._ids = array("q")
        self._lock = asyncio.Lock()

    async def sync(self, session: AsyncSession | None = None) -> int:
        """Read the rows committed since the last call; the tree size. ``session``: read there (a
        caller that has one open saves a connection checkout and its transaction)."""
        async with self._lock:
            last = self._ids[-1] if self._ids else 0
            if session is None:
                async with self.db.read() as own:
                    rows = await self._since(own, last)
            else:
                rows = await self._since(session, last)
            self.tree.extend([hashlib.sha256(b"\x00" + body.encode()).digest() for _, body in rows])
            self._ids.extend(i for i, _ in rows)
            return self.tree.size

    @staticmethod
    async def _since(session: AsyncSession, last: int) -> list[Any]:
        statement = select(LogEntry.id, LogEntry.body).where(LogEntry.id > last).order_by(LogEntry.id)
        return list((await session.execute(statement)).all())

    async def checkpoint(self) -> dict[str, Any]:
        size = await self.sync()
        root = self.tree.root(size)
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
        ids = list(self._ids[start:end])
        async with self.db.read() as session:
            rows = dict((await session.execute(select(LogEntry.id, LogEntry.body).where(LogEntry.id.in_(ids)))).all())
        return {
            "tree_size": size,
            "entries": [
                {
                    "leaf_index": start + n,
                    "leaf_hash": b64(self.tree.leaf(start + n)),
                    "leaf": rows[i],
                    "entry": json.loads(rows[i]),
                }
                for n, i in enumerate(ids)
            ],
        }

    async def tile(self, ref: TileRef) -> bytes | None:
        """A hash tile of c2sp.org/tlog-tiles, or None while the log has fewer leaves."""
        size = await self.sync()
        return tile_hashes(self.tree, size, ref)

    async def bundle(self, ref: TileRef) -> bytes | None:
        """The entries of level-0 tile ``ref`` as an entry bundle, or None while the log has fewer."""
        size = await self.sync()
        first = ref.index * 256
        if first + ref.count > size:
            return None
        ids = list(self._ids[first : first + ref.count])
        async with self.db.read() as session:
            rows = dict((await session.execute(select(LogEntry.id, LogEntry.body).where(LogEntry.id.in_(ids)))).all())
        return entry_bundle([rows[i].encode() for i in ids])

    async def inclusion(self, leaf_index: int, tree_size: int) -> dict[str, Any]:
        await self._sized("tree_size", tree_size)
        if not 0 <= leaf_index < tree_size:
            raise _fail("leaf_index", "range", "leaf_index 须小于 tree_size", "leaf_index must be below tree_size")
        return {
            "leaf_index": leaf_index,
            "tree_size": tree_size,
            "leaf_hash": b64(self.tree.leaf(leaf_index)),
            "root_hash": b64(self.tree.root(tree_size)),
            "audit_path": [b64(h) for h in self.tree.inclusion(leaf_index, tree_size)],
        }

    async def consistency(self, first: int, second: int) -> dict[str, Any]:
        await self._sized("second", second)
        if not 0 < first <= second:
            raise _fail("first", "range", "须 0 < first ≤ second", "need 0 < first <= second")
        return {
            "first": first,
            "second": second,
            "first_root": b64(self.tree.root(first)),
            "second_root": b64(self.tree.root(second)),
            "consistency_path": [b64(h) for h in self.tree.consistency(first, second)],
        }

    async def _sized(self, field: str, size: int) -> None:
        have = await self.sync()
        if not 0 < size <= have:
            raise _fail(field, "beyond_tree", f"日志目前只有 {have} 条", f"the log has {have} entries")

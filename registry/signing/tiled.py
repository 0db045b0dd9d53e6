"""The log's tree held as its level-0 tiles (issue 22): a worker keeps in memory only the root of
each full tile of 256 leaves (32 bytes a tile) and the leaf hashes of the last, partial tile; the
leaf hashes of full tiles stay in the database and are handed in when a proof needs them. Pure:
which tiles an answer needs is computed from its arguments (``needed``), the caller fetches them,
then asks a snapshot of the tree with them (``TileView.needed``, ``TileView.with_tiles``).

Why so few: in the RFC 9162 recursion every subtree ``[lo, hi)`` of 256 leaves or more starts on a
multiple of 256, and ends on one unless ``hi`` is a tree size asked about (the right edge). A
subtree of whole tiles is the subtree over their roots (the split of ``256 t`` leaves is 256 times
the split of ``t``), so it comes from the roots. The leaves are needed only inside a tile: the
leaf's own (an inclusion proof, a leaf hash) and the tiles that a size ``n`` with ``n % 256 != 0``
ends in (a root, a consistency proof from or to it). The partial tile's leaves are in memory.

The answers are the same bytes as ``merkle.Tree`` over all the leaves (tests/unit/test_tiled.py
checks every operation against it and against the RFC reference functions)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from registry.signing.merkle import ProofError, Proofs, Tree, _split, node_hash

TILE = 256
TILE_BYTES = 32 * TILE


class MissingTile(LookupError):
    """An answer needs the leaves of a full tile that were not handed in (a caller's bug)."""


def tile_root(hashes: bytes) -> bytes:
    """The root of a full tile: its 256 leaf hashes (8,192 bytes) paired level by level."""
    if len(hashes) != TILE_BYTES:
        raise ValueError("a full tile is 256 leaf hashes of 32 bytes")
    level = [hashes[i : i + 32] for i in range(0, TILE_BYTES, 32)]
    while len(level) > 1:
        level = [node_hash(level[i], level[i + 1]) for i in range(0, len(level), 2)]
    return level[0]


class TiledTree:
    """A growing log's tree as tile roots plus the partial tile's leaves; ``snapshot`` gives a
    view that answers roots, proofs and leaf hashes for any size it holds, given the full tiles
    it needs."""

    def __init__(self) -> None:
        #: the tree over the full tiles' roots (its subtrees are the log's subtrees of 256 t leaves)
        self.roots = Tree()
        #: leaf hashes of the partial tile (0..255 of them)
        self.tail = bytearray()

    @property
    def tiles(self) -> int:
        """How many full tiles the tree has."""
        return self.roots.size

    @property
    def size(self) -> int:
        return TILE * self.roots.size + len(self.tail) // 32

    def add_tile(self, root: bytes) -> None:
        """A full tile's root; the partial tile's leaves (now in it) are dropped."""
        self.roots.extend([root])
        self.tail.clear()

    def add_leaf(self, leaf_hash: bytes) -> bytes | None:
        """Append a leaf; when it fills the partial tile, that tile's 256 hashes (to store), its root
        added to the roots and the partial tile empty again; else None."""
        if len(leaf_hash) != 32:
            raise ValueError("a leaf hash is 32 bytes")
        self.tail += leaf_hash
        if len(self.tail) < TILE_BYTES:
            return None
        full = bytes(self.tail)
        self.add_tile(tile_root(full))
        return full

    def snapshot(self) -> TileView:
        """The tree as it is now, for one answer: the roots only grow, and the partial tile's
        leaves are copied (at most 8 KB), so the view stays the same while its caller awaits the
        tiles it needs and other callers grow the tree."""
        return TileView(self.roots, self.roots.size, bytes(self.tail), {})

    def root(self, n: int) -> bytes:
        """The root of size ``n`` when it needs no full tile's leaves (the current size, or a
        multiple of 256); else MissingTile."""
        return self.snapshot().root(n)


class TileView(Proofs):
    """The tree of a snapshot, with some full tiles' leaf hashes at hand: the interface of
    ``merkle.Tree`` (``leaf``, ``subtree_root``, ``root``, ``inclusion``, ``consistency``)."""

    def __init__(self, roots: Tree, tiles: int, tail: bytes, fetched: Mapping[int, bytes]) -> None:
        self._roots = roots
        #: full tiles in the snapshot
        self.tiles = tiles
        self._tail = tail
        self._fetched = fetched
        self._size = TILE * tiles + len(tail) // 32

    @property
    def size(self) -> int:
        return self._size

    def needed(self, *, leaves: Iterable[int] = (), sizes: Iterable[int] = ()) -> list[int]:
        """The full tiles (numbers, ascending) whose leaves an answer about ``leaves`` (leaf
        indexes) and tree ``sizes`` needs; the partial tile is at hand and never listed."""
        wanted = {i // TILE for i in leaves} | {n // TILE for n in sizes if n % TILE}
        return sorted(t for t in wanted if 0 <= t < self.tiles and t not in self._fetched)

    def with_tiles(self, fetched: Mapping[int, bytes]) -> TileView:
        """The same snapshot with the leaf hashes of these full tiles at hand."""
        for number, hashes in fetched.items():
            if not 0 <= number < self.tiles or len(hashes) != TILE_BYTES:
                raise ValueError(f"tile {number} is not a full tile of this tree")
        return TileView(self._roots, self.tiles, self._tail, {**self._fetched, **fetched})

    def _tile(self, number: int) -> bytes:
        if number == self.tiles:
            return self._tail
        try:
            return self._fetched[number]
        except KeyError:
            raise MissingTile(f"tile {number} is needed and was not fetched") from None

    def leaf(self, index: int) -> bytes:
        if not 0 <= index < self.size:
            raise ProofError(f"leaf index {index} is outside a tree of size {self.size}")
        at = 32 * (index % TILE)
        return self._tile(index // TILE)[at : at + 32]

    def subtree_root(self, lo: int, hi: int) -> bytes:
        """MTH of the leaves [lo, hi) (0 <= lo < hi <= size)."""
        if not 0 <= lo < hi <= self.size:
            raise ProofError(f"no subtree [{lo}, {hi}) in a tree of size {self.size}")
        return self._root(lo, hi)

    def _root(self, lo: int, hi: int) -> bytes:
        if lo % TILE == 0 and hi % TILE == 0:
            return self._roots.subtree_root(lo // TILE, hi // TILE)
        if lo // TILE == (hi - 1) // TILE:  # inside one tile: from its leaves
            base = lo // TILE * TILE
            return _leaves_root(self._tile(lo // TILE), lo - base, hi - base)
        k = _split(hi - lo)
        return node_hash(self._root(lo, lo + k), self._root(lo + k, hi))


def _leaves_root(hashes: bytes, lo: int, hi: int) -> bytes:
    """MTH of leaves [lo, hi) of one tile's hashes (RFC 9162 2.1.1)."""
    n = hi - lo
    if n == 1:
        return bytes(hashes[32 * lo : 32 * lo + 32])
    k = _split(n)
    return node_hash(_leaves_root(hashes, lo, lo + k), _leaves_root(hashes, lo + k, hi))

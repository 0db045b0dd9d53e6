"""The tile-backed tree (registry.signing.tiled) gives the same bytes as the in-memory ``merkle.Tree``
over all the leaves, for every operation and size: roots, leaf hashes, inclusion and consistency
proofs, tlog-tiles hash tiles; each answer from only the full tiles ``needed`` names (a view
without them refuses), and a snapshot stays the same while the tree grows."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from registry.signing import merkle as m
from registry.signing import tiled as td
from registry.signing import tiles as t
from tests.unit.test_merkle import leaves


def build(hashes: list[bytes]) -> tuple[td.TiledTree, dict[int, bytes]]:
    """A tiled tree over ``hashes`` and the full tiles it handed out to store, by number."""
    tree, stored = td.TiledTree(), {}
    for h in hashes:
        full = tree.add_leaf(h)
        if full is not None:
            stored[tree.tiles - 1] = full
    return tree, stored


def fetch(stored: dict[int, bytes], numbers: list[int]) -> dict[int, bytes]:
    return {n: stored[n] for n in numbers}


@st.composite
def sized(draw: st.DrawFn) -> tuple[int, int, int]:
    """A tree size (weighted to cross tile edges), a size up to it and a leaf index below that."""
    n = draw(st.integers(1, 3000) | st.sampled_from([255, 256, 257, 511, 512, 513, 768, 1024, 2048, 2049]))
    size = draw(st.integers(1, n) | st.just(n))
    index = draw(st.integers(0, size - 1))
    return n, size, index


ALL = leaves(3000, seed=7)
REFERENCE = m.Tree()
REFERENCE.extend(ALL)


@settings(max_examples=300, deadline=None)
@given(case=sized(), first=st.integers(1, 3000))
def test_every_answer_equals_the_in_memory_tree(case: tuple[int, int, int], first: int) -> None:
    n, size, index = case
    first = min(first, size)
    tree, stored = build(ALL[:n])
    assert tree.size == n
    assert len(stored) == n // 256
    snap = tree.snapshot()
    view = snap.with_tiles(fetch(stored, snap.needed(sizes=[size])))
    assert view.root(size) == REFERENCE.root(size) == m.root(ALL[:size])
    view = snap.with_tiles(fetch(stored, snap.needed(leaves=[index], sizes=[size])))
    assert view.leaf(index) == ALL[index]
    assert view.inclusion(index, size) == REFERENCE.inclusion(index, size) == m.inclusion_proof(index, ALL[:size])
    view = snap.with_tiles(fetch(stored, snap.needed(sizes=[first, size])))
    assert view.root(first) == REFERENCE.root(first)
    assert view.consistency(first, size) == REFERENCE.consistency(first, size)
    assert view.consistency(first, size) == m.consistency_proof(first, ALL[:size])
    # at most one tile per size and leaf asked about
    assert len(snap.needed(leaves=[index], sizes=[first, size])) <= 3


@settings(max_examples=100, deadline=None)
@given(n=st.integers(1, 3000), level=st.integers(0, 2), index=st.integers(0, 12), width=st.none() | st.integers(1, 255))
def test_hash_tiles_equal_the_in_memory_trees(n: int, level: int, index: int, width: int | None) -> None:
    tree, stored = build(ALL[:n])
    ref = t.TileRef(level, index, width)
    snap = tree.snapshot()
    view = snap.with_tiles(fetch(stored, snap.needed(leaves=[index * 256] if level == 0 else [])))
    assert t.tile_hashes(view, n, ref) == t.tile_hashes(REFERENCE, n, ref)


def test_the_current_root_needs_no_tile_and_others_are_refused_without_theirs() -> None:
    tree, stored = build(ALL[:1000])
    assert tree.root(1000) == REFERENCE.root(1000)
    assert tree.root(768) == REFERENCE.root(768)
    with pytest.raises(td.MissingTile):
        tree.root(700)
    snap = tree.snapshot()
    assert snap.needed(sizes=[700, 1000, 512], leaves=[3, 999]) == [0, 2]
    with pytest.raises(td.MissingTile):
        snap.with_tiles(fetch(stored, [0])).inclusion(600, 1000)
    with pytest.raises(ValueError, match="not a full tile"):
        snap.with_tiles({3: bytes(td.TILE_BYTES)})
    with pytest.raises(m.ProofError):
        snap.root(1001)


def test_a_snapshot_stays_while_the_tree_grows() -> None:
    tree, stored = build(ALL[:300])
    snap = tree.snapshot()
    for h in ALL[300:600]:
        full = tree.add_leaf(h)
        if full is not None:
            stored[tree.tiles - 1] = full
    assert snap.size == 300
    assert tree.size == 600
    assert snap.root(300) == REFERENCE.root(300)
    assert snap.inclusion(290, 300) == REFERENCE.inclusion(290, 300)
    view = tree.snapshot()
    view = view.with_tiles(fetch(stored, view.needed(sizes=[300], leaves=[290])))
    assert view.consistency(300, 600) == REFERENCE.consistency(300, 600)


def test_tiles_added_by_root_equal_the_tiles_built_from_leaves() -> None:
    built, stored = build(ALL[:700])
    read = td.TiledTree()
    for number in sorted(stored):
        read.add_tile(td.tile_root(stored[number]))
    for h in ALL[512:700]:
        assert read.add_leaf(h) is None
    assert read.size == 700
    assert read.root(700) == built.root(700) == REFERENCE.root(700)
    assert td.tile_root(stored[1]) == REFERENCE.subtree_root(256, 512)

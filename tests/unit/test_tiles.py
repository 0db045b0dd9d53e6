"""C2SP tlog-tiles: paths in their one canonical spelling, and tiles that give back the tree.

The check is a monitor's: from the tiles alone (level 0 for the leaves, level 1 and 2 for the
subtrees of 256 and 65,536 leaves) the brute-force root of every size asked must come out, and
each tile hash must be the root of exactly the leaves the specification gives it."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from registry.signing import merkle as m
from registry.signing import tiles as t
from tests.unit.test_merkle import brute_root, leaves


@pytest.mark.parametrize(
    ("index", "path"),
    [
        (0, "000"),
        (5, "005"),
        (999, "999"),
        (1000, "x001/000"),
        (1234067, "x001/x234/067"),
        (10**9, "x001/x000/x000/000"),
    ],
)
def test_index_paths_are_the_specifications(index: int, path: str) -> None:
    assert t.encode_index(index) == path
    assert t.parse_tile_path(f"tile/2/{path}") == t.TileRef(2, index, None)
    assert t.parse_tile_path(f"tile/entries/{path}.p/17") == t.TileRef(None, index, 17)
    assert t.tile_path(t.TileRef(2, index, None)) == f"tile/2/{path}"
    assert t.tile_path(t.TileRef(None, index, 17)) == f"tile/entries/{path}.p/17"


@settings(max_examples=300, deadline=None)
@given(level=st.integers(0, t.MAX_LEVEL), index=st.integers(0, 2**40), width=st.none() | st.integers(1, 255))
def test_every_path_reads_back_as_itself(level: int, index: int, width: int | None) -> None:
    ref = t.TileRef(level, index, width)
    assert t.parse_tile_path(t.tile_path(ref)) == ref


@pytest.mark.parametrize(
    "path",
    [
        "tile/0/5",  # groups of three digits
        "tile/0/x000/005",  # no leading zero group
        "tile/0/x1/000",
        "tile/0/001x/000",
        "tile/00/005",  # the level in its shortest spelling
        "tile/-1/005",
        "tile/9/000",  # no tree has a level past 8
        "tile/0/005.p/0",  # a partial width is 1..255
        "tile/0/005.p/256",
        "tile/0/005.p/07",
        "tile/0/005.p/",
        "tile/0/",
        "tiles/0/000",
        "tile/entries",
    ],
)
def test_other_spellings_are_refused(path: str) -> None:
    with pytest.raises(t.BadTilePath):
        t.parse_tile_path(path)


def test_a_tile_exists_once_the_tree_holds_its_hashes() -> None:
    assert t.available(0, 0, 0) == 0
    assert t.available(255, 0, 0) == 255
    assert t.available(256, 0, 0) == 256
    assert t.available(256, 0, 1) == 0
    assert t.available(256, 1, 0) == 1
    assert t.available(70_000, 0, 273) == 70_000 - 273 * 256
    assert t.available(70_000, 1, 1) == 70_000 // 256 - 256
    assert t.available(70_000, 2, 0) == 1


def _from_tiles(tree: m.Tree, size: int) -> tuple[list[bytes], dict[int, list[bytes]]]:
    """What a monitor reads: every tile of every level of a tree of ``size`` leaves, full or partial."""
    levels: dict[int, list[bytes]] = {}
    for level in range(3):
        hashes: list[bytes] = []
        index = 0
        while (width := t.available(size, level, index)) > 0:
            ref = t.TileRef(level, index, None if width == t.WIDTH else width)
            data = t.tile_hashes(tree, size, ref)
            assert data is not None
            assert len(data) == 32 * width
            hashes += [data[i : i + 32] for i in range(0, len(data), 32)]
            index += 1
        levels[level] = hashes
    return levels[0], levels


@pytest.mark.parametrize("size", [1, 255, 256, 257, 511, 65_535, 65_536, 65_537, 70_001])
def test_the_tiles_give_back_the_tree(size: int) -> None:
    hashes = leaves(size, seed=11)
    tree = m.Tree()
    tree.extend(hashes)
    level0, levels = _from_tiles(tree, size)
    assert level0 == hashes
    assert brute_root(level0) == tree.root(size)
    for i, h in enumerate(levels[1]):
        assert h == brute_root(hashes[i * 256 : (i + 1) * 256])
    for i, h in enumerate(levels[2]):
        assert h == m.root(hashes[i * 65_536 : (i + 1) * 65_536])
    assert len(levels[2]) == size // 65_536


def test_a_tile_the_tree_does_not_hold_yet_is_none_and_an_older_size_still_serves() -> None:
    hashes = leaves(300, seed=3)
    tree = m.Tree()
    tree.extend(hashes)
    assert t.tile_hashes(tree, 300, t.TileRef(0, 1, None)) is None  # 44 of 256
    assert t.tile_hashes(tree, 300, t.TileRef(0, 1, 45)) is None
    assert t.tile_hashes(tree, 300, t.TileRef(0, 1, 44)) == b"".join(hashes[256:300])
    # a partial tile of an older tree size is the same bytes later: tiles never change
    assert t.tile_hashes(tree, 300, t.TileRef(0, 0, 100)) == b"".join(hashes[:100])
    with pytest.raises(ValueError, match="entries"):
        t.tile_hashes(tree, 300, t.TileRef(None, 0, None))


def test_entry_bundles_read_back() -> None:
    entries = [b"", b"{}", "条目".encode() * 1000, bytes(range(256))]
    data = t.entry_bundle(entries)
    assert data[:2] == b"\x00\x00"
    assert t.read_bundle(data) == entries
    with pytest.raises(ValueError, match="truncated"):
        t.read_bundle(data[:-1])
    with pytest.raises(ValueError, match="65535"):
        t.entry_bundle([b"x" * 65_536])


def test_the_compact_tree_refuses_what_is_not_a_hash_and_reads_leaves_back() -> None:
    tree = m.Tree()
    with pytest.raises(ValueError, match="32 bytes"):
        tree.extend([b"short"])
    hashes = leaves(3)
    tree.extend(hashes)
    assert [tree.leaf(i) for i in range(3)] == hashes
    with pytest.raises(m.ProofError):
        tree.leaf(3)
    with pytest.raises(m.ProofError):
        tree.subtree_root(2, 4)

"""The log as C2SP tlog-tiles (c2sp.org/tlog-tiles): static, immutable tiles of hashes that a
monitor mirrors and computes any root or proof from, without our proof endpoints. Pure.

- Tile ``(L, N)`` holds, for ``i`` in 0..255, the hash of the complete subtree of ``256**L`` leaves
  starting at leaf ``(N*256 + i) * 256**L`` (level 0: the leaf hashes). The rightmost tile of a
  level is partial (``.p/W``, 1..255 hashes) until it is full. A tile of given ``(L, N, W)`` never
  changes, so every one is cacheable for good.
- Paths ``tile/<L>/<N>[.p/<W>]`` and ``tile/entries/<N>[.p/<W>]``; ``<N>`` in groups of three
  digits, every group but the last prefixed with ``x`` (1234067 -> ``x001/x234/067``).
- An entry bundle is the entries of a level-0 tile, each a big-endian uint16 length then its
  bytes (here the stored canonical JSON, the leaf of RFC 9162).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

HEIGHT = 8
WIDTH = 1 << HEIGHT
#: levels a tree of 2**63 leaves can have
MAX_LEVEL = 63 // HEIGHT + 1

_GROUP = re.compile(r"^x\d{3}$")
_LAST = re.compile(r"^\d{3}$")


class Subtrees(Protocol):
    """A tree that gives the root of any of its subtrees (``merkle.Tree``, ``tiled.TileView``)."""

    def subtree_root(self, lo: int, hi: int) -> bytes: ...


class BadTilePath(ValueError):
    """Not a tile path of c2sp.org/tlog-tiles (in its one canonical spelling)."""


@dataclass(frozen=True, slots=True)
class TileRef:
    #: None for an entry bundle
    level: int | None
    index: int
    #: None for a full tile
    width: int | None

    @property
    def count(self) -> int:
        return WIDTH if self.width is None else self.width


def encode_index(n: int) -> str:
    if n < 0:
        raise ValueError("a tile index is not negative")
    groups = [f"{n % 1000:03d}"]
    n //= 1000
    while n:
        groups.append(f"x{n % 1000:03d}")
        n //= 1000
    return "/".join(reversed(groups))


def tile_path(ref: TileRef) -> str:
    level = "entries" if ref.level is None else str(ref.level)
    tail = "" if ref.width is None else f".p/{ref.width}"
    return f"tile/{level}/{encode_index(ref.index)}{tail}"


def parse_tile_path(path: str) -> TileRef:
    """``tile/<L>/<N>[.p/<W>]`` or ``tile/entries/<N>[.p/<W>]``; anything else (a leading zero
    group, a width of 0 or 256, a level past 63...) is refused, so one tile has one path."""
    parts = path.strip("/").split("/")
    if len(parts) < 3 or parts[0] != "tile":
        raise BadTilePath("a tile path is tile/<L>/<N>[.p/<W>]")
    level: int | None
    if parts[1] == "entries":
        level = None
    elif parts[1].isdigit() and str(int(parts[1])) == parts[1] and int(parts[1]) <= MAX_LEVEL:
        level = int(parts[1])
    else:
        raise BadTilePath(f"level {parts[1]!r} is not 0..{MAX_LEVEL} or entries")
    groups = parts[2:]
    width: int | None = None
    if len(groups) >= 2 and groups[-2].endswith(".p"):
        w = groups[-1]
        if not (w.isdigit() and str(int(w)) == w and 1 <= int(w) < WIDTH):
            raise BadTilePath(f"a partial tile's width is 1..{WIDTH - 1}")
        width = int(w)
        groups = [*groups[:-2], groups[-2][: -len(".p")]]
    if not groups or not _LAST.match(groups[-1]) or not all(_GROUP.match(g) for g in groups[:-1]):
        raise BadTilePath("the index is groups of three digits, all but the last after an x")
    if len(groups) > 1 and groups[0] == "x000":
        raise BadTilePath("the index has no leading zero group")
    index = 0
    for g in groups:
        index = index * 1000 + int(g.lstrip("x"))
    return TileRef(level, index, width)


def available(size: int, level: int, index: int) -> int:
    """How many hashes tile ``(level, index)`` has in a tree of ``size`` leaves (0..256)."""
    nodes = size >> (HEIGHT * level)
    return max(0, min(WIDTH, nodes - index * WIDTH))


def tile_hashes(tree: Subtrees, size: int, ref: TileRef) -> bytes | None:
    """The tile's bytes (``count`` hashes of 32 bytes) in the tree of ``size`` leaves, or None when
    the tree does not hold that many yet."""
    if ref.level is None:
        raise ValueError("an entry bundle holds entries, not hashes")
    if available(size, ref.level, ref.index) < ref.count:
        return None
    span = 1 << (HEIGHT * ref.level)
    first = ref.index * WIDTH
    return b"".join(tree.subtree_root((first + i) * span, (first + i + 1) * span) for i in range(ref.count))


def entry_bundle(entries: list[bytes]) -> bytes:
    out = bytearray()
    for entry in entries:
        if len(entry) > 0xFFFF:
            raise ValueError("an entry of a bundle is at most 65535 bytes")
        out += len(entry).to_bytes(2, "big") + entry
    return bytes(out)


def read_bundle(data: bytes) -> list[bytes]:
    entries, at = [], 0
    while at < len(data):
        if at + 2 > len(data):
            raise ValueError("truncated entry bundle")
        n = int.from_bytes(data[at : at + 2], "big")
        if at + 2 + n > len(data):
            raise ValueError("truncated entry bundle")
        entries.append(data[at + 2 : at + 2 + n])
        at += 2 + n
    return entries

"""RFC 9162 (Certificate Transparency 2.0) Merkle tree hashing, proofs and their verification.

Pure: bytes in, bytes out, no I/O. The tree is over the history log's entries (leaf = the entry's
canonical JSON bytes); storage and serving come later, here is only what anyone verifying the log
offline needs too. Section numbers refer to RFC 9162 section 2.1.

- leaf hash ``SHA-256(0x00 || leaf)``, node hash ``SHA-256(0x01 || left || right)``;
- the root of n leaves splits at k, the largest power of two smaller than n (2.1.1);
- inclusion proof PATH(m, D[n]) (2.1.3.1) and its verification (2.1.3.2);
- consistency proof PROOF(m, D[n]) (2.1.4.1) and its verification (2.1.4.2).

Hand-written on purpose: no maintained Python package implements RFC 9162 proofs (the CT libraries
in Python are unmaintained or RFC 6962 client-only), and the algorithms are short enough to check
against the RFC line by line; the tests check them against a brute-force tree for every size
1..300 and random larger ones.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

EMPTY_ROOT = hashlib.sha256(b"").digest()


class ProofError(ValueError):
    """A proof that does not verify, or arguments no proof can exist for."""


def leaf_hash(leaf: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + leaf).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than ``n`` (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def root(leaves: Sequence[bytes]) -> bytes:
    """MTH(D[n]) of the leaf *hashes* ``leaves``."""
    n = len(leaves)
    if n == 0:
        return EMPTY_ROOT
    if n == 1:
        return leaves[0]
    k = _split(n)
    return node_hash(root(leaves[:k]), root(leaves[k:]))


def inclusion_proof(index: int, leaves: Sequence[bytes]) -> list[bytes]:
    """PATH(m, D[n]): the audit path of leaf ``index`` in the tree of the leaf hashes ``leaves``."""
    n = len(leaves)
    if not 0 <= index < n:
        raise ProofError(f"leaf index {index} is outside a tree of size {n}")
    if n == 1:
        return []
    k = _split(n)
    if index < k:
        return [*inclusion_proof(index, leaves[:k]), root(leaves[k:])]
    return [*inclusion_proof(index - k, leaves[k:]), root(leaves[:k])]


def consistency_proof(first: int, leaves: Sequence[bytes]) -> list[bytes]:
    """PROOF(m, D[n]): that the tree of the first ``first`` leaves is a prefix of the tree of ``leaves``."""
    n = len(leaves)
    if not 0 < first <= n:
        raise ProofError(f"no consistency proof from size {first} to size {n}")
    return _subproof(first, leaves, True)


def _subproof(m: int, leaves: Sequence[bytes], complete: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if complete else [root(leaves)]
    k = _split(n)
    if m <= k:
        return [*_subproof(m, leaves[:k], complete), root(leaves[k:])]
    return [*_subproof(m - k, leaves[k:], False), root(leaves[:k])]


def root_from_inclusion(leaf: bytes, index: int, tree_size: int, proof: Sequence[bytes]) -> bytes:
    """The root an inclusion proof leads to (RFC 9162 2.1.3.2); ProofError if its length is wrong."""
    if not 0 <= index < tree_size:
        raise ProofError(f"leaf index {index} is outside a tree of size {tree_size}")
    fn, sn = index, tree_size - 1
    r = leaf
    for p in proof:
        if sn == 0:
            raise ProofError("inclusion proof too long")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("inclusion proof too short")
    return r


def verify_inclusion(leaf: bytes, index: int, tree_size: int, proof: Sequence[bytes], expected_root: bytes) -> None:
    """Raise ProofError unless ``leaf`` (a leaf hash) is at ``index`` in the tree with ``expected_root``."""
    if root_from_inclusion(leaf, index, tree_size, proof) != expected_root:
        raise ProofError("inclusion proof does not lead to the expected root")


def verify_consistency(first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]) -> None:
    """Raise ProofError unless the tree of size ``first`` is a prefix of the tree of size ``second``
    (RFC 9162 2.1.4.2)."""
    if not 0 < first <= second:
        raise ProofError(f"no consistency between sizes {first} and {second}")
    if first == second:
        if proof:
            raise ProofError("a proof between equal sizes must be empty")
        if first_root != second_root:
            raise ProofError("equal sizes with different roots")
        return
    if not proof:
        raise ProofError("empty consistency proof")
    path = list(proof)
    if first & (first - 1) == 0:  # first is a power of two: its root starts the path
        path.insert(0, first_root)
    if _consistency_roots(first, second, path) != (first_root, second_root):
        raise ProofError("consistency proof does not lead to the given roots")


def _consistency_roots(first: int, second: int, path: list[bytes]) -> tuple[bytes, bytes]:
    """Steps 3-7 of RFC 9162 2.1.4.2: the two roots the path leads to."""
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("consistency proof too long")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("consistency proof too short")
    return fr, sr


class Proofs:
    """Roots and proofs (RFC 9162 2.1) of a tree that answers ``size`` and the root of any
    subtree ``_root(lo, hi)``: the one walk shared by the in-memory ``Tree`` and the tile-backed
    view of the log (``registry.signing.tiled``), which differ only in where subtree roots come from."""

    @property
    def size(self) -> int:
        raise NotImplementedError

    def _root(self, lo: int, hi: int) -> bytes:
        raise NotImplementedError

    def _check(self, n: int) -> None:
        if not 0 <= n <= self.size:
            raise ProofError(f"tree size {n} is beyond the log's {self.size} entries")

    def root(self, n: int) -> bytes:
        self._check(n)
        return EMPTY_ROOT if n == 0 else self._root(0, n)

    def inclusion(self, index: int, n: int) -> list[bytes]:
        self._check(n)
        if not 0 <= index < n:
            raise ProofError(f"leaf index {index} is outside a tree of size {n}")
        return self._path(index, 0, n)

    def _path(self, m: int, lo: int, hi: int) -> list[bytes]:
        n = hi - lo
        if n == 1:
            return []
        k = _split(n)
        if m < k:
            return [*self._path(m, lo, lo + k), self._root(lo + k, hi)]
        return [*self._path(m - k, lo + k, hi), self._root(lo, lo + k)]

    def consistency(self, first: int, n: int) -> list[bytes]:
        self._check(n)
        if not 0 < first <= n:
            raise ProofError(f"no consistency proof from size {first} to size {n}")
        return self._subproof(first, 0, n, True)

    def _subproof(self, m: int, lo: int, hi: int, complete: bool) -> list[bytes]:
        n = hi - lo
        if m == n:
            return [] if complete else [self._root(lo, hi)]
        k = _split(n)
        if m <= k:
            return [*self._subproof(m, lo, lo + k, complete), self._root(lo + k, hi)]
        return [*self._subproof(m - k, lo + k, hi, False), self._root(lo, lo + k)]


class Tree(Proofs):
    """A growing log's tree over its leaf hashes, answering roots and proofs for any size it holds.

    The roots of complete subtrees of 64 leaves or more never change once their leaves exist, so
    they are kept (about one per 32 leaves): a root or proof then costs O(log² n) hashes plus at
    most a few 63-leaf subtrees, not O(n). The functions above are the reference it is tested
    against.

    The leaf hashes are one ``bytearray`` (32 bytes a leaf), not a list of ``bytes`` (about 80
    bytes a leaf with the object headers and the list's pointers): 320 MB instead of 800 MB for
    10 million entries (bench/RESULTS.md, "The log's memory")."""

    _MEMO_FROM = 64

    def __init__(self) -> None:
        self._leaves = bytearray()
        self._memo: dict[tuple[int, int], bytes] = {}

    @property
    def size(self) -> int:
        return len(self._leaves) // 32

    def leaf(self, index: int) -> bytes:
        if not 0 <= index < self.size:
            raise ProofError(f"leaf index {index} is outside a tree of size {self.size}")
        return bytes(self._leaves[32 * index : 32 * index + 32])

    def extend(self, leaf_hashes: Sequence[bytes]) -> None:
        for h in leaf_hashes:
            if len(h) != 32:
                raise ValueError("a leaf hash is 32 bytes")
            self._leaves += h

    def subtree_root(self, lo: int, hi: int) -> bytes:
        """MTH of the leaves [lo, hi) (0 <= lo < hi <= size)."""
        if not 0 <= lo < hi <= self.size:
            raise ProofError(f"no subtree [{lo}, {hi}) in a tree of size {self.size}")
        return self._root(lo, hi)

    def _root(self, lo: int, hi: int) -> bytes:
        n = hi - lo
        if n == 1:
            return bytes(self._leaves[32 * lo : 32 * lo + 32])
        perfect = n & (n - 1) == 0 and n >= self._MEMO_FROM
        if perfect and (lo, hi) in self._memo:
            return self._memo[(lo, hi)]
        k = _split(n)
        h = node_hash(self._root(lo, lo + k), self._root(lo + k, hi))
        if perfect:
            self._memo[(lo, hi)] = h
        return h

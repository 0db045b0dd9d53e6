"""RFC 9162 Merkle proofs against an independent brute-force tree: every size 1..300, random
larger ones, and every changed byte or wrong argument refused."""

from __future__ import annotations

import hashlib
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from registry.signing import merkle as m


def leaves(n: int, seed: int = 0) -> list[bytes]:
    return [m.leaf_hash(f"entry {seed}:{i}".encode()) for i in range(n)]


def brute_root(hashes: list[bytes]) -> bytes:
    """Level by level, pairing neighbours and carrying an odd last node up unchanged: the same
    left-balanced tree as RFC 9162's recursive definition, computed another way."""
    if not hashes:
        return hashlib.sha256(b"").digest()
    level = list(hashes)
    while len(level) > 1:
        nxt = [m.node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            nxt.append(level[-1])
        level = nxt
    return level[0]


def indices(n: int, rng: random.Random) -> list[int]:
    if n <= 64:
        return list(range(n))
    return sorted({0, 1, n // 2, n - 2, n - 1, *(rng.randrange(n) for _ in range(6))})


def test_known_hashes() -> None:
    """The RFC 6962/9162 test vector: the empty tree, and the leaf and node prefixes."""
    assert m.root([]).hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert m.leaf_hash(b"") == hashlib.sha256(b"\x00").digest()
    assert m.node_hash(b"a", b"b") == hashlib.sha256(b"\x01ab").digest()


@pytest.mark.parametrize("n", range(1, 301))
def test_inclusion_for_every_size(n: int) -> None:
    rng = random.Random(n)
    hashes = leaves(n)
    top = m.root(hashes)
    assert top == brute_root(hashes)
    for i in indices(n, rng):
        proof = m.inclusion_proof(i, hashes)
        m.verify_inclusion(hashes[i], i, n, proof, top)
        if n > 1:
            other = (i + 1) % n
            with pytest.raises(m.ProofError):
                m.verify_inclusion(hashes[i], other, n, proof, top)


@pytest.mark.parametrize("n", range(1, 301))
def test_consistency_for_every_size(n: int) -> None:
    rng = random.Random(-n)
    hashes = leaves(n)
    second = m.root(hashes)
    for first in indices(n, rng):
        size = first + 1
        proof = m.consistency_proof(size, hashes)
        m.verify_consistency(size, n, m.root(hashes[:size]), second, proof)
        if size < n:
            forged = leaves(size, seed=1)  # another history of the same length
            with pytest.raises(m.ProofError):
                m.verify_consistency(size, n, m.root(forged), second, proof)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(301, 5000), data=st.data())
def test_random_larger_trees(n: int, data: st.DataObject) -> None:
    hashes = leaves(n, seed=n)
    top = m.root(hashes)
    i = data.draw(st.integers(0, n - 1))
    m.verify_inclusion(hashes[i], i, n, m.inclusion_proof(i, hashes), top)
    first = data.draw(st.integers(1, n))
    m.verify_consistency(first, n, m.root(hashes[:first]), top, m.consistency_proof(first, hashes))


@settings(max_examples=200, deadline=None)
@given(n=st.integers(2, 200), data=st.data())
def test_a_changed_byte_anywhere_fails(n: int, data: st.DataObject) -> None:
    hashes = leaves(n)
    top = m.root(hashes)
    i = data.draw(st.integers(0, n - 1))
    proof = m.inclusion_proof(i, hashes)
    which = data.draw(st.integers(0, len(proof)))  # len(proof): the leaf itself
    byte = data.draw(st.integers(0, 31))
    if which == len(proof):
        leaf = bytearray(hashes[i])
        leaf[byte] ^= 1
        target, path = bytes(leaf), proof
    else:
        changed = bytearray(proof[which])
        changed[byte] ^= 1
        target, path = hashes[i], [*proof[:which], bytes(changed), *proof[which + 1 :]]
    with pytest.raises(m.ProofError):
        m.verify_inclusion(target, i, n, path, top)


@settings(max_examples=200, deadline=None)
@given(n=st.integers(3, 200), data=st.data())
def test_a_changed_consistency_proof_fails(n: int, data: st.DataObject) -> None:
    hashes = leaves(n)
    first = data.draw(st.integers(1, n - 1))
    proof = m.consistency_proof(first, hashes)
    which = data.draw(st.integers(0, len(proof) - 1))
    changed = bytearray(proof[which])
    changed[data.draw(st.integers(0, 31))] ^= 0x80
    path = [*proof[:which], bytes(changed), *proof[which + 1 :]]
    with pytest.raises(m.ProofError):
        m.verify_consistency(first, n, m.root(hashes[:first]), m.root(hashes), path)


def test_proofs_of_the_wrong_length_fail() -> None:
    hashes = leaves(13)
    top = m.root(hashes)
    proof = m.inclusion_proof(5, hashes)
    for bad in (proof[:-1], [*proof, proof[0]]):
        with pytest.raises(m.ProofError):
            m.verify_inclusion(hashes[5], 5, 13, bad, top)
    c = m.consistency_proof(6, hashes)
    for bad in ([], c[:-1], [*c, c[0]]):
        with pytest.raises(m.ProofError):
            m.verify_consistency(6, 13, m.root(hashes[:6]), top, bad)


def test_arguments_no_proof_exists_for() -> None:
    hashes = leaves(4)
    with pytest.raises(m.ProofError):
        m.inclusion_proof(4, hashes)
    with pytest.raises(m.ProofError):
        m.consistency_proof(0, hashes)
    with pytest.raises(m.ProofError):
        m.consistency_proof(5, hashes)
    with pytest.raises(m.ProofError):
        m.verify_inclusion(hashes[0], 4, 4, [], m.root(hashes))
    with pytest.raises(m.ProofError):
        m.verify_consistency(5, 4, b"", b"", [])
    m.verify_consistency(4, 4, m.root(hashes), m.root(hashes), [])
    with pytest.raises(m.ProofError):
        m.verify_consistency(4, 4, m.root(hashes), m.root(hashes), [hashes[0]])
    with pytest.raises(m.ProofError):
        m.verify_consistency(4, 4, m.root(hashes), hashes[0], [])


@settings(max_examples=80, deadline=None)
@given(n=st.integers(1, 1500), data=st.data())
def test_the_growing_tree_answers_as_the_reference(n: int, data: st.DataObject) -> None:
    """The memoised tree, grown in random chunks, gives the reference roots and proofs."""
    hashes = leaves(n, seed=7)
    tree = m.Tree()
    # at most 8 chunks: each step checks against the O(n) reference functions
    cuts = sorted({*data.draw(st.lists(st.integers(1, n), max_size=7)), n})
    at = 0
    for cut in cuts:
        tree.extend(hashes[at:cut])
        at = cut
        size = data.draw(st.integers(1, at))
        assert tree.root(size) == m.root(hashes[:size])
        i = data.draw(st.integers(0, size - 1))
        assert tree.inclusion(i, size) == m.inclusion_proof(i, hashes[:size])
        first = data.draw(st.integers(1, size))
        assert tree.consistency(first, size) == m.consistency_proof(first, hashes[:size])
    with pytest.raises(m.ProofError):
        tree.root(n + 1)
    with pytest.raises(m.ProofError):
        tree.inclusion(n, n)
    with pytest.raises(m.ProofError):
        tree.consistency(0, n)
    assert tree.root(0) == m.EMPTY_ROOT

"""Memory of the log's tree in one worker: N leaf hashes, their row ids, and a root and proof asked
(which fills the memo of subtree roots), measured as the process's peak RSS growth.

    python -m bench.log_memory --entries 10000000

Each run is a fresh process, so the figures do not mix. ``--layout list`` measures the layout
before issue 22 (a list of 32-byte ``bytes`` and a list of ints) for comparison.
"""

from __future__ import annotations

import argparse
import hashlib
import resource
import time
from array import array

from registry.signing.merkle import Tree, node_hash


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--layout", choices=("compact", "list"), default="compact")
    args = parser.parse_args()
    n = args.entries
    before = rss_mb()
    started = time.perf_counter()
    step = 100_000
    if args.layout == "list":
        leaves: list[bytes] = []
        ids: list[int] = []
        for lo in range(0, n, step):
            leaves.extend(hashlib.sha256(i.to_bytes(8, "big")).digest() for i in range(lo, min(n, lo + step)))
            ids.extend(range(lo + 1, min(n, lo + step) + 1))
        print(f"layout list: {n:,} leaves, peak RSS +{rss_mb() - before:,.0f} MB ({len(leaves) == len(ids)})")
        return
    tree = Tree()
    row_ids = array("q")
    for lo in range(0, n, step):
        tree.extend([hashlib.sha256(i.to_bytes(8, "big")).digest() for i in range(lo, min(n, lo + step))])
        row_ids.extend(range(lo + 1, min(n, lo + step) + 1))
    built = rss_mb() - before
    root = tree.root(n)
    proof = tree.inclusion(n // 3, n)
    assert len(proof) > 0
    assert node_hash(root, root)
    print(
        f"layout compact: {n:,} leaves in {time.perf_counter() - started:.1f} s; peak RSS +{built:,.0f} MB with the "
        f"leaves and ids, +{rss_mb() - before:,.0f} MB after a root and a proof (the memo)"
    )


if __name__ == "__main__":
    main()

"""Request ids: UUIDs that partners cite in feedback and that link audit rows to answers.

Random (version 4) UUIDs made from the operating system's randomness, as ``uuid.uuid4`` makes
them, but drawn 256 at a time: ``uuid4`` costs a system call and a ``UUID`` object per id, two of
them on every partner answer (the request's id and the answer's), some 8% of a cached answer.
"""

from __future__ import annotations

import os
import threading

_BATCH = 256
#: the variant digit (RFC 9562 variant 10xx) for each hex digit of the random byte it replaces
_VARIANT = {d: "89ab"[int(d, 16) & 3] for d in "0123456789abcdef"}


class _Pool(threading.local):
    def __init__(self) -> None:
        self.hex = ""
        self.at = 0


_pool = _Pool()


def new_request_id() -> str:
    """A random UUID (version 4) in its canonical text form, like ``str(uuid.uuid4())``."""
    pool = _pool
    if pool.at >= len(pool.hex):
        pool.hex, pool.at = os.urandom(16 * _BATCH).hex(), 0
    h = pool.hex[pool.at : pool.at + 32]
    pool.at += 32
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{_VARIANT[h[16]]}{h[17:20]}-{h[20:]}"

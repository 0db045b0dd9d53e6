"""What a configured read replica adds to every cached partner answer, in process.

    python -m bench.replica_overhead [--calls 200000] [--rounds 5]

A cached status answer makes no database round trip with or without a replica; what the replica
adds per request is the request-id middleware looking for ``X-Registry-Min-Seq`` among the headers
and setting/resetting its context variable, and the answer reading that variable
(``requested_min_seq``) and comparing it with the seq last heard. This times the middleware around
an ASGI app that does that read and answers nothing, with ``min_seq`` off (no replica) and on, for a
partner request's headers (host, authorization, user agent, accept, accept-encoding, connection),
in alternating rounds, and prints µs per request and the difference.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from typing import Any

from registry.api.request_id import request_id_middleware
from registry.db.replica import requested_min_seq

HEADERS = [
    (b"host", b"registry.example"),
    (b"authorization", b"Bearer " + b"x" * 600),
    (b"user-agent", b"partner-client/1.0"),
    (b"accept", b"application/json"),
    (b"accept-encoding", b"gzip"),
    (b"connection", b"keep-alive"),
]


async def _answer(_scope: Any, _receive: Any, _send: Any) -> None:
    if requested_min_seq() is not None:  # what PartnerService.status adds per answer
        raise AssertionError


async def _send(_message: Any) -> None:
    return None


async def _receive() -> Any:
    return {"type": "http.request", "body": b"", "more_body": False}


async def per_request(min_seq: bool, calls: int) -> float:
    app = request_id_middleware(_answer, min_seq=min_seq)
    scope = {"type": "http", "method": "GET", "path": "/api/v1/partner/status/x", "headers": HEADERS}
    started = time.perf_counter()
    for _ in range(calls):
        await app(dict(scope), _receive, _send)
    return (time.perf_counter() - started) / calls * 1e6


async def main(calls: int, rounds: int) -> None:
    off: list[float] = []
    on: list[float] = []
    for _ in range(rounds):
        off.append(await per_request(False, calls))
        on.append(await per_request(True, calls))
    print(f"no replica : {statistics.median(off):.3f} µs/request (rounds {', '.join(f'{v:.3f}' for v in off)})")
    print(f"replica set: {statistics.median(on):.3f} µs/request (rounds {', '.join(f'{v:.3f}' for v in on)})")
    print(f"added      : {statistics.median(on) - statistics.median(off):.3f} µs/request")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    asyncio.run(main(args.calls, args.rounds))

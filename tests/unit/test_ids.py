"""Request ids are random version-4 UUIDs in canonical form, never repeated (drawn in batches)."""

from __future__ import annotations

import threading
import uuid

from registry.lib.ids import new_request_id


def test_request_ids_are_canonical_random_uuids() -> None:
    ids = [new_request_id() for _ in range(3000)]  # several batches of 256
    assert len(set(ids)) == len(ids)
    for text in ids:
        parsed = uuid.UUID(text)
        assert parsed.version == 4
        assert parsed.variant == uuid.RFC_4122
        assert str(parsed) == text


def test_threads_draw_ids_of_their_own() -> None:
    drawn: list[list[str]] = [[] for _ in range(4)]

    def draw(into: list[str]) -> None:
        into.extend(new_request_id() for _ in range(1000))

    threads = [threading.Thread(target=draw, args=(d,)) for d in drawn]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    every = [i for d in drawn for i in d]
    assert len(set(every)) == len(every) == 4000

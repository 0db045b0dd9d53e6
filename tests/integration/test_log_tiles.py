"""The log as C2SP tlog-tiles (c2sp.org/tlog-tiles), read as a monitor reads it: the checkpoint at
``<prefix>/checkpoint``, the level-0 hash tiles whose hashes are the entries' leaf hashes and
whose brute-force root is the checkpoint's, entry bundles for clients with a token, tiles cacheable
for good, and wrong paths refused.

The log is shared by the worker's tests and only grows: sizes are read, never assumed."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from registry.signing import tiles
from registry.signing.checkpoint import open_note
from registry.signing.jws import public_keys
from tests.integration import support as t
from tests.integration.test_transparency_log import JWKS, LOG, entries, get_json, grade_decision, reader
from tests.unit.test_merkle import brute_root

TILES = f"{LOG}/tiles"


async def test_a_monitor_rebuilds_the_checkpoint_root_from_the_tiles(client, services, settings):
    await grade_decision(client, services)
    r = await client.get(f"{TILES}/checkpoint")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/plain")
    keys = public_keys(await get_json(client, JWKS))
    opened = [c for c in (_try_open(r.text, settings.log_origin, k) for k in keys.values()) if c]
    assert opened, "the note is signed by a published key"
    size, root = opened[0].tree_size, opened[0].root_hash
    assert size > 0

    hashes: list[bytes] = []
    for index in range((size + 255) // 256):
        width = min(256, size - index * 256)
        path = f"tile/0/{tiles.encode_index(index)}" + ("" if width == 256 else f".p/{width}")
        got = await client.get(f"{TILES}/{path}")
        assert got.status_code == 200, (path, got.text)
        assert got.headers["content-type"] == "application/octet-stream"
        assert got.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert len(got.content) == 32 * width
        hashes += [got.content[i : i + 32] for i in range(0, len(got.content), 32)]
    assert brute_root(hashes) == root

    # the level-0 hashes are the leaf hashes of the entries, and the bundles carry those entries
    h = await reader(client, services)
    first = min(size, 256)
    listed = await entries(client, h, 0, first)
    assert [base64.b64decode(e["leaf_hash"]) for e in listed] == hashes[:first]
    bundle_path = "tile/entries/000" + ("" if first == 256 else f".p/{first}")
    got = await client.get(f"{TILES}/{bundle_path}", headers=h)
    assert got.status_code == 200, got.text
    assert got.headers["cache-control"].startswith("private")
    bundle = tiles.read_bundle(got.content)
    assert [e.decode() for e in bundle] == [e["leaf"] for e in listed]
    assert [hashlib.sha256(b"\x00" + e).digest() for e in bundle] == hashes[:first]


def _try_open(note: str, origin: str, key: Any) -> Any:
    try:
        return open_note(note, origin, key)
    except ValueError:
        return None


async def test_a_tile_the_log_does_not_hold_yet_is_404_and_a_bad_path_422(client, services):
    await grade_decision(client, services)
    size = (await get_json(client, f"{LOG}/checkpoint"))["payload"]["tree_size"]
    beyond = size // 256 + 1
    for path in (f"tile/0/{tiles.encode_index(beyond)}", f"tile/1/{tiles.encode_index(beyond)}", "tile/3/000"):
        r = await client.get(f"{TILES}/{path}")
        t.assert_problem(r, 404)
    if size % 256:
        # one hash more than the partial tile holds
        r = await client.get(f"{TILES}/tile/0/{tiles.encode_index(size // 256)}.p/{size % 256 + 1}")
        t.assert_problem(r, 404)
    # what the OpenAPI patterns say is refused naming the parameter; the rest (one spelling of a
    # tile) by the tile rules, naming the path
    for path, field in (
        ("tile/0/5", "rest"),
        ("tile/00/000", "level"),
        ("tile/x/000", "level"),
        ("tile/0/x000/005", "path"),
        ("tile/0/000.p/0", "path"),
        ("tile/0/000.p/256", "path"),
    ):
        r = await client.get(f"{TILES}/{path}")
        body = t.assert_problem(r, 422)
        assert field in [e["field"] for e in body["errors"]], (path, body)


async def test_entry_bundles_need_a_token_as_the_entries_do(client, services):
    await grade_decision(client, services)
    r = await client.get(f"{TILES}/tile/entries/000.p/1")
    assert r.status_code == 401, r.text
    h = await reader(client, services)
    r = await client.get(f"{TILES}/tile/entries/000.p/1", headers=h)
    assert r.status_code == 200, r.text
    assert len(tiles.read_bundle(r.content)) == 1
    r = await client.get(f"{TILES}/tile/entries/x000/001", headers=h)
    t.assert_field(r, "path", "tile_path")

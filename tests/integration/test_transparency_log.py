"""The transparency log as a partner or monitor reads it (DESIGN section 4): the signed checkpoint
checked by another JOSE library against the published JWKS, its C2SP note, entries whose leaf hashes
are recomputed, inclusion and consistency proofs verified with RFC 9162 (registry.signing.merkle),
bad parameters refused with 422, and the offline `registry verify` command.

The log is shared by every test of a worker and backend and only grows: no absolute sizes here,
only relations and proofs for sizes read."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
import rfc8785
from jwcrypto import jwk
from jwcrypto import jws as jjws

from registry.signing import jws, merkle
from registry.signing.checkpoint import open_note
from tests import factories as f
from tests.integration import support as t
from tests.integration.test_grades import applied
from tests.integration.test_listings import LISTINGS, major_case, ok, set_day

LOG = "/api/v1/log"
JWKS = "/.well-known/jwks.json"
TODAY = dt.date(2026, 11, 26)


@pytest.fixture(autouse=True)
def _pinned_today(_reset_clock: None, clock: Any) -> None:
    set_day(clock, TODAY)


def b64d(value: str) -> bytes:
    return base64.b64decode(value, validate=True)


async def get_json(
    client: httpx.AsyncClient, path: str, headers: dict[str, str] | None = None, **params: Any
) -> dict[str, Any]:
    r = await client.get(path, params=params, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


async def checkpoint(client: httpx.AsyncClient) -> dict[str, Any]:
    return await get_json(client, f"{LOG}/checkpoint")


async def jwks(client: httpx.AsyncClient) -> dict[str, Any]:
    return await get_json(client, JWKS)


async def inclusion(client: httpx.AsyncClient, leaf_index: int, tree_size: int) -> dict[str, Any]:
    return await get_json(client, f"{LOG}/proof/inclusion", leaf_index=leaf_index, tree_size=tree_size)


async def consistency(client: httpx.AsyncClient, first: int, second: int) -> dict[str, Any]:
    return await get_json(client, f"{LOG}/proof/consistency", first=first, second=second)


async def reader(client: httpx.AsyncClient, services: Any) -> dict[str, str]:
    """Headers of a partner: the entries (which name subjects) are for authenticated clients."""
    return await f.headers(client, services, "partner", department="samr")


async def entries(client: httpx.AsyncClient, h: dict[str, str], start: int, end: int) -> list[dict[str, Any]]:
    got: list[dict[str, Any]] = []
    while start < end:
        page = await get_json(client, f"{LOG}/entries", h, start=start, end=min(end, start + 1000))
        got += page["entries"]
        start += len(page["entries"])
    return got


def size_root(cp: dict[str, Any]) -> tuple[int, bytes]:
    return cp["payload"]["tree_size"], b64d(cp["payload"]["root_hash"])


async def grade_decision(client: httpx.AsyncClient, services: Any) -> str:
    """A grade application: one grade step, so one more log entry. Returns the unit's USCC."""
    h = await t.bureau(client, services)
    unit = await t.create(client, h)
    await applied(client, h, unit["uscc"], level=3, assessed="2024-01-05", applied="2024-01-10")
    return str(unit["uscc"])


async def listing_decision(client: httpx.AsyncClient, services: Any, clock: Any) -> dict[str, Any]:
    """A listing proposed, notified and approved by a second officer: the decision ``listing.listed``
    goes to the log. Returns the listing."""
    a = await t.bureau(client, services)
    uscc, _ = await major_case(client, a)
    r = await client.post(LISTINGS, json={"subject": {"uscc": uscc}, "with_persons": False}, headers=a)
    assert r.status_code == 201, r.text
    listing = r.json()["listing"]
    listing = await ok(client, a, listing, "notify", notice_no=f"郑二应急告〔2026〕{t.rand('0123456789', 6)}号")
    set_day(clock, dt.date(2026, 12, 2))
    b = await t.bureau(client, services)
    listing = await ok(client, b, listing, "approve", decision_no=f"郑二应急信决〔2026〕{t.rand('0123456789', 6)}号")
    assert listing["status"] == "listed"
    set_day(clock, TODAY)
    return listing


async def nonempty(client: httpx.AsyncClient, services: Any) -> dict[str, Any]:
    """A checkpoint of a log with at least one entry (the session's first test may see none)."""
    cp = await checkpoint(client)
    if cp["payload"]["tree_size"] == 0:
        await grade_decision(client, services)
        cp = await checkpoint(client)
    assert cp["payload"]["tree_size"] > 0
    return cp


def assert_included(entry: dict[str, Any], proof: dict[str, Any], cp: dict[str, Any]) -> None:
    size, root = size_root(cp)
    assert (proof["leaf_index"], proof["tree_size"]) == (entry["leaf_index"], size)
    assert proof["leaf_hash"] == entry["leaf_hash"]
    assert b64d(proof["root_hash"]) == root
    merkle.verify_inclusion(
        b64d(proof["leaf_hash"]), proof["leaf_index"], size, [b64d(h) for h in proof["audit_path"]], root
    )


# ---- the signed checkpoint ------------------------------------------------------------------------


async def test_the_checkpoint_verifies_with_jwcrypto_against_the_published_jwks(client, services, settings, clock):
    cp = await nonempty(client, services)
    keys = await jwks(client)
    assert set(cp) == {"payload", "jws", "note", "note_verifier_key"}
    payload = cp["payload"]
    assert set(payload) == {"origin", "tree_size", "root_hash", "timestamp"}
    assert payload["origin"] == settings.log_origin
    assert isinstance(payload["tree_size"], int)
    assert len(b64d(payload["root_hash"])) == 32
    assert payload["timestamp"] == clock.now().astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    token = jjws.JWS()
    token.deserialize(cp["jws"])
    token.verify(jwk.JWKSet.from_json(json.dumps(keys)))
    assert token.payload == rfc8785.dumps(payload)
    header = token.jose_header
    assert header["alg"] == "EdDSA"
    assert header["typ"] == "registry-checkpoint+jws"
    assert header["kid"] == keys["keys"][0]["kid"]  # the active key signs
    # and with this project's verifier
    assert jws.verify_envelope(cp, jws.public_keys(keys)) == payload

    # a checkpoint whose payload was changed does not verify
    forged = {**cp, "payload": {**payload, "tree_size": payload["tree_size"] + 1}}
    with pytest.raises(jws.InvalidAnswer):
        jws.verify_envelope(forged, jws.public_keys(keys))


async def test_the_c2sp_note_opens_and_agrees_with_the_json(client, services):
    cp = await nonempty(client, services)
    r = await client.get(f"{LOG}/checkpoint/note")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/plain")
    text_note = r.text
    keys = await jwks(client)
    kid = jws.verify(cp["jws"], jws.public_keys(keys))[0]["kid"]
    public = jws.public_keys(keys)[kid]
    origin, size, root = cp["payload"]["origin"], cp["payload"]["tree_size"], cp["payload"]["root_hash"]

    for note in (cp["note"], text_note):  # no entry was added between the two reads
        opened = open_note(note, origin, public)
        assert (opened.origin, opened.tree_size, base64.b64encode(opened.root_hash).decode()) == (origin, size, root)
        lines = note.split("\n")
        assert lines[:4] == [origin, str(size), root, ""]
        assert lines[4].startswith(f"\u2014 {origin} ")
        assert lines[5:] == [""]

    # the verifier key names this log and this key
    name, key_hash, typed = cp["note_verifier_key"].split("+", 2)
    assert name == origin
    assert len(key_hash) == 8
    int(key_hash, 16)
    raw = b64d(typed)
    assert raw[0] == 1
    assert base64.urlsafe_b64encode(raw[1:]).decode().rstrip("=") == next(
        k["x"] for k in keys["keys"] if k["kid"] == kid
    )


# ---- entries and inclusion -------------------------------------------------------------------------


async def test_new_decisions_grow_the_tree_and_every_entry_is_included(client, services, clock):
    h = await reader(client, services)
    before = await checkpoint(client)
    old_size, _ = size_root(before)

    await grade_decision(client, services)
    listing = await listing_decision(client, services, clock)

    after = await checkpoint(client)
    size, _ = size_root(after)
    assert size > old_size
    new = await entries(client, h, old_size, size)
    assert [e["leaf_index"] for e in new] == list(range(old_size, size))

    kinds = [(e["entry"]["kind"], e["entry"]["target"]) for e in new]
    assert ("listing.listed", {"type": "listing", "id": str(listing["id"])}) in kinds
    assert any(kind == "grade.application" for kind, _ in kinds), kinds

    for e in new:
        leaf = e["leaf"].encode()
        assert hashlib.sha256(b"\x00" + leaf).digest() == b64d(e["leaf_hash"])
        assert merkle.leaf_hash(leaf) == b64d(e["leaf_hash"])
        assert json.loads(e["leaf"]) == e["entry"]
        assert rfc8785.dumps(e["entry"]) == leaf  # the leaf is canonical JSON
        assert_included(e, await inclusion(client, e["leaf_index"], size), after)

    # older entries are in the new tree too, and in the old tree when it had any
    sample = range(old_size) if old_size <= 100 else sorted({0, 1, old_size // 2, old_size - 2, old_size - 1})
    for e in [x for i in sample for x in await entries(client, h, i, i + 1)]:
        assert hashlib.sha256(b"\x00" + e["leaf"].encode()).digest() == b64d(e["leaf_hash"])
        assert_included(e, await inclusion(client, e["leaf_index"], size), after)
        assert_included(e, await inclusion(client, e["leaf_index"], old_size), before)


async def test_a_proof_at_a_size_has_the_root_of_the_checkpoint_at_that_size(client, services):
    h = await reader(client, services)
    first = await nonempty(client, services)
    size, root = size_root(first)
    await grade_decision(client, services)
    second = await checkpoint(client)
    assert second["payload"]["tree_size"] > size
    # proofs for the earlier size still lead to the earlier root
    for index in sorted({0, size // 2, size - 1}):
        proof = await inclusion(client, index, size)
        assert b64d(proof["root_hash"]) == root
        [e] = await entries(client, h, index, index + 1)
        assert_included(e, proof, first)
    cons = await consistency(client, size, size)
    assert cons["consistency_path"] == []
    assert b64d(cons["first_root"]) == b64d(cons["second_root"]) == root
    # an inclusion proof does not verify against another size's root
    proof = await inclusion(client, size - 1, size)
    with pytest.raises(merkle.ProofError):
        merkle.verify_inclusion(
            b64d(proof["leaf_hash"]),
            size - 1,
            size,
            [b64d(h) for h in proof["audit_path"]],
            b64d(second["payload"]["root_hash"]),
        )


async def test_entries_page_and_clip_to_the_tree(client, services):
    h = await reader(client, services)
    cp = await nonempty(client, services)
    size, _ = size_root(cp)
    page = await get_json(client, f"{LOG}/entries", h, start=size - 1, end=size + 500)
    assert page["tree_size"] >= size
    assert [e["leaf_index"] for e in page["entries"]] == list(range(size - 1, page["tree_size"]))
    one = await get_json(client, f"{LOG}/entries", h, start=0, end=1)
    assert [e["leaf_index"] for e in one["entries"]] == [0]
    assert set(one["entries"][0]) == {"leaf_index", "leaf_hash", "leaf", "entry"}
    full = await get_json(client, f"{LOG}/entries", h, start=0, end=1000)
    assert len(full["entries"]) == min(1000, full["tree_size"])


async def test_checkpoints_and_proofs_are_public_entries_need_a_token(client, services):
    cp = await nonempty(client, services)
    size, _ = size_root(cp)
    for path, params in [
        ("checkpoint", {}),
        ("checkpoint/note", {}),
        ("proof/inclusion", {"leaf_index": 0, "tree_size": size}),
        ("proof/consistency", {"first": 1, "second": size}),
    ]:
        r = await client.get(f"{LOG}/{path}", params=params)
        assert r.status_code == 200, (path, r.text)
    r = await client.get(f"{LOG}/entries", params={"start": 0, "end": 1})
    t.assert_problem(r, 401, "not_authenticated")
    r = await client.get(f"{LOG}/entries", params={"start": 0, "end": 1}, headers={"Authorization": "Bearer x.y.z"})
    t.assert_problem(r, 401)
    for h in (await reader(client, services), await t.bureau(client, services)):
        page = await get_json(client, f"{LOG}/entries", h, start=0, end=1)
        assert [e["leaf_index"] for e in page["entries"]] == [0]


# ---- consistency ----------------------------------------------------------------------------------


async def test_a_consistency_proof_links_an_old_checkpoint_to_a_new_one(client, services, clock):
    old = await nonempty(client, services)
    first, first_root = size_root(old)
    await grade_decision(client, services)
    await listing_decision(client, services, clock)
    new = await checkpoint(client)
    second, second_root = size_root(new)
    assert second > first

    proof = await consistency(client, first, second)
    assert (proof["first"], proof["second"]) == (first, second)
    assert b64d(proof["first_root"]) == first_root
    assert b64d(proof["second_root"]) == second_root
    path = [b64d(h) for h in proof["consistency_path"]]
    merkle.verify_consistency(first, second, first_root, second_root, path)

    # every earlier size the new tree extends, with the root of its inclusion proofs
    for size in sorted({1, 2, first // 2, first, second - 1} & set(range(1, second + 1))):
        p = await consistency(client, size, second)
        size_root_at = b64d((await inclusion(client, size - 1, size))["root_hash"])
        assert b64d(p["first_root"]) == size_root_at
        merkle.verify_consistency(size, second, size_root_at, second_root, [b64d(h) for h in p["consistency_path"]])

    # a changed path element or root does not verify
    if path:
        bad = [bytes([path[0][0] ^ 1]) + path[0][1:], *path[1:]]
        with pytest.raises(merkle.ProofError):
            merkle.verify_consistency(first, second, first_root, second_root, bad)
    with pytest.raises(merkle.ProofError):
        merkle.verify_consistency(first, second, first_root, bytes(32), path)
    with pytest.raises(merkle.ProofError):
        merkle.verify_consistency(first, second, bytes(32), second_root, path)


# ---- bad parameters -------------------------------------------------------------------------------

MAX = 2**63 - 1


def bad_requests(size: int) -> list[tuple[str, dict[str, Any]]]:
    return [
        ("proof/inclusion", {"leaf_index": size, "tree_size": size}),
        ("proof/inclusion", {"leaf_index": size + 5, "tree_size": size}),
        ("proof/inclusion", {"leaf_index": 0, "tree_size": size + 1}),
        ("proof/inclusion", {"leaf_index": 0, "tree_size": MAX}),
        ("proof/inclusion", {"leaf_index": 0, "tree_size": 0}),
        ("proof/inclusion", {"leaf_index": -1, "tree_size": size}),
        ("proof/inclusion", {"leaf_index": 0, "tree_size": -1}),
        ("proof/inclusion", {"leaf_index": MAX, "tree_size": MAX}),
        ("proof/consistency", {"first": size, "second": size - 1 if size > 1 else 0}),
        ("proof/consistency", {"first": size + 1, "second": size}),
        ("proof/consistency", {"first": 1, "second": size + 1}),
        ("proof/consistency", {"first": 0, "second": size}),
        ("proof/consistency", {"first": -1, "second": size}),
        ("proof/consistency", {"first": 1, "second": -1}),
        ("proof/consistency", {"first": MAX, "second": MAX}),
        ("entries", {"start": 0, "end": 1001}),
        ("entries", {"start": 5, "end": 1006}),
        ("entries", {"start": -1, "end": 10}),
        ("entries", {"start": 0, "end": 0}),
        ("entries", {"start": 10, "end": 5}),
        ("entries", {"start": size, "end": size + 1}),
        ("entries", {"start": MAX - 1, "end": MAX}),
    ]


async def test_bad_parameters_are_422(client, services):
    cp = await nonempty(client, services)
    size, _ = size_root(cp)
    h = await reader(client, services)
    for path, params in bad_requests(size):
        r = await client.get(f"{LOG}/{path}", params=params, headers=h)
        assert r.status_code == 422, (path, params, r.status_code, r.text)
        body = t.assert_problem(r, 422)
        assert body["errors"], body


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("proof/inclusion", {"leaf_index": "x", "tree_size": "1"}),
        ("proof/inclusion", {"leaf_index": "0"}),
        ("proof/inclusion", {"leaf_index": "1.5", "tree_size": "2"}),
        ("proof/inclusion", {"leaf_index": "0", "tree_size": str(2**64)}),
        ("proof/inclusion", {"leaf_index": str(-(2**70)), "tree_size": "1"}),
        ("proof/consistency", {"first": "1"}),
        ("proof/consistency", {"first": "", "second": ""}),
        ("proof/consistency", {"first": "1e3", "second": "2"}),
        ("entries", {}),
        ("entries", {"start": "0", "end": "9" * 40}),
        ("entries", {"start": "nan", "end": "1"}),
    ],
)
async def test_malformed_parameters_are_client_errors_never_5xx(client, services, path, params):
    r = await client.get(f"{LOG}/{path}", params=params, headers=await reader(client, services))
    assert 400 <= r.status_code < 500, (r.status_code, r.text)
    assert r.headers["content-type"].startswith(t.PROBLEM)


# ---- the offline verifier (registry verify) ---------------------------------------------------------


def registry_verify(*args: str | Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_")}
    return subprocess.run(
        [sys.executable, "-m", "registry", "verify", *map(str, args)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def passes(done: subprocess.CompletedProcess[str]) -> None:
    assert done.returncode == 0, done.stdout + done.stderr
    assert "OK" in done.stdout, done.stdout
    assert "FAILED" not in done.stdout + done.stderr


def fails(done: subprocess.CompletedProcess[str]) -> None:
    assert done.returncode == 1, done.stdout + done.stderr
    assert "FAILED" in done.stderr, done.stdout + done.stderr
    assert "Traceback" not in done.stderr, done.stderr


def write(path: Path, value: Any) -> Path:
    path.write_text(json.dumps(value, ensure_ascii=False), encoding="utf-8")
    return path


def changed_b64(value: str) -> str:
    raw = bytearray(b64d(value))
    raw[len(raw) // 2] ^= 0x01
    return base64.b64encode(bytes(raw)).decode()


async def test_registry_verify_answer_inclusion_and_consistency(client, services, tmp_path):
    h = await reader(client, services)
    old = await nonempty(client, services)
    first, _ = size_root(old)
    await grade_decision(client, services)
    new = await checkpoint(client)
    second, _ = size_root(new)
    [entry] = await entries(client, h, second - 1, second)
    keys = write(tmp_path / "jwks.json", await jwks(client))
    old_file = write(tmp_path / "old.json", old)
    new_file = write(tmp_path / "new.json", new)
    included = await inclusion(client, second - 1, second)
    proof_file = write(tmp_path / "inclusion.json", included)
    cons = await consistency(client, first, second)
    cons_file = write(tmp_path / "consistency.json", cons)
    leaf = tmp_path / "leaf.json"
    leaf.write_bytes(entry["leaf"].encode())

    # the genuine files pass
    passes(registry_verify("answer", new_file, "--jwks", keys))
    passes(registry_verify("answer", old_file, "--jwks", keys))
    passes(registry_verify("inclusion", proof_file, "--checkpoint", new_file, "--jwks", keys))
    passes(registry_verify("inclusion", proof_file, "--checkpoint", new_file, "--jwks", keys, "--entry", leaf))
    passes(registry_verify("consistency", cons_file, "--old", old_file, "--new", new_file, "--jwks", keys))

    # --entry with other bytes: the entry is not the proven leaf
    other = tmp_path / "other.json"
    other.write_bytes(entry["leaf"].encode() + b" ")
    fails(registry_verify("inclusion", proof_file, "--checkpoint", new_file, "--jwks", keys, "--entry", other))
    other.write_bytes(entry["leaf"].replace('"kind"', '"kinD"').encode())
    fails(registry_verify("inclusion", proof_file, "--checkpoint", new_file, "--jwks", keys, "--entry", other))

    # a changed byte in a proof file
    if included["audit_path"]:
        path = [changed_b64(included["audit_path"][0]), *included["audit_path"][1:]]
        bad = write(tmp_path / "bad-path.json", {**included, "audit_path": path})
        fails(registry_verify("inclusion", bad, "--checkpoint", new_file, "--jwks", keys))
    bad = write(tmp_path / "bad-leaf.json", {**included, "leaf_hash": changed_b64(included["leaf_hash"])})
    fails(registry_verify("inclusion", bad, "--checkpoint", new_file, "--jwks", keys))
    bad = write(tmp_path / "short.json", {**included, "audit_path": included["audit_path"][:-1]})
    fails(registry_verify("inclusion", bad, "--checkpoint", new_file, "--jwks", keys))
    if second > 1:
        bad = write(tmp_path / "index.json", {**included, "leaf_index": second - 2})
        fails(registry_verify("inclusion", bad, "--checkpoint", new_file, "--jwks", keys))
    # the proof is for another tree size than the checkpoint
    fails(registry_verify("inclusion", proof_file, "--checkpoint", old_file, "--jwks", keys))

    if cons["consistency_path"]:
        path = [*cons["consistency_path"][:-1], changed_b64(cons["consistency_path"][-1])]
        bad = write(tmp_path / "bad-cons.json", {**cons, "consistency_path": path})
        fails(registry_verify("consistency", bad, "--old", old_file, "--new", new_file, "--jwks", keys))
    # the checkpoints swapped
    fails(registry_verify("consistency", cons_file, "--old", new_file, "--new", old_file, "--jwks", keys))

    # a checkpoint whose payload was changed (its root) no longer verifies as a signed answer
    forged = {**new, "payload": {**new["payload"], "root_hash": changed_b64(new["payload"]["root_hash"])}}
    forged_file = write(tmp_path / "forged.json", forged)
    fails(registry_verify("answer", forged_file, "--jwks", keys))
    fails(registry_verify("inclusion", proof_file, "--checkpoint", forged_file, "--jwks", keys))
    fails(registry_verify("consistency", cons_file, "--old", old_file, "--new", forged_file, "--jwks", keys))
    # a JWKS without the signing key
    empty = write(tmp_path / "empty-jwks.json", {"keys": []})
    fails(registry_verify("answer", new_file, "--jwks", empty))


@pytest.mark.parametrize("tamper", ["not_json", "leaf_index", "big_number"])
async def test_registry_verify_says_failed_for_malformed_tampered_files(client, services, tmp_path, tamper):
    cp = await nonempty(client, services)
    size, _ = size_root(cp)
    keys = write(tmp_path / "jwks.json", await jwks(client))
    cp_file = write(tmp_path / "cp.json", cp)
    proof = await inclusion(client, size - 1, size)
    if tamper == "not_json":
        bad = tmp_path / "proof.json"
        bad.write_text(json.dumps(proof)[:-1], encoding="utf-8")  # the closing brace lost
        done = registry_verify("inclusion", bad, "--checkpoint", cp_file, "--jwks", keys)
    elif tamper == "leaf_index":
        bad = write(tmp_path / "proof.json", {**proof, "leaf_index": "1x"})
        done = registry_verify("inclusion", bad, "--checkpoint", cp_file, "--jwks", keys)
    else:
        bad = write(tmp_path / "cp-big.json", {**cp, "payload": {**cp["payload"], "tree_size": 2**70}})
        done = registry_verify("answer", bad, "--jwks", keys)
    fails(done)

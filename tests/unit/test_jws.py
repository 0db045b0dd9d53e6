"""Signed answers (registry.signing.jws) checked by another JOSE library (jwcrypto), every changed
character of a compact JWS and every changed payload refused, key rotation keeping old answers
verifiable; and the C2SP signed-note checkpoints (registry.signing.checkpoint) against the Go
reference vectors (golang.org/x/mod/sumdb/note, real sum.golang.org checkpoints)."""

from __future__ import annotations

import base64
import json
import re
import string
from typing import Any

import pytest
import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from jwcrypto import jwk
from jwcrypto import jws as jjws

from registry.signing import jws
from registry.signing.checkpoint import Checkpoint, InvalidNote, key_hash, open_note, sign_note, vkey
from registry.signing.jwk import b64url, public_jwk, thumbprint
from registry.signing.keys import load_key_ring, rotate

PRIVATE = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
PUBLIC = PRIVATE.public_key()
KID = thumbprint(public_jwk(PUBLIC))
OTHER = Ed25519PrivateKey.from_private_bytes(bytes(range(32, 64)))
OTHER_KID = thumbprint(public_jwk(OTHER.public_key()))
KEYS = {KID: PUBLIC}
BOTH = {KID: PUBLIC, OTHER_KID: OTHER.public_key()}
TYP = "registry-answer+jws"
PAYLOAD: dict[str, Any] = {
    "uscc": "91410103MA44ABCD1X",
    "listed": True,
    "criteria": ["11-1", "11-4"],
    "count": 3,
    "score": 86.5,
    "名称": "郑州市某某机械制造有限公司",
    "nested": {"b": None, "a": [1, 2, {"z": "é"}]},
}
SIGNED = jws.envelope(PRIVATE, KID, TYP, PAYLOAD, request_id="req-1")
B64URL = string.ascii_letters + string.digits + "-_"


def b64url_decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def jwcrypto_key(public: Ed25519PublicKey, kid: str | None = None) -> jwk.JWK:
    return jwk.JWK(**public_jwk(public), **({"kid": kid} if kid else {}))


def jwcrypto_verify(compact: str, key: jwk.JWK | jwk.JWKSet) -> jjws.JWS:
    token = jjws.JWS()
    token.deserialize(compact)
    token.verify(key)
    return token


def refused(compact: str, keys: dict[str, Ed25519PublicKey] = KEYS) -> None:
    with pytest.raises(jws.InvalidAnswer):
        jws.verify(compact, keys)


# ---- signed answers read by jwcrypto ------------------------------------------------------------


def test_an_envelope_verifies_with_jwcrypto_and_signs_the_canonical_json() -> None:
    assert set(SIGNED) == {"request_id", "payload", "jws"}
    assert SIGNED["payload"] == PAYLOAD
    assert SIGNED["request_id"] == "req-1"
    token = jwcrypto_verify(SIGNED["jws"], jwcrypto_key(PUBLIC))
    assert token.payload == rfc8785.dumps(PAYLOAD)
    assert token.jose_header == {"alg": "EdDSA", "kid": KID, "typ": TYP}
    # through a JWK set as a partner would use it (key picked by kid)
    keyset = jwk.JWKSet()
    keyset.add(jwcrypto_key(OTHER.public_key(), OTHER_KID))
    keyset.add(jwcrypto_key(PUBLIC, KID))
    assert jwcrypto_verify(SIGNED["jws"], keyset).payload == rfc8785.dumps(PAYLOAD)
    # and not with another key
    with pytest.raises(jjws.InvalidJWSSignature):
        jwcrypto_verify(SIGNED["jws"], jwcrypto_key(OTHER.public_key()))


def test_jwcrypto_signed_answers_verify_here() -> None:
    """The other direction: a JWS jwcrypto makes over the canonical bytes verifies here."""
    private_jwk = jwk.JWK.from_pyca(PRIVATE)
    token = jjws.JWS(rfc8785.dumps(PAYLOAD))
    token.add_signature(private_jwk, None, json.dumps({"alg": "EdDSA", "kid": KID}))
    compact = token.serialize(compact=True)
    assert jws.verify_envelope({"payload": PAYLOAD, "jws": compact}, KEYS) == PAYLOAD


def test_verify_envelope_returns_the_payload() -> None:
    assert jws.verify_envelope(SIGNED, KEYS) == PAYLOAD
    header, signed = jws.verify(SIGNED["jws"], KEYS)
    assert header == {"alg": "EdDSA", "kid": KID, "typ": TYP}
    assert signed == rfc8785.dumps(PAYLOAD) == jws.canonical(PAYLOAD)
    # the payload's key order does not matter: canonical JSON sorts it
    reordered = {"payload": dict(reversed(list(PAYLOAD.items()))), "jws": SIGNED["jws"]}
    assert jws.verify_envelope(reordered, KEYS) == PAYLOAD


def test_public_keys_reads_a_jwks() -> None:
    jwks = {
        "keys": [
            {**public_jwk(PUBLIC), "kid": KID, "use": "sig", "alg": "EdDSA"},
            {"kty": "EC", "crv": "P-256", "x": "AA", "y": "AA", "kid": "ec"},
            {**public_jwk(OTHER.public_key())},  # no kid: unusable
        ]
    }
    keys = jws.public_keys(jwks)
    assert list(keys) == [KID]
    assert jws.verify_envelope(SIGNED, keys) == PAYLOAD


# ---- tampering ------------------------------------------------------------------------------------


def flip(char: str) -> str:
    """Another character that is guaranteed to change the decoded bytes: flips the sextet's top
    bit (always a data bit, also in a segment's last character), or breaks a separator."""
    if char == ".":
        return "A"
    return B64URL[B64URL.index(char) ^ 0x20]


def test_every_character_flipped_is_refused_here_and_by_jwcrypto() -> None:
    compact = SIGNED["jws"]
    key = jwcrypto_key(PUBLIC)
    for i, char in enumerate(compact):
        forged = compact[:i] + flip(char) + compact[i + 1 :]
        refused(forged)
        with pytest.raises((jjws.InvalidJWSObject, jjws.InvalidJWSSignature)):
            jwcrypto_verify(forged, key)
        with pytest.raises(jws.InvalidAnswer):
            jws.verify_envelope({"payload": PAYLOAD, "jws": forged}, KEYS)


def segments_decode_differently(compact: str, forged: str) -> bool:
    a, b = compact.split("."), forged.split(".")
    return len(a) != len(b) or [b64url_decode(p) for p in a] != [b64url_decode(p) for p in b]


@settings(max_examples=400)
@given(data=st.data())
def test_any_changed_base64url_character_that_changes_the_bytes_is_refused(data: st.DataObject) -> None:
    compact = SIGNED["jws"]
    i = data.draw(st.integers(0, len(compact) - 1), label="position")
    char = data.draw(st.sampled_from(B64URL + ".").filter(lambda c: c != compact[i]), label="replacement")
    forged = compact[:i] + char + compact[i + 1 :]
    assume(segments_decode_differently(compact, forged))
    refused(forged)


@settings(max_examples=300)
@given(data=st.data())
def test_any_character_changed_in_the_signing_input_is_refused(data: st.DataObject) -> None:
    """Header and payload segments (and the separator between them) are signed as written: any
    other character there, base64url or not, breaks the signature or the form."""
    compact = SIGNED["jws"]
    signing_input = compact.rsplit(".", 1)[0]
    i = data.draw(st.integers(0, len(signing_input)), label="position")  # len = the last separator
    char = data.draw(st.characters(blacklist_categories=("Cs",)).filter(lambda c: c != compact[i]), label="replacement")
    refused(compact[:i] + char + compact[i + 1 :])


def test_a_changed_payload_value_no_longer_matches_the_signed_bytes() -> None:
    for key, value in [("listed", False), ("count", 4), ("score", 86.25), ("名称", "另一家公司"), ("nested", {})]:
        with pytest.raises(jws.InvalidAnswer, match="not the one the JWS signs"):
            jws.verify_envelope({**SIGNED, "payload": {**PAYLOAD, key: value}}, KEYS)
    with pytest.raises(jws.InvalidAnswer):
        jws.verify_envelope({**SIGNED, "payload": {**PAYLOAD, "extra": 1}}, KEYS)
    with pytest.raises(jws.InvalidAnswer):
        jws.verify_envelope({**SIGNED, "payload": {k: v for k, v in PAYLOAD.items() if k != "count"}}, KEYS)


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**53) + 1, 2**53 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)


@given(key=st.sampled_from([*PAYLOAD, "new"]), value=JSON_VALUES)
def test_any_changed_payload_value_is_refused(key: str, value: Any) -> None:
    payload = {**PAYLOAD, key: value}
    assume(rfc8785.dumps(payload) != rfc8785.dumps(PAYLOAD))
    with pytest.raises(jws.InvalidAnswer):
        jws.verify_envelope({"payload": payload, "jws": SIGNED["jws"]}, KEYS)


@pytest.mark.parametrize("value", [2**60, float("inf")])
def test_a_payload_value_changed_beyond_i_json_is_refused_as_an_invalid_answer(value: Any) -> None:
    with pytest.raises(jws.InvalidAnswer):
        jws.verify_envelope({**SIGNED, "payload": {**PAYLOAD, "count": value}}, KEYS)


def test_a_lone_surrogate_in_the_payload_segment_is_an_invalid_answer() -> None:
    head, payload, sig = SIGNED["jws"].split(".")
    answer = json.loads(json.dumps({"payload": PAYLOAD, "jws": f"{head}.{payload[:-1]}\ud800.{sig}"}))
    with pytest.raises(jws.InvalidAnswer):
        jws.verify_envelope(answer, KEYS)


def test_swapped_kid_is_refused() -> None:
    # signed by one key, claiming the other's kid
    refused(jws.sign(PRIVATE, OTHER_KID, TYP, PAYLOAD), BOTH)
    # another answer's protected header pasted onto this one
    other_head = jws.sign(OTHER, OTHER_KID, TYP, PAYLOAD).split(".")[0]
    head, rest = SIGNED["jws"].split(".", 1)
    assert other_head != head
    refused(f"{other_head}.{rest}", BOTH)
    # both keys known: the genuine ones verify
    assert jws.verify(SIGNED["jws"], BOTH)[1] == rfc8785.dumps(PAYLOAD)
    assert jws.verify(jws.sign(OTHER, OTHER_KID, TYP, PAYLOAD), BOTH)[1] == rfc8785.dumps(PAYLOAD)


def test_unknown_kid_is_refused() -> None:
    with pytest.raises(jws.InvalidAnswer, match="unknown kid"):
        jws.verify(SIGNED["jws"], {OTHER_KID: OTHER.public_key()})
    with pytest.raises(jws.InvalidAnswer, match="unknown kid"):
        jws.verify(SIGNED["jws"], {})
    with pytest.raises(jws.InvalidAnswer, match="unknown kid"):
        jws.verify_envelope(SIGNED, jws.public_keys({"keys": []}))


def signed_with_header(header: dict[str, Any], private: Ed25519PrivateKey = PRIVATE) -> str:
    signing_input = f"{b64url(json.dumps(header).encode())}.{b64url(rfc8785.dumps(PAYLOAD))}"
    return f"{signing_input}.{b64url(private.sign(signing_input.encode()))}"


@pytest.mark.parametrize("alg", ["ES256", "HS256", "RS256", "none", "Ed25519", "eddsa", None])
def test_an_alg_other_than_eddsa_is_refused(alg: str | None) -> None:
    header = {"kid": KID, "typ": TYP} if alg is None else {"alg": alg, "kid": KID, "typ": TYP}
    with pytest.raises(jws.InvalidAnswer, match="alg must be EdDSA"):
        jws.verify(signed_with_header(header), KEYS)
    # the same construction with alg EdDSA does verify: only alg made the difference
    assert jws.verify(signed_with_header({"alg": "EdDSA", "kid": KID, "typ": TYP}), KEYS)[1] == rfc8785.dumps(PAYLOAD)


def test_alg_none_with_an_empty_signature_is_refused() -> None:
    head = b64url(json.dumps({"alg": "none", "kid": KID}).encode())
    refused(f"{head}.{b64url(rfc8785.dumps(PAYLOAD))}.")


@pytest.mark.parametrize(
    "compact",
    [
        "",
        "abc",
        SIGNED["jws"].rsplit(".", 1)[0],
        SIGNED["jws"] + ".",
        SIGNED["jws"] + "." + SIGNED["jws"].split(".")[2],
        SIGNED["jws"].replace(".", ""),
        "..",
        "...",
    ],
)
def test_not_three_parts_or_not_a_jws_is_refused(compact: str) -> None:
    refused(compact)
    with pytest.raises(jws.InvalidAnswer):
        jws.verify_envelope({"payload": PAYLOAD, "jws": compact}, KEYS)


@pytest.mark.parametrize(
    "answer",
    [None, [], {}, {"payload": PAYLOAD}, {"jws": SIGNED["jws"]}, {"payload": PAYLOAD, "jws": 1}],
)
def test_an_answer_without_payload_and_jws_is_refused(answer: Any) -> None:
    with pytest.raises(jws.InvalidAnswer):
        jws.verify_envelope(answer, KEYS)


def test_a_header_that_is_not_a_json_object_is_refused() -> None:
    for header in [b"[]", b"not json", b'"EdDSA"', b"\xff\xfe"]:
        signing_input = f"{b64url(header)}.{b64url(rfc8785.dumps(PAYLOAD))}"
        refused(f"{signing_input}.{b64url(PRIVATE.sign(signing_input.encode()))}")


# ---- key rotation ---------------------------------------------------------------------------------


def test_an_answer_signed_before_rotation_verifies_after_it_and_new_answers_use_the_new_key(tmp_path) -> None:
    old_ring = load_key_ring(tmp_path, "pw", production=True)
    old = jws.envelope(old_ring.private, old_ring.kid, TYP, PAYLOAD)

    new_kid = rotate(tmp_path, "pw", production=True)
    ring = load_key_ring(tmp_path, "pw", production=True)
    assert ring.kid == new_kid != old_ring.kid
    jwks = ring.jwks()
    assert {k["kid"] for k in jwks["keys"]} == {old_ring.kid, new_kid}

    keys = jws.public_keys(jwks)
    assert jws.verify_envelope(old, keys) == PAYLOAD
    keyset = jwk.JWKSet.from_json(json.dumps(jwks))
    assert jwcrypto_verify(old["jws"], keyset).payload == rfc8785.dumps(PAYLOAD)

    new_payload = {**PAYLOAD, "count": 4}
    new = jws.envelope(ring.private, ring.kid, TYP, new_payload)
    header, _ = jws.verify(new["jws"], keys)
    assert header["kid"] == new_kid
    assert jws.verify_envelope(new, keys) == new_payload
    assert jwcrypto_verify(new["jws"], keyset).jose_header["kid"] == new_kid
    # the new answer is not verifiable with the old key alone, the old one not with the new key alone
    with pytest.raises(jws.InvalidAnswer):
        jws.verify_envelope(new, jws.public_keys(old_ring.jwks()))
    with pytest.raises(jws.InvalidAnswer):
        jws.verify_envelope(old, {new_kid: keys[new_kid]})

    # a second rotation still keeps the first key's answers verifiable
    rotate(tmp_path, "pw", production=True)
    again = load_key_ring(tmp_path, "pw", production=True)
    assert jws.verify_envelope(old, jws.public_keys(again.jwks())) == PAYLOAD
    assert jws.verify_envelope(new, jws.public_keys(again.jwks())) == new_payload


# ---- C2SP checkpoints (signed notes) --------------------------------------------------------------

ORIGIN = "registry.local/credit-log"
ROOT = bytes(range(100, 132))
NOTE_LINE = re.compile(r"^\u2014 (\S+) ([A-Za-z0-9+/]+=*)$")

# golang.org/x/mod/sumdb/note: the key of the package's example, and its signature of this text
GO_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
GO_SIG = "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM="
# the Go checksum database's key and two checkpoints it signed
SUMDB_VKEY = "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8"
SUMDB_NOTES = [
    (
        "go.sum database tree\n31700353\nqINS1GRFhWHwdkUeqLEoP4yEMkTBBzxBkGwGQlVlVcs=\n\n"
        "\u2014 sum.golang.org "
        "Az3grnmrIUEDFqHzAElIQCPNoRFRAAdFo47fooyWKMHb89k11GJh5zHIfNCOBmwn/C3YI8oW9/C8DJ87F61QqspBYwM=\n",
        31700353,
        "qINS1GRFhWHwdkUeqLEoP4yEMkTBBzxBkGwGQlVlVcs=",
    ),
    (
        "go.sum database tree\n65209736\n5+uGFjx6xBZG8ip1+wi77v+grwbhhukIrxEUS8PXvRo=\n\n"
        "\u2014 sum.golang.org "
        "Az3grnbssgK7ubgFX36gVETtNv0U23qxyAhAMai2QUfeGa3nB/akvkMdlUErfcZz7l/R3cVtYspg3dxXABkGZZKdsQ8=\n",
        65209736,
        "5+uGFjx6xBZG8ip1+wi77v+grwbhhukIrxEUS8PXvRo=",
    ),
]


def public_of_vkey(verifier_key: str) -> tuple[str, Ed25519PublicKey]:
    name, _, typed = verifier_key.split("+", 2)
    raw = base64.b64decode(typed)
    assert raw[0] == 1
    return name, Ed25519PublicKey.from_public_bytes(raw[1:])


def test_a_note_opens_with_the_key_that_signed_it() -> None:
    checkpoint = Checkpoint(ORIGIN, 1234, ROOT)
    note = sign_note(checkpoint, ORIGIN, PRIVATE)
    assert open_note(note, ORIGIN, PUBLIC) == checkpoint


def test_the_note_has_the_c2sp_checkpoint_format() -> None:
    note = sign_note(Checkpoint(ORIGIN, 1234, ROOT), ORIGIN, PRIVATE)
    assert note.endswith("\n")
    lines = note.split("\n")
    assert lines[0] == ORIGIN
    assert lines[1] == "1234"
    assert base64.b64decode(lines[2], validate=True) == ROOT
    assert lines[3] == ""
    match = NOTE_LINE.match(lines[4])
    assert match, lines[4]
    assert lines[4].startswith(f"\u2014 {ORIGIN} ")
    assert lines[5:] == [""]
    blob = base64.b64decode(match.group(2), validate=True)
    assert len(blob) == 4 + 64
    assert blob[:4] == key_hash(ORIGIN, PUBLIC)
    PUBLIC.verify(blob[4:], "\n".join(lines[:3]).encode() + b"\n")


@given(
    origin=st.from_regex(r"[a-z0-9][a-z0-9./-]{0,40}", fullmatch=True),
    size=st.integers(0, 2**63 - 1),
    root=st.binary(min_size=32, max_size=32),
)
def test_round_trip_for_any_checkpoint(origin: str, size: int, root: bytes) -> None:
    checkpoint = Checkpoint(origin, size, root)
    note = sign_note(checkpoint, origin, PRIVATE)
    assert note.startswith(f"{origin}\n{size}\n{base64.b64encode(root).decode()}\n\n\u2014 {origin} ")
    assert open_note(note, origin, PUBLIC) == checkpoint


@settings(max_examples=300)
@given(data=st.data())
def test_a_changed_body_is_refused(data: st.DataObject) -> None:
    note = sign_note(Checkpoint(ORIGIN, 1234, ROOT), ORIGIN, PRIVATE)
    body_end = note.index("\n\n") + 1  # the body, with its last newline
    i = data.draw(st.integers(0, body_end - 1), label="position")
    char = data.draw(st.characters(blacklist_categories=("Cs",)).filter(lambda c: c != note[i]), label="char")
    with pytest.raises(InvalidNote):
        open_note(note[:i] + char + note[i + 1 :], ORIGIN, PUBLIC)


@pytest.mark.parametrize(
    "checkpoint",
    [Checkpoint(ORIGIN, 1235, ROOT), Checkpoint(ORIGIN, 1234, bytes(32)), Checkpoint("other.example/log", 1234, ROOT)],
)
def test_another_body_under_the_same_signature_is_refused(checkpoint: Checkpoint) -> None:
    note = sign_note(Checkpoint(ORIGIN, 1234, ROOT), ORIGIN, PRIVATE)
    signature = note.split("\n\n", 1)[1]
    with pytest.raises(InvalidNote):
        open_note(checkpoint.body() + "\n" + signature, ORIGIN, PUBLIC)


@given(bit=st.integers(0, 68 * 8 - 1))
def test_a_changed_signature_is_refused(bit: int) -> None:
    note = sign_note(Checkpoint(ORIGIN, 1234, ROOT), ORIGIN, PRIVATE)
    body, line = note.rstrip("\n").split("\n\n")
    dash, name, b64 = line.split(" ")
    blob = bytearray(base64.b64decode(b64))
    blob[bit // 8] ^= 1 << (bit % 8)
    forged = f"{body}\n\n{dash} {name} {base64.b64encode(bytes(blob)).decode()}\n"
    with pytest.raises(InvalidNote):
        open_note(forged, ORIGIN, PUBLIC)


def test_a_note_under_another_name_or_key_is_refused() -> None:
    note = sign_note(Checkpoint(ORIGIN, 1234, ROOT), ORIGIN, PRIVATE)
    with pytest.raises(InvalidNote):
        open_note(note, "other.example/log", PUBLIC)
    with pytest.raises(InvalidNote):
        open_note(note, ORIGIN, OTHER.public_key())
    # signed by another key under the same name
    with pytest.raises(InvalidNote):
        open_note(sign_note(Checkpoint(ORIGIN, 1234, ROOT), ORIGIN, OTHER), ORIGIN, PUBLIC)
    # signed under another name by the same key
    with pytest.raises(InvalidNote):
        open_note(sign_note(Checkpoint(ORIGIN, 1234, ROOT), "other.example/log", PRIVATE), ORIGIN, PUBLIC)


@pytest.mark.parametrize(
    "note",
    [
        "",
        "registry.local/credit-log\n1234\n",
        "registry.local/credit-log\n1234\nAAAA\n\n",
        "registry.local/credit-log\n1234\nAAAA\n\n\u2014 registry.local/credit-log !!!!\n",
        "registry.local/credit-log\n1234\nAAAA\n\n- registry.local/credit-log AAAAAAAA\n",
    ],
)
def test_malformed_notes_are_refused(note: str) -> None:
    with pytest.raises(InvalidNote):
        open_note(note, ORIGIN, PUBLIC)


def test_other_signers_lines_are_skipped() -> None:
    """A witness cosignature (another name) next to the log's signature does not get in the way."""
    checkpoint = Checkpoint(ORIGIN, 7, ROOT)
    note = sign_note(checkpoint, ORIGIN, PRIVATE)
    witness = sign_note(checkpoint, "witness.example", OTHER).split("\n\n", 1)[1]
    cosigned = note + witness
    assert open_note(cosigned, ORIGIN, PUBLIC) == checkpoint
    assert open_note(cosigned, "witness.example", OTHER.public_key()) == checkpoint


def test_vkey_format() -> None:
    verifier_key = vkey(ORIGIN, PUBLIC)
    match = re.fullmatch(r"(.+)\+([0-9a-f]{8})\+([A-Za-z0-9+/]+=*)", verifier_key)
    assert match, verifier_key
    assert match.group(1) == ORIGIN
    assert bytes.fromhex(match.group(2)) == key_hash(ORIGIN, PUBLIC)
    name, public = public_of_vkey(verifier_key)
    assert name == ORIGIN
    assert public_jwk(public) == public_jwk(PUBLIC)


def test_go_sumdb_note_vectors() -> None:
    """golang.org/x/mod/sumdb/note's example key: the same verifier key, key hash and signature."""
    seed = base64.b64decode(GO_SKEY.split("+", 4)[4])
    assert seed[0] == 1
    private = Ed25519PrivateKey.from_private_bytes(seed[1:])
    assert vkey("PeterNeumann", private.public_key()) == GO_VKEY
    assert key_hash("PeterNeumann", private.public_key()).hex() == "c74f20a3"
    blob = key_hash("PeterNeumann", private.public_key()) + private.sign(GO_TEXT.encode())
    assert base64.b64encode(blob).decode() == GO_SIG


@pytest.mark.parametrize(("note", "size", "root"), SUMDB_NOTES)
def test_real_sum_golang_org_checkpoints_open(note: str, size: int, root: str) -> None:
    name, public = public_of_vkey(SUMDB_VKEY)
    assert vkey(name, public) == SUMDB_VKEY
    assert open_note(note, name, public) == Checkpoint("go.sum database tree", size, base64.b64decode(root))
    with pytest.raises(InvalidNote):
        open_note(note.replace(str(size), str(size + 1)), name, public)


def test_one_answer_has_one_jws_spelling() -> None:
    """Non-canonical base64url (padding, the standard alphabet, unused bits set) is refused, so a
    JWS string can serve as the answer's identity (the query log keeps its hash)."""
    header, payload, signature = SIGNED["jws"].split(".")
    spellings = [
        f"{header}.{payload}.{signature}==",
        f"{header}.{payload}.{signature.replace('-', '+').replace('_', '/')}",
    ]
    last = B64URL.index(signature[-1])
    # Ed25519 signatures are 64 bytes: the last base64url character carries 4 data bits and 2 unused
    spellings.append(f"{header}.{payload}.{signature[:-1]}{B64URL[last ^ 1]}")
    for forged in spellings:
        if forged != SIGNED["jws"]:
            refused(forged)
    jws.verify(SIGNED["jws"], KEYS)


SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from([1.0, -0.0, 0.0, 1e21, 1e-6, 1.5e-5, 0.0001, 1e16, 100.0, 0.1 + 0.2])
    | st.text()
)
DOCUMENTS = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner, max_size=4),
    max_leaves=30,
)


@given(document=DOCUMENTS)
@settings(max_examples=2000)
def test_canonical_writes_what_rfc8785_writes(document: Any) -> None:
    """The fast path (msgspec) and rfc8785 agree byte for byte on any JSON document: keys of any
    alphabet, every float, integers a double holds."""
    assert jws.canonical(document) == rfc8785.dumps(document)


def test_canonical_escapes_every_code_point_as_rfc8785_does() -> None:
    text = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000)
    assert jws.canonical({"k": text, "sorted": [text]}) == rfc8785.dumps({"k": text, "sorted": [text]})


def test_canonical_orders_keys_by_utf16_code_units() -> None:
    """U+E000 sorts after U+1F600 in UTF-16 (a surrogate pair, 0xD83D) but before it by code point."""
    document = {"\ue000": 1, "\U0001f600": 2, "a": 3}
    assert jws.canonical(document) == rfc8785.dumps(document)
    assert jws.canonical(document).index(b"\xf0\x9f\x98\x80") < jws.canonical(document).index(b"\xee\x80\x80")


def test_a_payload_known_plain_is_signed_the_same_without_the_walk() -> None:
    key = Ed25519PrivateKey.generate()
    payload = {"subject": {"uscc": "91410103MA00000000", "name": "企业"}, "n": 3, "rate": 0.5, "nonce": "abcdefgh"}
    assert jws.is_plain(payload)
    assert jws.sign(key, "k", "t", payload, plain=True) == jws.sign(key, "k", "t", payload)
    assert not jws.is_plain({"n": 1.0})  # written 1 by RFC 8785, 1.0 by msgspec
    assert not jws.is_plain({"é": 1})

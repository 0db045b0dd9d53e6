"""Signed answers: ``{"payload": {...}, "jws": "<compact JWS>"}`` (DESIGN section 4).

The JWS payload bytes are exactly the RFC 8785 canonical JSON of ``payload`` (the ``rfc8785``
package), the protected header ``{"alg": "EdDSA", "kid": ..., "typ": ...}``. Any JOSE library with
the JWKS verifies it (the tests use jwcrypto, a library this module does not use).

Written with ``cryptography`` directly rather than PyJWT's JWS API: the protected header is fixed
per (key, typ), so it is encoded once and each answer costs one canonicalisation, two base64 and
one Ed25519 signature; that is the whole of the compact serialisation (RFC 7515 section 7.1), and
the hot path of partner answers is designed around its cost (DESIGN section 3).
"""

from __future__ import annotations

import base64
import functools
import json
import math
from typing import Any

import msgspec
import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from registry.signing.jwk import b64url


class InvalidAnswer(ValueError):
    """A signed answer that does not verify (bad form, unknown key, signature, or payload mismatch)."""


#: integers RFC 8785 writes as they are (IEEE 754 doubles represent them exactly)
_SAFE_INT = 2**53 - 1
_SORTED = msgspec.json.Encoder(order="sorted")


def canonical(payload: Any) -> bytes:
    """The RFC 8785 canonical JSON of ``payload``.

    ``rfc8785`` (pure Python) costs about 0.12 ms per kilobyte: 120 ms for a batch answer of a
    thousand subjects, half the time that answer may take. msgspec, sorting keys, writes the same
    bytes for the documents answers are made of: strings (every code point escaped the same way,
    checked in the tests), ASCII keys (so code-point order is UTF-16 order), integers a double holds
    exactly, and floats neither integral nor smaller than 1e-4 (where ES6 number formatting and
    msgspec's differ: ``1`` against ``1.0``, ``0.000001`` against ``1e-6``). Anything else is
    written by ``rfc8785``; the tests compare the two on random documents.
    """
    return _SORTED.encode(payload) if _plain(payload) else rfc8785.dumps(payload)


def safe_int(value: Any) -> bool:
    """An integer RFC 8785 writes as msgspec does (what ``_plain`` asks of each integer): for
    payloads plain by construction, whose only numbers are such fields (``sign(plain=True)``)."""
    return type(value) is int and -_SAFE_INT <= value <= _SAFE_INT


def is_plain(payload: Any) -> bool:
    """Whether msgspec writes ``payload``'s canonical JSON (see ``canonical``): a caller that signs
    variants of one payload, adding only ASCII-keyed strings, may ask once and pass ``plain``."""
    return _plain(payload)


def _plain(value: Any) -> bool:
    stack = [value]
    while stack:
        v = stack.pop()
        kind = type(v)
        if kind is str or kind is bool or v is None:
            continue
        if kind is int:
            if -_SAFE_INT <= v <= _SAFE_INT:
                continue
            return False
        if kind is float:
            if math.isfinite(v) and not v.is_integer() and abs(v) >= 1e-4:
                continue
            return False
        if kind is dict:
            for k, x in v.items():
                if type(k) is not str or not k.isascii():
                    return False
                stack.append(x)
            continue
        if kind is list:
            stack.extend(v)
            continue
        return False
    return True


def _b64decode(part: str) -> bytes:
    """Strict base64url: one spelling per value (no padding, no ``+/``, no stray bits), so an answer
    has exactly one JWS string."""
    try:
        data = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    except (ValueError, TypeError) as exc:
        raise InvalidAnswer("not base64url") from exc
    if b64url(data) != part:
        raise InvalidAnswer("not canonical base64url")
    return data


@functools.cache
def _header(kid: str, typ: str) -> bytes:
    return b64url(json.dumps({"alg": "EdDSA", "kid": kid, "typ": typ}, separators=(",", ":")).encode()).encode()


def sign(private: Ed25519PrivateKey, kid: str, typ: str, payload: Any, *, plain: bool = False) -> str:
    """The compact JWS of ``payload``'s canonical JSON; ``plain``: the caller knows ``is_plain``
    holds (the walk over the payload is a tenth of a nonce answer's own work)."""
    return sign_canonical(private, kid, typ, _SORTED.encode(payload) if plain else canonical(payload))


def canonical_plain(payload: Any) -> bytes:
    """The canonical JSON of a payload the caller knows plain (``is_plain``), without the walk."""
    return _SORTED.encode(payload)


def sign_canonical(private: Ed25519PrivateKey, kid: str, typ: str, body: bytes) -> str:
    """The compact JWS of ``body``, which the caller made the RFC 8785 canonical JSON of its payload
    (e.g. by splicing the signed payloads of ``payload_bytes`` into a document as ``msgspec.Raw``)."""
    signing_input = _header(kid, typ) + b"." + b64url(body).encode()
    return (signing_input + b"." + b64url(private.sign(signing_input)).encode()).decode()


def payload_bytes(compact: str) -> bytes:
    """The payload bytes of a compact JWS this process signed (the canonical JSON of its payload),
    unchecked: for composing a larger canonical document, not for verifying (``verify``)."""
    part = compact.split(".", 2)[1]
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def envelope(private: Ed25519PrivateKey, kid: str, typ: str, payload: dict[str, Any], **beside: Any) -> dict[str, Any]:
    """The signed answer; ``beside`` (e.g. ``request_id``) stands next to ``payload``, unsigned."""
    return {**beside, "payload": payload, "jws": sign(private, kid, typ, payload)}


def public_keys(jwks: dict[str, Any]) -> dict[str, Ed25519PublicKey]:
    keys = {}
    for jwk in jwks.get("keys", []):
        if jwk.get("kty") == "OKP" and jwk.get("crv") == "Ed25519" and "kid" in jwk:
            keys[jwk["kid"]] = Ed25519PublicKey.from_public_bytes(_b64decode(jwk["x"]))
    return keys


def verify(jws: str, keys: dict[str, Ed25519PublicKey]) -> tuple[dict[str, Any], bytes]:
    """(protected header, payload bytes) of a compact JWS signed by one of ``keys``."""
    parts = jws.split(".")
    if len(parts) != 3:
        raise InvalidAnswer("a compact JWS has three parts")
    try:
        header = json.loads(_b64decode(parts[0]))
    except ValueError as exc:
        raise InvalidAnswer("the protected header is not JSON") from exc
    if not isinstance(header, dict) or header.get("alg") != "EdDSA":
        raise InvalidAnswer("alg must be EdDSA")
    key = keys.get(str(header.get("kid")))
    if key is None:
        raise InvalidAnswer(f"unknown kid {header.get('kid')!r}")
    try:
        key.verify(_b64decode(parts[2]), f"{parts[0]}.{parts[1]}".encode("ascii"))
    except (InvalidSignature, UnicodeEncodeError) as exc:
        raise InvalidAnswer("bad signature") from exc
    return header, _b64decode(parts[1])


def verify_envelope(answer: dict[str, Any], keys: dict[str, Ed25519PublicKey]) -> dict[str, Any]:
    """The payload of a signed answer, once its JWS verifies and signs exactly that payload."""
    if not isinstance(answer, dict) or "payload" not in answer or not isinstance(answer.get("jws"), str):
        raise InvalidAnswer("a signed answer has payload and jws")
    _, signed = verify(answer["jws"], keys)
    try:
        mine = canonical(answer["payload"])
    except (ValueError, TypeError, RecursionError, rfc8785.CanonicalizationError) as exc:  # e.g. ints beyond 2**53
        raise InvalidAnswer(f"the payload cannot be canonicalised: {exc}") from exc
    if signed != mine:
        raise InvalidAnswer("the payload is not the one the JWS signs")
    payload: dict[str, Any] = answer["payload"]
    return payload

"""Offline verification of what the registry publishes: signed answers against a JWKS, inclusion
proofs against a signed checkpoint, consistency proofs between two signed checkpoints. Pure (files
are read by the CLI); every failure is a VerificationError saying what did not hold."""

from __future__ import annotations

import base64
from typing import Any

from registry.signing import jws, merkle


class VerificationError(ValueError):
    pass


def _b64(value: Any, what: str) -> bytes:
    try:
        return base64.b64decode(str(value), validate=True)
    except ValueError as exc:
        raise VerificationError(f"{what} is not base64") from exc


def answer(signed: dict[str, Any], jwks: dict[str, Any]) -> dict[str, Any]:
    """The payload of a signed answer ``{payload, jws}``. One result of a batch, ``{uscc, status,
    answer, jws}``, is the subject's own signed answer and verifies alone; a whole batch verifies
    with the signed answer of each of its results."""
    keys = jws.public_keys(jwks)
    if isinstance(signed, dict) and "payload" not in signed and "answer" in signed:
        signed = {"payload": signed["answer"], "jws": signed.get("jws")}
    try:
        payload = jws.verify_envelope(signed, keys)
    except jws.InvalidAnswer as exc:
        raise VerificationError(f"signed answer: {exc}") from exc
    results = payload.get("results")
    for n, result in enumerate(results if isinstance(results, list) else []):
        if isinstance(result, dict) and "jws" in result:
            try:
                jws.verify_envelope({"payload": result.get("answer"), "jws": result["jws"]}, keys)
            except jws.InvalidAnswer as exc:
                raise VerificationError(f"result {n} ({result.get('uscc')}): {exc}") from exc
    return payload


def checkpoint(signed: dict[str, Any], jwks: dict[str, Any]) -> tuple[int, bytes]:
    payload = answer(signed, jwks)
    try:
        return _int(payload["tree_size"], "tree_size"), _b64(payload["root_hash"], "root_hash")
    except (KeyError, TypeError) as exc:
        raise VerificationError("not a checkpoint") from exc


def _list(value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise VerificationError("the proof's path is not a list")
    return value


def _int(value: Any, what: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise VerificationError(f"{what} is not an integer") from exc


def inclusion(
    proof: dict[str, Any], signed_checkpoint: dict[str, Any], jwks: dict[str, Any], leaf: bytes | None = None
) -> int:
    """The proven leaf index; ``leaf`` (the entry's bytes) is checked against the proof's leaf hash."""
    size, root = checkpoint(signed_checkpoint, jwks)
    if _int(proof.get("tree_size", -1), "tree_size") != size:
        raise VerificationError(f"the proof is for tree size {proof.get('tree_size')}, the checkpoint for {size}")
    leaf_hash = _b64(proof.get("leaf_hash"), "leaf_hash")
    if leaf is not None and merkle.leaf_hash(leaf) != leaf_hash:
        raise VerificationError("the entry's bytes do not hash to the proof's leaf hash")
    path = [_b64(h, "audit_path") for h in _list(proof.get("audit_path", []))]
    index = _int(proof.get("leaf_index", -1), "leaf_index")
    try:
        merkle.verify_inclusion(leaf_hash, index, size, path, root)
    except merkle.ProofError as exc:
        raise VerificationError(f"inclusion: {exc}") from exc
    return index


def consistency(
    proof: dict[str, Any], old: dict[str, Any], new: dict[str, Any], jwks: dict[str, Any]
) -> tuple[int, int]:
    first, first_root = checkpoint(old, jwks)
    second, second_root = checkpoint(new, jwks)
    if (_int(proof.get("first", -1), "first"), _int(proof.get("second", -1), "second")) != (first, second):
        raise VerificationError(
            f"the proof is from {proof.get('first')} to {proof.get('second')}, the checkpoints {first} and {second}"
        )
    path = [_b64(h, "consistency_path") for h in _list(proof.get("consistency_path", []))]
    try:
        merkle.verify_consistency(first, second, first_root, second_root, path)
    except merkle.ProofError as exc:
        raise VerificationError(f"consistency: {exc}") from exc
    return first, second

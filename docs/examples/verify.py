"""Check what the registry signed, offline, with PyJWT (pip install "pyjwt[crypto]"): a signed answer
({request_id, payload, jws}: a status answer, a batch with the signed answer of each of its results, a
change page), one result of a batch ({uscc, status, answer, jws}), or an inclusion proof against a signed
checkpoint.

    python verify.py answer ANSWER.json JWKS.json
    python verify.py inclusion PROOF.json CHECKPOINT.json JWKS.json

The JWKS is GET /.well-known/jwks.json (keep a copy: retired keys stay in it). Exit 0 and "OK"
when everything holds; an exception naming what did not hold otherwise.
"""

import base64
import hashlib
import json
import sys

import jwt  # PyJWT, with the cryptography package for Ed25519


def check(holds: bool, what: str) -> None:
    if not holds:
        raise SystemExit(f"FAILED: {what}")


def signed_payload(signed: dict, jwks: dict) -> dict:
    """The payload the JWS signs, once its Ed25519 signature verifies under the key its kid names."""
    keys = {k.key_id: k for k in jwt.PyJWKSet.from_dict(jwks).keys}
    header = jwt.get_unverified_header(signed["jws"])
    key = keys[header["kid"]]  # KeyError: signed by a key this JWKS does not hold
    payload = jwt.api_jws.PyJWS().decode(signed["jws"], key=key, algorithms=["EdDSA"])
    data = json.loads(payload)
    # the side copy must say the same (the registry signs the RFC 8785 form of exactly this payload)
    check(data == signed["payload"], "the payload beside the JWS is not the one it signs")
    return data


def root_from_inclusion(leaf: bytes, index: int, size: int, path: list[bytes]) -> bytes:
    """RFC 9162 section 2.1.3.2: the root an audit path leads to from a leaf hash."""
    fn, sn, r = index, size - 1, leaf
    for p in path:
        check(sn > 0, "inclusion proof too long")
        if fn & 1 or fn == sn:
            r = hashlib.sha256(b"\x01" + p + r).digest()
            while fn and not fn & 1:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = hashlib.sha256(b"\x01" + r + p).digest()
        fn, sn = fn >> 1, sn >> 1
    check(sn == 0, "inclusion proof too short")
    return r


def main(argv: list[str]) -> None:
    load = lambda path: json.load(open(path, encoding="utf-8"))  # noqa: E731
    if argv[0] == "answer":
        signed, jwks = load(argv[1]), load(argv[2])
        if "payload" not in signed and "answer" in signed:  # one result of a batch: the subject's own answer
            signed = {"payload": signed["answer"], "jws": signed["jws"]}
        payload = signed_payload(signed, jwks)
        results = payload.get("results")
        if results is None:
            print("OK: signed answer for", payload.get("subject", payload).get("uscc", "?"))
        else:  # a batch: each valid subject's result is its own signed answer too (invalid ones are not signed)
            signed_results = [r for r in results if "jws" in r]
            for r in signed_results:
                signed_payload({"payload": r["answer"], "jws": r["jws"]}, jwks)
            print(f"OK: signed batch of {len(results)} results, {len(signed_results)} signed answers among them")
    elif argv[0] == "inclusion":
        proof, checkpoint = load(argv[1]), signed_payload(load(argv[2]), load(argv[3]))
        check(proof["tree_size"] == checkpoint["tree_size"], "proof and checkpoint are of different sizes")
        path = [base64.b64decode(h) for h in proof["audit_path"]]
        leaf = base64.b64decode(proof["leaf_hash"])
        root = root_from_inclusion(leaf, proof["leaf_index"], proof["tree_size"], path)
        check(root == base64.b64decode(checkpoint["root_hash"]), "the proof does not lead to the signed root")
        print(f"OK: leaf {proof['leaf_index']} is in the log of size {checkpoint['tree_size']}")
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])

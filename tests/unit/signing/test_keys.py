from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from registry.signing import keys
from registry.signing.jwk import b64url, public_jwk, thumbprint


def test_thumbprint_matches_rfc8037_example() -> None:
    # RFC 8037 appendix A.3
    jwk = {"crv": "Ed25519", "kty": "OKP", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}
    assert thumbprint(jwk) == "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"


def test_public_jwk_round_trip() -> None:
    raw = bytes(range(32))
    key = Ed25519PublicKey.from_public_bytes(raw)
    assert public_jwk(key) == {"kty": "OKP", "crv": "Ed25519", "x": b64url(raw)}


def test_encrypted_at_rest_and_wrong_passphrase_refused(tmp_path) -> None:
    ring = keys.load_key_ring(tmp_path, "correct horse", production=True)
    pem = (tmp_path / f"{ring.kid}.key.pem").read_bytes()
    assert b"ENCRYPTED PRIVATE KEY" in pem
    assert oct((tmp_path / f"{ring.kid}.key.pem").stat().st_mode & 0o777) == "0o600"
    with pytest.raises(keys.KeyError_):
        keys.load_key_ring(tmp_path, "wrong", production=True)
    assert keys.load_key_ring(tmp_path, "correct horse", production=True).kid == ring.kid


def test_production_requires_passphrase(tmp_path) -> None:
    with pytest.raises(keys.KeyError_):
        keys.load_key_ring(tmp_path, None, production=True)


def test_dev_key_banner_is_loud_and_loading_the_key_is_quiet(tmp_path, capsys) -> None:
    keys.load_key_ring(tmp_path, None, production=False)  # each worker and every command loads it
    assert "UNENCRYPTED" not in capsys.readouterr().err
    banner = keys.development_key_banner(tmp_path)  # `serve` and `demo` print it, once
    assert "UNENCRYPTED" in banner
    assert "REGISTRY_KEY_PASSPHRASE" in banner
    assert str(tmp_path) in banner


def test_rotation_keeps_old_public_key_and_drops_old_private(tmp_path) -> None:
    first = keys.load_key_ring(tmp_path, "pw", production=True)
    new_kid = keys.rotate(tmp_path, "pw", production=True)
    ring = keys.load_key_ring(tmp_path, "pw", production=True)
    assert ring.kid == new_kid != first.kid
    kids = [k["kid"] for k in ring.jwks()["keys"]]
    assert kids[0] == new_kid
    assert first.kid in kids
    assert not (tmp_path / f"{first.kid}.key.pem").exists()
    assert all(set(k) == {"kty", "crv", "x", "kid", "use", "alg"} for k in ring.jwks()["keys"])

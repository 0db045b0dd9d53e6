"""The signing key ring: one active Ed25519 key, and the public halves of retired ones.

Layout of the key directory: ``<kid>.key.pem`` (the active private key, PKCS#8, encrypted with
``REGISTRY_KEY_PASSPHRASE``), ``<kid>.pub.pem`` for every key ever used, and ``active`` naming
the active kid. Retired private keys are deleted at rotation: old answers must stay verifiable,
not signable. Creation and rotation hold an exclusive file lock, so workers starting together
agree on one key.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import structlog
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    BestAvailableEncryption,
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
    load_pem_private_key,
    load_pem_public_key,
)

from registry.signing.jwk import public_jwk, thumbprint

log = structlog.get_logger(__name__)


class KeyError_(RuntimeError):  # noqa: N801 - not the builtin KeyError
    """The key directory is missing, locked, or inconsistent."""


@dataclass(frozen=True)
class KeyRing:
    kid: str
    private: Ed25519PrivateKey
    public: dict[str, Ed25519PublicKey]

    def jwks(self) -> dict[str, list[dict[str, str]]]:
        keys = []
        for kid, key in sorted(self.public.items(), key=lambda kv: kv[0] != self.kid):
            keys.append({**public_jwk(key), "kid": kid, "use": "sig", "alg": "EdDSA"})
        return {"keys": keys}


@contextmanager
def _locked(directory: Path) -> Iterator[None]:
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    with (directory / ".lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _write_new_key(directory: Path, passphrase: str | None) -> str:
    key = Ed25519PrivateKey.generate()
    kid = thumbprint(public_jwk(key.public_key()))
    encryption = BestAvailableEncryption(passphrase.encode()) if passphrase else NoEncryption()
    private_path = directory / f"{kid}.key.pem"
    fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, encryption))
    (directory / f"{kid}.pub.pem").write_bytes(
        key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    )
    tmp = directory / "active.tmp"
    tmp.write_text(kid)
    tmp.replace(directory / "active")
    return kid


def development_key_banner(directory: Path) -> str:
    """What ``registry serve`` and ``registry demo`` print, once, when the key is not encrypted
    (no REGISTRY_KEY_PASSPHRASE); other commands and each worker stay quiet about it."""
    return (
        f"!!! 使用未加密的开发签名密钥 {directory} — 仅供开发演示，生产环境必须设置 REGISTRY_KEY_PASSPHRASE !!!\n"
        f"!!! Using an UNENCRYPTED development signing key in {directory}: set REGISTRY_KEY_PASSPHRASE "
        "in production !!!"
    )


def load_key_ring(directory: Path, passphrase: str | None, *, production: bool, create: bool = True) -> KeyRing:
    if production and not passphrase:
        raise KeyError_("生产环境必须设置 REGISTRY_KEY_PASSPHRASE / production requires REGISTRY_KEY_PASSPHRASE")
    with _locked(directory):
        if not (directory / "active").exists():
            if not create:
                raise KeyError_(f"no signing key in {directory}: run `registry keys rotate`")
            kid = _write_new_key(directory, passphrase)
            log.info("generated signing key", kid=kid)
        kid = (directory / "active").read_text().strip()
        pem = (directory / f"{kid}.key.pem").read_bytes()
        try:
            private = load_pem_private_key(pem, passphrase.encode() if passphrase else None)
        except (TypeError, ValueError) as exc:
            raise KeyError_(f"cannot unlock signing key {kid}: wrong or missing REGISTRY_KEY_PASSPHRASE") from exc
        if not isinstance(private, Ed25519PrivateKey):
            raise KeyError_(f"signing key {kid} is not Ed25519")
        public: dict[str, Ed25519PublicKey] = {}
        for path in directory.glob("*.pub.pem"):
            key = load_pem_public_key(path.read_bytes())
            if isinstance(key, Ed25519PublicKey):
                public[thumbprint(public_jwk(key))] = key
    return KeyRing(kid, private, public)


def rotate(directory: Path, passphrase: str | None, *, production: bool) -> str:
    """New active key; the old private key is deleted, its public key stays in the JWKS."""
    if production and not passphrase:
        raise KeyError_("生产环境必须设置 REGISTRY_KEY_PASSPHRASE / production requires REGISTRY_KEY_PASSPHRASE")
    with _locked(directory):
        old = (directory / "active").read_text().strip() if (directory / "active").exists() else None
        kid = _write_new_key(directory, passphrase)
        if old:
            (directory / f"{old}.key.pem").unlink(missing_ok=True)
    return kid

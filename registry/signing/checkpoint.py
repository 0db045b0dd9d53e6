"""Log checkpoints as C2SP signed notes (c2sp.org/tlog-checkpoint, c2sp.org/signed-note), so the
witnesses and monitors of the Go transparency ecosystem can read them without our code. Pure.

    <origin>\\n<tree size>\\n<base64 root hash>\\n\\n— <key name> <base64(key hash[4] || signature)>\\n

The Ed25519 key hash is the first 4 bytes of SHA-256(key name || 0x0A || 0x01 || public key).
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

_DASH = "\u2014"


class InvalidNote(ValueError):
    pass


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    tree_size: int
    root_hash: bytes

    def body(self) -> str:
        return f"{self.origin}\n{self.tree_size}\n{base64.b64encode(self.root_hash).decode()}\n"


def key_hash(name: str, public: Ed25519PublicKey) -> bytes:
    raw = public.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return hashlib.sha256(name.encode() + b"\n\x01" + raw).digest()[:4]


def vkey(name: str, public: Ed25519PublicKey) -> str:
    """The verifier key string (``<name>+<hex key hash>+<base64(0x01 || key)>``) monitors configure."""
    typed = b"\x01" + public.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return f"{name}+{key_hash(name, public).hex()}+{base64.b64encode(typed).decode()}"


def sign_note(checkpoint: Checkpoint, name: str, private: Ed25519PrivateKey) -> str:
    body = checkpoint.body()
    signature = key_hash(name, private.public_key()) + private.sign(body.encode())
    return f"{body}\n{_DASH} {name} {base64.b64encode(signature).decode()}\n"


def open_note(note: str, name: str, public: Ed25519PublicKey) -> Checkpoint:
    """The checkpoint of a signed note carrying a valid signature by (name, public)."""
    body, sep, signatures = note.partition("\n\n")
    if not sep:
        raise InvalidNote("no blank line between the note and its signatures")
    body += "\n"
    wanted = key_hash(name, public)
    for line in signatures.splitlines():
        parts = line.split(" ")
        if len(parts) != 3 or parts[0] != _DASH or parts[1] != name:
            continue
        try:
            raw = base64.b64decode(parts[2], validate=True)
        except ValueError:
            continue
        if raw[:4] != wanted:
            continue
        try:
            public.verify(raw[4:], body.encode())
        except InvalidSignature as exc:
            raise InvalidNote("bad signature") from exc
        lines = body.split("\n")
        if len(lines) < 4 or not lines[1].isdigit():
            raise InvalidNote("not a checkpoint")
        return Checkpoint(lines[0], int(lines[1]), base64.b64decode(lines[2]))
    raise InvalidNote(f"no signature by {name}")

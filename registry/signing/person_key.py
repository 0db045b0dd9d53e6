"""The key of the keyed hash that stands in for resident id numbers (GB 11643).

Lose it and no stored person can be found again by id number; change it and every hash must be
recomputed. Production must supply it (``REGISTRY_PERSON_ID_KEY``, 32+ bytes hex); development
keeps a generated one beside the signing keys.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def load_person_id_key(directory: Path, configured: str | None, *, production: bool) -> bytes:
    if configured:
        key = bytes.fromhex(configured)
        if len(key) < 32:
            raise RuntimeError("REGISTRY_PERSON_ID_KEY must be at least 32 bytes (64 hex characters)")
        return key
    if production:
        raise RuntimeError("生产环境必须设置 REGISTRY_PERSON_ID_KEY / production requires REGISTRY_PERSON_ID_KEY")
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = directory / "person-id.key"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return bytes.fromhex(path.read_text().strip())
    with os.fdopen(fd, "w") as f:
        f.write(secrets.token_hex(32))
    return bytes.fromhex(path.read_text().strip())

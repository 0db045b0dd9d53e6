"""The demo credentials file, ``var/demo-credentials.json`` by default: the one stable source of the
demo accounts' secrets, readable by its owner only (mode 600).

It sits beside the keys folder (``REGISTRY_KEYS_DIR``, default ``var/keys``), so a test or a
deployment that moves its keys moves it too. ``registry demo`` writes it; ``registry accounts
token NAME`` and the walkthrough (docs/walkthrough.sh) read it. Shape::

    {"note": "...", "accounts": {"demo-erqi": {"client_secret": "...", "role": "bureau", ...}}}
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from registry.demo.accounts import DEMO_ACCOUNTS
from registry.domain.accounts.service import NewAccount
from registry.settings import Settings

FILE_NAME = "demo-credentials.json"
NOTE = (
    "演示账号的密钥，仅供本机试用 / secrets of the demo accounts, for trying the service on this machine only. "
    "A bearer token: registry accounts token CLIENT_ID. Kept across `registry demo` runs; delete the file "
    "and run `registry demo` again for new secrets."
)


class CredentialsUnreadable(Exception):
    """The file exists but is not what ``registry demo`` writes."""


def credentials_path(settings: Settings) -> Path:
    return settings.keys.directory.parent / FILE_NAME


def read_secrets(path: Path) -> dict[str, str]:
    """client_id -> client_secret; empty when the file does not exist."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return {cid: str(entry["client_secret"]) for cid, entry in data["accounts"].items()}
    except FileNotFoundError:
        return {}
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise CredentialsUnreadable(
            f"{path} 不是 registry demo 写的凭据文件 / is not a demo credentials file ({exc!r}); "
            "move it away and run `registry demo` again"
        ) from exc


def write_credentials(path: Path, accounts: Sequence[NewAccount]) -> None:
    """Write the file whole (a temporary file renamed over it), mode 600 from its creation."""
    specs = {spec.client_id: spec for spec in DEMO_ACCOUNTS}
    entries: dict[str, Any] = {}
    for account in accounts:
        spec = specs[account.client_id]
        entries[account.client_id] = {
            "client_secret": account.client_secret,
            "role": spec.role,
            "kind": spec.kind,
            "authority": {"level": spec.level, "division": spec.division} if spec.role == "bureau" else None,
            "department": spec.department,
            "name": spec.name,
            "may": spec.may,
        }
    path.parent.mkdir(parents=True, exist_ok=True)
    scratch = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump({"note": NOTE, "accounts": entries}, out, ensure_ascii=False, indent=2)
        out.write("\n")
    os.chmod(scratch, 0o600)  # whatever the umask
    scratch.replace(path)

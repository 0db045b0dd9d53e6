"""The demo credentials file: owner-only from its creation, read back as written, refused when
it is not what `registry demo` writes."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from registry.demo.accounts import DEMO_ACCOUNTS
from registry.demo.credentials import CredentialsUnreadable, read_secrets, write_credentials
from registry.domain.accounts.service import NewAccount


def _accounts(secret: str) -> list[NewAccount]:
    return [NewAccount(a.client_id, f"{secret}-{a.client_id}", a.role, a.name) for a in DEMO_ACCOUNTS]


def test_written_owner_only_whatever_the_umask_and_read_back(tmp_path: Path) -> None:
    path = tmp_path / "var" / "demo-credentials.json"
    old = os.umask(0)
    try:
        write_credentials(path, _accounts("s1"))
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    secrets = read_secrets(path)
    assert secrets["demo-erqi-b"] == "s1-demo-erqi-b"
    assert set(secrets) == {a.client_id for a in DEMO_ACCOUNTS}
    entry = json.loads(path.read_text(encoding="utf-8"))["accounts"]["demo-erqi"]
    assert entry["authority"] == {"level": "county", "division": "410103"}
    assert entry["may"]
    # written again over a file someone opened up: owner-only again, nothing left beside it
    path.chmod(0o644)
    write_credentials(path, _accounts("s2"))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert read_secrets(path)["demo-admin"] == "s2-demo-admin"
    assert [p.name for p in path.parent.iterdir()] == [path.name]


def test_a_missing_file_holds_no_secrets_and_a_foreign_one_is_refused(tmp_path: Path) -> None:
    assert read_secrets(tmp_path / "absent.json") == {}
    for text in ("not json", '{"accounts": {"demo-admin": {}}}', "[1, 2]"):
        (tmp_path / "bad.json").write_text(text, encoding="utf-8")
        with pytest.raises(CredentialsUnreadable, match="registry demo"):
            read_secrets(tmp_path / "bad.json")

"""`registry accounts create --kind officer` gives a person a first console password, and
`registry accounts reset-password` a new one; machine and partner accounts get none."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from registry.domain.accounts.passwords import SignInRefused
from registry.domain.container import build_services
from registry.settings import DatabaseSettings, KeySettings, Settings
from tests.integration.test_cli import registry


async def test_officer_accounts_get_a_first_password_to_change(tmp_path: Path) -> None:
    database = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    registry(database, tmp_path, "db", "upgrade")
    made = json.loads(
        registry(
            database,
            tmp_path,
            "accounts",
            "create",
            "--role",
            "bureau",
            "--kind",
            "officer",
            "--name",
            "赵六",
            "--level",
            "county",
            "--division",
            "410103",
            "--client-id",
            "zhaoliu",
            "--json",
        ).stdout
    )
    assert made["client_id"] == "zhaoliu"
    assert len(made["first_password"]) >= 16
    machine = json.loads(
        registry(
            database, tmp_path, "accounts", "create", "--role", "bureau", "--name", "接口", "--level", "county",
            "--division", "410103", "--json",
        ).stdout
    )  # fmt: skip
    assert "first_password" not in machine
    reset = registry(database, tmp_path, "accounts", "reset-password", "zhaoliu").stdout
    second = reset.rsplit(": ", 1)[1].strip()
    assert second != made["first_password"]

    services = build_services(
        Settings(database=DatabaseSettings(url=database), keys=KeySettings(directory=tmp_path / "keys"))
    )
    try:
        with pytest.raises(SignInRefused):  # the reset replaced the first password
            await services.console.sign_in("zhaoliu", made["first_password"])
        signed = await services.console.sign_in("zhaoliu", second)
        assert signed.must_change
        assert signed.name == "赵六"
        assert signed.area_code == "410103"
        with pytest.raises(SignInRefused):  # a machine account never signs in to the console
            await services.console.sign_in(machine["client_id"], machine["client_secret"])
    finally:
        await services.close()

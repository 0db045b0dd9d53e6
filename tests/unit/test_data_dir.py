"""Where the database and keys live by default: one place whatever the working directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from registry.settings import Settings, data_dir, project_root

ROOT = Path(__file__).resolve().parents[2]


def test_the_default_is_the_checkouts_var_folder_from_any_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    settings = Settings.from_env({})
    assert settings.data_dir == ROOT / "var"
    assert settings.database.url == f"sqlite+aiosqlite:///{ROOT / 'var' / 'registry.db'}"
    assert settings.keys.directory == ROOT / "var" / "keys"


def test_the_setting_is_made_absolute_once_and_the_explicit_ones_still_win(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    settings = Settings.from_env({"REGISTRY_DATA_DIR": "data"})
    assert settings.data_dir == tmp_path / "data"
    assert settings.database.url == f"sqlite+aiosqlite:///{tmp_path / 'data' / 'registry.db'}"
    assert settings.keys.directory == tmp_path / "data" / "keys"
    explicit = Settings.from_env(
        {"REGISTRY_DATA_DIR": "data", "REGISTRY_DATABASE_URL": "postgresql+asyncpg://x/y", "REGISTRY_KEYS_DIR": "/k"}
    )
    assert (explicit.database.url, explicit.keys.directory) == ("postgresql+asyncpg://x/y", Path("/k"))


def test_an_installed_package_uses_the_users_data_folder(tmp_path: Path) -> None:
    site = tmp_path / "site-packages"  # no pyproject.toml beside the package
    site.mkdir()
    assert project_root(site) is None
    assert project_root(ROOT) == ROOT
    assert data_dir(None, {"XDG_DATA_HOME": str(tmp_path / "xdg")}, site) == tmp_path / "xdg" / "registry"
    assert data_dir(None, {"HOME": str(tmp_path)}, site) == tmp_path / ".local" / "share" / "registry"

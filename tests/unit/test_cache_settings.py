"""The answer caches' bounds are settings (issue 22, memory of a worker): read from the environment,
and handed to the services that keep the answers."""

from __future__ import annotations

from pathlib import Path

from registry.domain.container import build_services
from registry.settings import CacheSettings, DatabaseSettings, KeySettings, Settings


def test_the_cache_sizes_default_to_the_documented_bounds_and_are_read_from_the_environment() -> None:
    assert Settings.from_env({}).caches == CacheSettings(status_answers=100_000, public_answers=20_000)
    env = {"REGISTRY_STATUS_CACHE_SIZE": "5000", "REGISTRY_PUBLIC_CACHE_SIZE": "700"}
    assert Settings.from_env(env).caches == CacheSettings(status_answers=5000, public_answers=700)
    documented = (Path(__file__).parents[2] / "docs" / "operations.md").read_text(encoding="utf-8")
    assert "`REGISTRY_STATUS_CACHE_SIZE`, `REGISTRY_PUBLIC_CACHE_SIZE` | `100000`, `20000`" in documented


async def test_the_services_keep_at_most_the_sizes_set(tmp_path: Path) -> None:
    settings = Settings(
        database=DatabaseSettings(url=f"sqlite+aiosqlite:///{tmp_path / 'r.db'}"),
        keys=KeySettings(directory=tmp_path / "keys", passphrase="t", person_id_key="22" * 32),
        caches=CacheSettings(status_answers=12, public_answers=34),
    )
    services = build_services(settings)
    try:
        assert (services.partners.cache_size, services.disclosure.cache_size) == (12, 34)
    finally:
        await services.close()

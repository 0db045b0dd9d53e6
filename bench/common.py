"""What every benchmark builds the same way: the services over a given database."""

from __future__ import annotations

from pathlib import Path

from registry.domain.container import Services, build_services
from registry.settings import DatabaseSettings, KeySettings, Settings


def bench_services(url: str, keys: Path = Path("var/bench/keys")) -> Services:
    """Services over ``url`` with a fixed bench key set and quiet logs."""
    settings = Settings(
        database=DatabaseSettings(url=url),
        keys=KeySettings(directory=keys, passphrase="bench", person_id_key="22" * 32),
        log_level="ERROR",
    )
    return build_services(settings)

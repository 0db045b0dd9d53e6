"""The test-only clock file: what it reads, when it is refused, and that services use it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from registry.lib.clock import today
from registry.lib.test_clock import FileClock, parse
from registry.settings import Settings

SYSTEM = dt.datetime(2026, 12, 7, 4, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", SYSTEM),
        ("  \n", SYSTEM),
        ("+10d", SYSTEM + dt.timedelta(days=10)),
        ("-3h", SYSTEM - dt.timedelta(hours=3)),
        ("90m\n", SYSTEM + dt.timedelta(minutes=90)),
        ("+30s", SYSTEM + dt.timedelta(seconds=30)),
        ("86400", SYSTEM + dt.timedelta(days=1)),
        ("1.5d", SYSTEM + dt.timedelta(hours=36)),
        ("2027-01-01T00:00:00Z", dt.datetime(2027, 1, 1, tzinfo=dt.UTC)),
        ("2027-01-01T08:00:00+08:00", dt.datetime(2027, 1, 1, tzinfo=dt.UTC)),
    ],
)
def test_the_file_says_an_offset_or_an_instant(text: str, expected: dt.datetime) -> None:
    assert parse(text, SYSTEM) == expected


@pytest.mark.parametrize("text", ["tomorrow", "+10 weeks", "2027-01-01T00:00:00", "2027-13-01T00:00:00Z"])
def test_what_the_file_cannot_mean_is_refused_loudly(text: str) -> None:
    with pytest.raises(ValueError, match="test clock file"):
        parse(text, SYSTEM)


def test_the_file_is_read_on_every_call(tmp_path: Path) -> None:
    file = tmp_path / "clock"
    clock = FileClock(file)
    before = dt.datetime.now(dt.UTC)
    assert before <= clock.now() <= dt.datetime.now(dt.UTC)  # no file: the system time
    file.write_text("+20d")
    moved = clock.now()
    assert moved - before >= dt.timedelta(days=20)
    assert moved - before < dt.timedelta(days=20, minutes=5)
    file.write_text("2030-06-01T16:30:00Z")
    assert clock.now() == dt.datetime(2030, 6, 1, 16, 30, tzinfo=dt.UTC)
    assert today(clock) == dt.date(2030, 6, 2)  # the Beijing date
    file.write_text("")
    assert clock.now() - dt.datetime.now(dt.UTC) < dt.timedelta(seconds=5)


def test_refused_at_start_without_test_mode(tmp_path: Path) -> None:
    path = str(tmp_path / "clock")
    with pytest.raises(ValueError, match="REGISTRY_TEST_MODE=1"):
        Settings.from_env({"REGISTRY_TEST_CLOCK_FILE": path})
    with pytest.raises(ValueError, match="tests only"):
        Settings.from_env({"REGISTRY_TEST_CLOCK_FILE": path, "REGISTRY_TEST_MODE": "0"})
    with pytest.raises(ValueError, match="never runs in production"):
        Settings.from_env({"REGISTRY_TEST_CLOCK_FILE": path, "REGISTRY_TEST_MODE": "1", "REGISTRY_ENV": "production"})
    assert Settings.from_env({}).test_clock_file is None
    assert Settings.from_env({"REGISTRY_TEST_MODE": "1"}).test_clock_file is None


def test_the_services_clock_reads_the_file(tmp_path: Path) -> None:
    from registry.domain.container import build_services

    file = tmp_path / "clock"
    file.write_text("2031-03-04T05:06:07Z")
    settings = Settings.from_env(
        {
            "REGISTRY_TEST_CLOCK_FILE": str(file),
            "REGISTRY_TEST_MODE": "1",
            "REGISTRY_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/r.db",
            "REGISTRY_KEYS_DIR": str(tmp_path / "keys"),
        }
    )
    services = build_services(settings)
    assert services.clock.now() == dt.datetime(2031, 3, 4, 5, 6, 7, tzinfo=dt.UTC)
    assert services.listings.clock is services.clock

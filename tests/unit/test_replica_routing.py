"""Where a routed read goes (registry.db.replica): the pure decisions and the header's rule."""

from __future__ import annotations

import pytest

from registry.db.replica import MAX_SEQ, may_cache, parse_min_seq, route
from registry.errors import ValidationFailed


def test_without_a_replica_or_with_it_down_every_read_goes_to_the_primary() -> None:
    assert route(None, None) == "primary"
    assert route(5, None) == "primary"


def test_the_replica_serves_what_it_has_replayed_and_nothing_newer() -> None:
    assert route(None, 0) == "replica"  # no seq seen: any replica answer will do
    assert route(7, 7) == "replica"
    assert route(6, 7) == "replica"
    assert route(8, 7) == "primary"  # the client saw seq 8: the replica (at 7) would answer older
    assert route(0, 0) == "replica"


def test_an_answer_from_a_lagging_replica_is_not_kept_as_current() -> None:
    assert may_cache(None, 42)  # the primary's
    assert may_cache(42, 42)
    assert may_cache(43, 42)
    assert not may_cache(41, 42)


def test_the_min_seq_header_is_a_whole_number_or_absent() -> None:
    assert parse_min_seq(None) is None
    assert parse_min_seq(b"") is None
    assert parse_min_seq(b" 12 ") == 12
    assert parse_min_seq("0") == 0
    assert parse_min_seq(str(MAX_SEQ).encode()) == MAX_SEQ


@pytest.mark.parametrize("raw", [b"-1", b"1.5", b"abc", b"0x10", str(MAX_SEQ + 1).encode(), "١٢".encode()])
def test_a_bad_min_seq_is_refused_naming_the_header(raw: bytes) -> None:
    with pytest.raises(ValidationFailed) as caught:
        parse_min_seq(raw)
    [problem] = caught.value.problems
    assert problem.field == "X-Registry-Min-Seq"
    assert problem.code == "not_a_seq"


def test_the_read_url_comes_from_the_environment_and_needs_postgresql() -> None:
    from registry.db.engine import Database
    from registry.settings import DatabaseSettings, Settings

    replica = "postgresql+asyncpg://registry@replica.example:5432/registry"
    assert Settings.from_env({"REGISTRY_DATABASE_READ_URL": replica}).database.read_url == replica
    assert Settings.from_env({}).database.read_url is None
    with pytest.raises(ValueError, match="REGISTRY_DATABASE_READ_URL"):
        Database(DatabaseSettings(url="sqlite+aiosqlite:///:memory:", read_url=replica))
    db = Database(DatabaseSettings(url="postgresql+asyncpg://registry@primary.example/registry", read_url=replica))
    assert db.replica is not None
    assert db.replica.engine.url.host == "replica.example"
    assert Database(DatabaseSettings(url="postgresql+asyncpg://registry@primary.example/registry")).replica is None

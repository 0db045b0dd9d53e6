"""The PostgreSQL settings the docs recommend are the ones the benches measure with."""

from __future__ import annotations

from pathlib import Path

from bench.pg_cluster import SETTINGS, options, settings_table

ROOT = Path(__file__).resolve().parents[2]


def test_operations_doc_carries_the_bench_clusters_settings() -> None:
    doc = (ROOT / "docs/operations.md").read_text(encoding="utf-8")
    assert "## PostgreSQL settings for a 24 GB machine" in doc
    assert settings_table() in doc


def test_every_setting_has_a_reason_and_reaches_the_server_command_line() -> None:
    for name, (value, why) in SETTINGS.items():
        assert value, name
        assert len(why) > 20, name
        assert f"-c {name}={value}" in options()

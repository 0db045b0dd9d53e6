"""``registry rules reevaluate`` as run: worker processes, the first-run note, an interrupted run
resumed with ``--resume``, and the changed decisions counted per county."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from tests.integration.test_cli import database, registry, rows  # noqa: F401 - the fixture

NOW = dt.datetime(2026, 11, 26, 4, tzinfo=dt.UTC)
UNITS = [(f"91{d}{n:09d}X", d) for n, d in enumerate(["650102"] * 4 + ["650103"] * 2)]


def _run_id(out: str) -> int:
    found = re.search(r"^run (\d+)", out, re.MULTILINE)
    assert found is not None, out
    return int(found.group(1))


async def test_reevaluate_resumes_and_counts_changes_per_county(database: str, tmp_path: Path) -> None:  # noqa: F811
    registry(database, tmp_path, "db", "upgrade")
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(database)
    async with engine.begin() as conn:
        for n, (uscc, division) in enumerate(UNITS):
            await conn.execute(
                text(
                    "INSERT INTO enterprises (uscc, name, division_code, reg_division, industry, scale, status,"
                    " flags, version, data_version, created_at, updated_at) VALUES (:u, :n, :d, :d, 'machinery',"
                    " 'above_scale', 'active', '[]', 1, 0, :t, :t)"
                ),
                {"u": uscc, "n": f"单位{n}有限公司", "d": division, "t": NOW},
            )
    first = registry(database, tmp_path, "rules", "reevaluate", "--workers", "2", "--batch", "2")
    assert "first run" in first.stdout, first.stdout
    assert "units 6  changed 0  stored new 6" in first.stdout
    stopped = registry(database, tmp_path, "rules", "reevaluate", "--batch", "2", "--max-batches", "1")
    assert "--resume" in stopped.stdout, stopped.stdout
    run_id = _run_id(stopped.stdout)
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO authorities (id, division_code, level, name, created_at)"
                " VALUES (990, '650103', 'county', '沙依巴克区应急管理局', :t)"
            ),
            {"t": NOW},
        )
        unit = (await conn.execute(text("SELECT max(id) FROM enterprises WHERE division_code = '650103'"))).scalar()
        await conn.execute(
            text(
                "INSERT INTO credit_events (kind, subject_type, enterprise_id, division_code, occurred_on,"
                " recording_authority_id, source_document, reference_no, details, links, recorded_at, recorded_by)"
                " VALUES ('penalty', 'enterprise', :e, '650103', :o, 990, '文书', 'R1', :d, '[]', :t, 't')"
            ),
            {
                "e": unit,
                "o": dt.date(2026, 6, 1),
                "t": NOW,
                "d": '{"decision_no": "R1", "legal_basis": "《中华人民共和国安全生产法》第一百一十四条第一款第二项",'
                ' "fine_cny": 1000000}',
            },
        )
    await engine.dispose()
    resumed = registry(database, tmp_path, "rules", "reevaluate", "--resume", str(run_id))
    assert f"run {run_id}" in resumed.stdout
    assert "finished" in resumed.stdout, resumed.stdout
    assert "units 6  changed 1  stored new 0" in resumed.stdout, resumed.stdout
    assert re.search(r"^  650103  1$", resumed.stdout, re.MULTILINE), resumed.stdout

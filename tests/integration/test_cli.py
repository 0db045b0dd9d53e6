"""The command line as an operator runs it: a real process, a fresh database of its own.

`registry demo` must leave grades in every state and events of every kind (the rules, reports
and pages read them), loading twice must add nothing, and `registry import events` and
`registry sweep` must do what DESIGN section 6 says on both backends.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from registry.demo.seed import demo_uscc
from registry.domain.events.kinds import KINDS
from registry.domain.grades.workflow import STATUSES
from registry.domain.listings.types import STATUSES as LISTING_STATUSES
from tests.conftest import PG_ADMIN, _pg_database


@pytest.fixture(params=["sqlite", "postgres"])
async def database(request: pytest.FixtureRequest, tmp_path: Path, worker: str) -> AsyncIterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
        return
    name = f"registry_cli_{worker}_{os.getpid()}"
    yield await _pg_database(name)
    conn = await asyncpg.connect(PG_ADMIN)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


def registry(database: str, tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "REGISTRY_DATABASE_URL": database, "REGISTRY_KEYS_DIR": str(tmp / "keys")}
    env.pop("REGISTRY_REDIS_URL", None)
    env.pop("REGISTRY_KEY_PASSPHRASE", None)  # the development key: `demo` says so, once
    done = subprocess.run(
        [sys.executable, "-m", "registry", *args], env=env, capture_output=True, text=True, timeout=600, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done


async def rows(database: str, sql: str) -> list[tuple[object, ...]]:
    engine = create_async_engine(database)
    try:
        async with engine.connect() as conn:
            return [tuple(r) for r in await conn.execute(text(sql))]
    finally:
        await engine.dispose()


async def test_demo_has_grades_and_listings_in_every_state_and_events_of_every_kind(
    database: str, tmp_path: Path
) -> None:
    registry(database, tmp_path, "db", "upgrade")
    loaded = registry(database, tmp_path, "demo")
    assert loaded.stderr.count("UNENCRYPTED development signing key") == 1, loaded.stderr
    statuses = dict(await rows(database, "SELECT status, count(*) FROM grades GROUP BY status"))
    assert set(statuses) == set(STATUSES), statuses
    kinds = dict(await rows(database, "SELECT kind, count(*) FROM credit_events GROUP BY kind"))
    assert set(kinds) == set(KINDS), kinds
    amendments = {a for (a,) in await rows(database, "SELECT amendment FROM credit_events WHERE amendment IS NOT NULL")}
    assert amendments == {"correction", "follow_up", "withdrawal"}
    grades = {g for (g,) in await rows(database, "SELECT accident_grade FROM credit_events WHERE kind = 'accident'")}
    assert {"ordinary", "larger", "major"} <= grades
    steps = dict(await rows(database, "SELECT step, count(*) FROM grade_steps GROUP BY step"))
    assert steps["expiry"] == 1  # the demo's sweep recorded the 2020 grade's end
    assert steps["superseded"] == 1

    listings = dict(await rows(database, "SELECT status, count(*) FROM listings GROUP BY status"))
    assert set(listings) == set(LISTING_STATUSES), listings
    removals = {r for (r,) in await rows(database, "SELECT removal_type FROM listings WHERE status = 'removed'")}
    assert removals == {"expiry", "early", "court", "objection_upheld"}
    frozen = await rows(database, "SELECT count(*) FROM listings WHERE objection_pending")
    assert frozen == [(1,)]
    repairs = {r for (r,) in await rows(database, "SELECT status FROM repair_applications")}
    assert repairs == {"pending", "granted", "revoked"}
    kinds_listed = {k for (k,) in await rows(database, "SELECT list_type FROM listings")}
    assert {"SERIOUS_DISHONEST_2023", "INDUSTRY_BAN", "OCCUPATIONAL_BAN_LIFE"} <= kinds_listed

    count = (
        "SELECT (SELECT count(*) FROM grades), (SELECT count(*) FROM credit_events), (SELECT count(*) FROM listings)"
    )
    before = await rows(database, count)
    credentials = tmp_path / "demo-credentials.json"  # beside the keys folder, owner-only
    assert stat.S_IMODE(credentials.stat().st_mode) == 0o600
    kept = credentials.read_text(encoding="utf-8")
    registry(database, tmp_path, "demo")  # again: the same secrets, no new facts
    assert await rows(database, count) == before
    assert credentials.read_text(encoding="utf-8") == kept

    swept = registry(database, tmp_path, "sweep")
    assert "UNENCRYPTED" not in swept.stderr  # the banner is for `serve` and `demo`, not every command
    assert "0 listings, 0 grades" in swept.stdout  # the demo swept already; a second sweep finds nothing
    assert dict(await rows(database, "SELECT step, count(*) FROM grade_steps GROUP BY step"))["expiry"] == 1


async def test_import_events_reports_bad_rows_and_records_good_ones(database: str, tmp_path: Path) -> None:
    registry(database, tmp_path, "db", "upgrade")
    registry(database, tmp_path, "demo")
    first, eighth = demo_uscc(0, "410103"), demo_uscc(8, "410103")
    csv = tmp_path / "events.csv"
    csv.write_text(
        "事件类别,统一社会信用代码,发生日期,来源文书,死亡人数,重伤人数,直接经济损失（元）,责任事故,简况,"
        "处罚决定书文号,处罚依据,罚款金额（元）\n"
        f"事故,{first},2025-01-02,报告甲,3,0,100,是,物体打击,,,\n"
        f"行政处罚,{eighth},2025-01-03,决定乙,,,,,,二七罚〔2025〕1号,《安全生产法》第九十七条,30000\n"
        f"行政处罚,{eighth},2025-01-03,决定乙,,,,,,二七罚〔2025〕1号,《安全生产法》第九十七条,30000\n"
        f"事故,{first},2099-01-02,报告丙,-1,0,100,是,物体打击,,,\n",
        encoding="utf-8",
    )
    report = tmp_path / "report.json"
    done = registry(database, tmp_path, "import", "events", str(csv), "--authority", "410103", "--report", str(report))
    assert "rows 4  recorded 2  rejected 2" in done.stdout, done.stdout
    import json

    errors = json.loads(report.read_text())["errors"]
    assert {(e["row"], e["code"]) for e in errors} == {(4, "conflict"), (5, "future_date"), (5, "range")}
    recorded = await rows(
        database,
        "SELECT kind, accident_grade FROM credit_events WHERE source_document IN ('报告甲', '决定乙') ORDER BY kind",
    )
    assert recorded == [("accident", "larger"), ("penalty", None)]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
async def test_import_report_as_a_table_neutralises_formulas_from_the_file(
    database: str, tmp_path: Path, suffix: str
) -> None:
    """The row errors echo the uploaded USCC cell: as a table it must not start a formula."""
    import csv as csvlib
    import io
    import json

    from openpyxl import load_workbook

    registry(database, tmp_path, "db", "upgrade")
    hyperlink = '=HYPERLINK("http://evil.example/","详情")'
    upload = tmp_path / "enterprises.csv"
    with upload.open("w", encoding="utf-8", newline="") as fh:
        writer = csvlib.writer(fh)
        writer.writerow(["uscc", "name", "division_code", "industry", "scale"])
        writer.writerow([hyperlink, "=HYPERLINK(名称)", "410103", "machinery", "micro"])
        writer.writerow(["@SUM(A1)", "公式企业有限公司", "410103", "machinery", "micro"])
    report = tmp_path / f"report{suffix}"
    done = registry(database, tmp_path, "import", "enterprises", str(upload), "--report", str(report))
    assert "rejected 2" in done.stdout, done.stdout
    if suffix == ".csv":
        table = list(csvlib.reader(io.StringIO(report.read_text(encoding="utf-8-sig"))))
        header, body = table[0], table[1:]
        rows = [dict(zip(header, r, strict=True)) for r in body]
        assert {r["row"] for r in rows} == {"2", "3"}
    else:
        sheet = load_workbook(report).worksheets[0]
        header = [c.value for c in sheet[1]]
        rows = [dict(zip(header, [c.value for c in r], strict=True)) for r in sheet.iter_rows(min_row=2)]
        assert all(c.data_type != "f" for r in sheet.iter_rows() for c in r)
        assert {r["row"] for r in rows} == {2, 3}  # numbers stay numbers
    assert {r["uscc"] for r in rows} == {"'" + hyperlink, "'@SUM(A1)"}
    # the JSON report keeps the cell as it was (JSON is read by programs, not spreadsheet programs)
    as_json = tmp_path / "report.json"
    registry(database, tmp_path, "import", "enterprises", str(upload), "--report", str(as_json))
    assert {e["uscc"] for e in json.loads(as_json.read_text())["errors"]} == {hyperlink, "@SUM(A1)"}


def _check(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "registry", "rules", "check", *args],
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_rules_check_refuses_a_local_basis_without_jurisdiction_and_a_ban_without_a_statute(tmp_path: Path) -> None:
    """The two structural rules of the legal review (DOMAIN 8.9, 8.1-8.3), each named with its reason."""
    base = (
        "version: '1'\ntitle: t\neffective_from: 2020-01-01\neffective_to: null\nscope: state\ncombine: all\n"
        "rules:\n  - id: X\n    title: x\n    subjects: [enterprise]\n    when: {fact: listed, op: '==', value: true}\n"
    )
    (tmp_path / "local").mkdir()
    (tmp_path / "local" / "1.yaml").write_text(
        "family: local\nlegal_basis: [tianjin_blacklist]\n" + base + "    basis: [tianjin_blacklist]\n    tag: L\n"
        "    then: [{outcome: liability_insurance_surcharge, value: 10, unit: percent}]\n",
        encoding="utf-8",
    )
    (tmp_path / "ban").mkdir()
    (tmp_path / "ban" / "1.yaml").write_text(
        "family: ban\nlegal_basis: [mem11]\n" + base + "    basis: [mem11]\n    tag: C\n"
        "    then: [{outcome: ban_intermediary_5y}]\n",
        encoding="utf-8",
    )
    done = _check("--dir", str(tmp_path))
    assert done.returncode == 1
    assert "ban/1.yaml: rules[0] (X): ban-needs-statute: orders ban_intermediary_5y" in done.stderr
    assert "local/1.yaml: legal_basis: local-basis-needs-jurisdiction" in done.stderr
    assert "local/1.yaml: rules[0] (X): local-basis-needs-jurisdiction" in done.stderr
    assert "rulesets refused: 3 problem(s)" in done.stderr


def test_rules_check_shows_local_packs_and_checks_the_configured_extensions() -> None:
    done = _check(env={"REGISTRY_RULES_LOCAL_PACKS": "shenzhen_incentives=4401"})
    assert done.returncode == 0, done.stderr
    assert "local pack / 地方政策包: 4403; configured: 4401" in done.stdout
    assert "local pack / 地方政策包: 410108" in done.stdout
    refused = _check(env={"REGISTRY_RULES_LOCAL_PACKS": "listing=11"})
    assert refused.returncode == 1
    assert "REGISTRY_RULES_LOCAL_PACKS: 'listing' is national, not a local pack" in refused.stderr


def _elsewhere(folder: Path, data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``registry ARGS`` run from ``folder`` with only REGISTRY_DATA_DIR set (no database URL, no keys dir)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_")}
    env["REGISTRY_DATA_DIR"] = str(data)
    folder.mkdir(exist_ok=True)
    return subprocess.run(
        [sys.executable, "-m", "registry", *args],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _one_line_advice(done: subprocess.CompletedProcess[str], *expected: str) -> None:
    assert done.returncode == 2, (done.returncode, done.stdout, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "Traceback" not in done.stderr
    for words in ("registry db upgrade", *expected):
        assert words in lines[0], lines[0]


def test_a_command_on_a_missing_or_unmigrated_database_says_so_in_one_line_and_creates_nothing(
    tmp_path: Path,
) -> None:
    other, data = tmp_path / "somewhere-else", tmp_path / "data"
    data.mkdir()
    _one_line_advice(_elsewhere(other, data, "sweep"), str(data / "registry.db"))
    assert not list(data.iterdir()), "a database or keys were made for a command that cannot run"
    (data / "registry.db").touch()  # a file with no schema
    _one_line_advice(_elsewhere(other, data, "accounts", "disable", "nobody"), "当前 空")
    _one_line_advice(_elsewhere(other, data, "db", "check"), "当前 空")
    assert [p.name for p in data.iterdir()] == ["registry.db"], "keys were made"
    assert not list(other.iterdir()), "the working directory got files"


def test_commands_from_any_folder_use_the_one_data_directory(tmp_path: Path) -> None:
    data = tmp_path / "data"
    upgraded = _elsewhere(tmp_path / "a", data, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    assert str(data / "registry.db") in upgraded.stdout  # it says where the database is
    made = _elsewhere(tmp_path / "b", data, "accounts", "create", "--role", "admin", "--name", "甲", "--json")
    assert made.returncode == 0, made.stderr
    assert "UNENCRYPTED" not in made.stderr
    client_id = json.loads(made.stdout)["client_id"]
    disabled = _elsewhere(tmp_path / "c", data, "accounts", "disable", client_id)  # the same database
    assert disabled.returncode == 0, disabled.stderr
    assert client_id in disabled.stdout
    assert sorted(p.name for p in data.iterdir()) == ["keys", "registry.db"]
    for folder in ("a", "b", "c"):
        assert not list((tmp_path / folder).iterdir()), f"files in the working directory {folder}"


def test_import_enterprises_with_checking_workers_and_as_a_first_load(database: str, tmp_path: Path) -> None:
    """``--workers 1``: the rows are checked in another process while a batch is written; the
    good rows are stored and the bad one reported all the same (a national load's option)."""
    from bench.make_csv import write

    registry(database, tmp_path, "db", "upgrade")
    upload = tmp_path / "enterprises.csv"
    write(upload, 40, bad=3, division="410103", seed=3)

    def refused(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "registry", "import", "enterprises", str(upload), *args],
            env={**os.environ, "REGISTRY_DATABASE_URL": database, "REGISTRY_KEYS_DIR": str(tmp_path / "keys")},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    # a national first load of the empty register: PostgreSQL only
    first = ["--initial"] if database.startswith("postgresql") else []
    if not first:
        no = refused("--initial")
        assert no.returncode != 0
        assert "PostgreSQL" in no.stdout + no.stderr
    done = registry(database, tmp_path, "import", "enterprises", str(upload), "--workers", "1", *first)
    assert "rows 40  created 37  updated 0  unchanged 0  rejected 3" in done.stdout, done.stdout
    [(count,)] = asyncio_rows(database, "SELECT count(*) FROM enterprises")
    assert count == 37
    no = refused("--workers", "-1")
    assert no.returncode == 2, no.stderr
    assert "--workers" in no.stderr
    if first:  # the register is no longer empty
        no = refused("--initial")
        assert no.returncode != 0
        assert "register_not_empty" in no.stdout + no.stderr or "空登记簿" in no.stdout + no.stderr


def asyncio_rows(database: str, sql: str) -> list[tuple[object, ...]]:
    import asyncio

    return asyncio.run(rows(database, sql))

"""`registry report monthly|targets|credit` as an operator runs it: a real process writes the file
and its signature, the bytes the service gives for the same parameters and --as-of; bad input
exits 2 naming the field. (SQLite only: the figures on both backends are the API tests' job.)"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import openpyxl

from registry.domain.actors import system_actor
from registry.domain.container import build_services
from registry.settings import Settings
from registry.signing import jws

AS_OF = "2026-12-01T00:00:00Z"


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "registry", *args], env=env, capture_output=True, text=True, timeout=300, check=False
    )


async def test_report_file_is_signed_and_the_same_as_the_services(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "REGISTRY_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}",
        "REGISTRY_KEYS_DIR": str(tmp_path / "keys"),
    }
    env.pop("REGISTRY_REDIS_URL", None)
    assert run(env, "db", "upgrade").returncode == 0
    out = tmp_path / "m.xlsx"
    done = run(env, "report", "monthly", "--month", "2026-11", "--division", "410100", "--as-of", AS_OF, "-o", str(out))
    assert done.returncode == 0, done.stderr[-2000:]
    assert "统计等级 / counting grades" in done.stderr
    bad = run(env, "report", "monthly", "--month", "2026-13")
    assert bad.returncode == 2
    assert "month:" in bad.stderr

    services = build_services(Settings.from_env(env))
    try:
        payload = await services.reports.monthly(system_actor("test"), "4101", "2026-11", AS_OF)
        assert services.reports.render(payload, "xlsx").body == out.read_bytes()
        header, signed = jws.verify((tmp_path / "m.xlsx.jws").read_text().strip(), services.keys.public)
    finally:
        await services.close()
    manifest = json.loads(signed)
    assert header["typ"] == "registry-report-file+jws"
    assert manifest["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
    assert (manifest["area"]["prefix"], manifest["period"], manifest["format"]) == ("4101", "2026-11", "xlsx")
    assert openpyxl.load_workbook(out)["月度报表"]["A2"].value == "填报单位：河南省郑州市"

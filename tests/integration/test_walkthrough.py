"""docs/walkthrough.sh, the README's first session, runs literally: a fresh SQLite database with
`registry db upgrade` and `registry demo`, the service on a free port, then the script start to
end with only its documented variables set. Also `registry accounts token` for a non-demo
account (secret on stdin) and its one-line refusal without a secret."""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


@dataclass
class Served:
    base_url: str
    env: dict[str, str]
    tmp: Path


def _cli(env: dict[str, str], *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "registry", *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    tmp = tmp_path_factory.mktemp("walkthrough")
    env = {k: v for k, v in os.environ.items() if k != "REGISTRY_REDIS_URL"}
    env.update(
        REGISTRY_DATABASE_URL=f"sqlite+aiosqlite:///{tmp / 'registry.db'}",
        REGISTRY_KEYS_DIR=str(tmp / "keys"),
        REGISTRY_SWEEP_INTERVAL_SECONDS="0",
        REGISTRY_LOG_LEVEL="ERROR",
        PYTHONPATH=str(ROOT) + os.pathsep + env.get("PYTHONPATH", ""),
    )
    for args in (("db", "upgrade"), ("demo",)):
        done = _cli(env, *args)
        assert done.returncode == 0, done.stderr[-3000:]
    assert str(tmp / "demo-credentials.json") in done.stdout  # says where the secrets are
    assert "demo-erqi-b        bureau officer · county 410103" in done.stdout  # labelled, one per account
    port = _free_port()
    log = (tmp / "serve.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "registry", "serve", "--port", str(port)], cwd=ROOT, env=env, stdout=log, stderr=log
    )
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if httpx.get(base_url + "/health/ready", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.3)
    else:
        proc.kill()
        pytest.fail((tmp / "serve.log").read_text(errors="replace")[-3000:])
    try:
        yield Served(base_url, env, tmp)
    finally:
        proc.terminate()
        proc.wait(timeout=15)
        log.close()


def _untracked() -> set[str]:
    out = subprocess.run(
        ["git", "ls-files", "--others", "--exclude-standard"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    return set(out.stdout.split())


def test_the_walkthrough_runs_start_to_end(served: Served) -> None:
    credentials = served.tmp / "demo-credentials.json"
    assert stat.S_IMODE(credentials.stat().st_mode) == 0o600
    before = _untracked()
    env = {
        **served.env,
        "BASE": served.base_url,
        "BIN": str(BIN),
        "CREDENTIALS": str(credentials),
        "WORK": str(served.tmp / "walk"),
        "ROWS": "1000",
        "BAD": "30",
    }
    done = subprocess.run(
        ["bash", str(ROOT / "docs" / "walkthrough.sh")],
        cwd=served.tmp,  # the script finds the repository itself
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    out = done.stdout
    assert done.returncode == 0, out[-4000:] + done.stderr[-4000:]
    for expected in (
        "'created': 970, 'updated': 0, 'unchanged': 0, 'rejected': 30",  # step 4
        "'created': 0, 'updated': 0, 'unchanged': 970, 'rejected': 30",  # step 5: nothing twice
        "(403, 'outside_jurisdiction')",
        "audit chain intact",
        "['listing/2023#R3', 'listing/2023#R11']",  # the what-if: 11号 case 3 by the art. 114 penalty
        "(422, ['no_rule_decision'])",
        "(409, 'statement_period_running')",
        "(422, ['same_officer'])",
        "('listed', {'decision_no': '二七应急信决〔2026〕40号'",
        "leaf 0 is in the log",
    ):
        assert expected in out, f"{expected!r} not in:\n{out[-6000:]}"
    assert out.count("通过 / OK: signed payload") == 2  # the partner's answer and the public one
    work = served.tmp / "walk"
    assert (work / "me.json").exists()
    # docs/partners.md: the same files checked with PyJWT alone
    example = [sys.executable, str(ROOT / "docs" / "examples" / "verify.py")]
    for args, said in (
        (["answer", "answer.json", "jwks.json"], "OK: signed answer for 91410108MA0000015Y"),
        (["inclusion", "proof.json", "cp.json", "jwks.json"], "OK: leaf 0 is in the log"),
    ):
        checked = subprocess.run([*example, *args], cwd=work, capture_output=True, text=True, check=False)
        assert said in checked.stdout, checked.stdout + checked.stderr
    assert _untracked() <= before  # nothing left in the repository


def test_a_token_for_an_account_from_its_secret_on_stdin(served: Served) -> None:
    made = _cli(served.env, "accounts", "create", "--role", "partner", "--name", "测试部门", "--department", "samr")
    assert made.returncode == 0, made.stderr
    cid = made.stdout.split("client_id:", 1)[1].split()[0]
    secret = made.stdout.split("client_secret:", 1)[1].split()[0]

    refused = _cli(served.env, "accounts", "token", cid)  # not a demo account: no secret to be found
    assert refused.returncode == 2
    assert f"no secret for {cid}" in refused.stderr
    assert "--secret-file -" in refused.stderr

    wrong = _cli(served.env, "accounts", "token", cid, "--secret-file", "-", stdin="not-the-secret\n")
    assert wrong.returncode == 2
    assert "wrong secret" in wrong.stderr

    token = _cli(served.env, "accounts", "token", cid, "--secret-file", "-", stdin=secret + "\n").stdout.strip()
    answer = httpx.get(
        served.base_url + "/api/v1/partner/status/91410108MA0000015Y", headers={"Authorization": f"Bearer {token}"}
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["payload"]["subject"]["known"] is True

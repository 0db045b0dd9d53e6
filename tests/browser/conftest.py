"""Browser tests of the public disclosure pages: the real service in a subprocess, Debian's Chromium.

Each xdist worker (or the single process without xdist) starts its own service on a free
127.0.0.1 port over a fresh SQLite file with the demo data, and its own headless Chromium through
Playwright (``executable_path=/usr/bin/chromium``: no browser is ever downloaded). Screenshots of
every test, and of failures, go to ``var/test-artifacts/browser/`` (git-ignored).

Without Debian's Chromium the tests are skipped with the reason, unless ``CI`` is set, when they
fail: CI can never go green by skipping.
"""

from __future__ import annotations

import fcntl
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from registry.demo.credentials import FILE_NAME, read_secrets

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent if (Path(sys.executable).parent / "registry").exists() else ROOT / ".venv/bin"
REGISTRY = str(VENV_BIN / "registry")
#: Debian's Chromium; REGISTRY_TEST_CHROMIUM points elsewhere (e.g. to check the skip and the CI failure)
CHROMIUM = os.environ.get("REGISTRY_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = ROOT / "var" / "test-artifacts" / "browser"
#: the screenshots committed under docs/ are refreshed only when asked (REGISTRY_UPDATE_SCREENSHOTS=1):
#: they show the time the page was made, so every run would otherwise change them
SCREENSHOTS = (
    ROOT / "docs" / "screenshots"
    if os.environ.get("REGISTRY_UPDATE_SCREENSHOTS") == "1"
    else ROOT / "var" / "test-artifacts" / "browser" / "screenshots"
)
IN_CI = bool(os.environ.get("CI"))
READY_TIMEOUT_S = 60.0
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: drives the public pages in headless Chromium (Playwright)")
    if not hasattr(config, "workerinput"):  # the controller (or a run without xdist): start afresh
        shutil.rmtree(ARTIFACTS, ignore_errors=True)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


# ---- the service --------------------------------------------------------------------------------


@dataclass
class Server:
    base_url: str
    workdir: Path
    #: client_id -> client_secret, from the credentials file ``registry demo`` wrote
    accounts: dict[str, str] = field(default_factory=dict)

    def url(self, path: str) -> str:
        return self.base_url + path


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(workdir: Path, person_id_key: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "REGISTRY_REDIS_URL"}
    env.update(
        REGISTRY_DATABASE_URL=f"sqlite+aiosqlite:///{workdir}/registry.db",
        REGISTRY_KEYS_DIR=str(workdir / "keys"),
        REGISTRY_KEY_PASSPHRASE="test",
        REGISTRY_PERSON_ID_KEY=person_id_key,
        REGISTRY_SWEEP_INTERVAL_SECONDS="0",
        REGISTRY_LOG_LEVEL="ERROR",
        REGISTRY_PUBLIC_RATE_LIMIT="100000",
    )
    return env


def _run(args: list[str], env: dict[str, str], log: Path) -> str:
    done = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=180, check=False)
    log.write_text(f"$ {' '.join(args)}\n{done.stdout}\n--- stderr ---\n{done.stderr}", encoding="utf-8")
    if done.returncode != 0:
        pytest.fail(f"`{' '.join(args)}` exited {done.returncode}:\n{done.stdout}\n{done.stderr}", pytrace=False)
    return done.stdout


def _wait_ready(proc: subprocess.Popen[bytes], base_url: str) -> bool:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            if httpx.get(base_url + "/health/ready", timeout=2).status_code == 200:
                return True
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    return False


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


def _demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The migrated database with the demo data, its keys and the demo output, built once per run.

    Loading the demo takes seconds of CPU; under xdist the first worker builds it (under a lock in
    the run's shared temporary folder) and every worker copies it into a fresh folder of its own.
    """
    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent
    template = shared / "registry-demo-template"
    with (shared / "registry-demo-template.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not (template / "done").exists():
                shutil.rmtree(template, ignore_errors=True)
                template.mkdir()
                key = secrets.token_hex(32)
                env = _env(template, key)
                _run([REGISTRY, "db", "upgrade"], env, template / "upgrade.log")
                _run([REGISTRY, "demo"], env, template / "demo.log")
                (template / "person_id_key").write_text(key)
                (template / "done").touch()
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return template


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The service with the demo data, one per xdist worker, stopped at the end of the session."""
    template = _demo_template(tmp_path_factory)
    workdir = tmp_path_factory.mktemp("registry")
    for db_file in template.glob("registry.db*"):  # with any WAL left behind
        shutil.copy2(db_file, workdir / db_file.name)
    shutil.copytree(template / "keys", workdir / "keys")
    env = _env(workdir, (template / "person_id_key").read_text())
    accounts = read_secrets(template / FILE_NAME)  # beside the keys folder, as `registry demo` wrote it
    for attempt in range(3):  # another process may take the free port between the probe and the bind
        port = _free_port()
        base_url = f"http://127.0.0.1:{port}"
        log = workdir / f"serve-{attempt}.log"
        with log.open("wb") as sink:
            proc = subprocess.Popen(
                [REGISTRY, "serve", "--host", "127.0.0.1", "--port", str(port)],
                cwd=ROOT,
                env=env,
                stdout=sink,
                stderr=subprocess.STDOUT,
            )
        if _wait_ready(proc, base_url):
            break
        _stop(proc)
    else:
        pytest.fail(f"the service did not become ready:\n{log.read_text(errors='replace')[-4000:]}", pytrace=False)
    try:
        yield Server(base_url=base_url, workdir=workdir, accounts=accounts)
    finally:
        _stop(proc)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        shutil.copy2(log, ARTIFACTS / f"serve-{worker}.log")


@pytest.fixture(scope="session")
def http(server: Server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base_url, timeout=30, follow_redirects=False) as client:
        yield client


# ---- the demo data the tests need, found through the bureau API --------------------------------


@dataclass
class Unit:
    uscc: str
    name: str
    #: the listing's list type title, deciding authority and decision number (when decided)
    list_type_title: str = ""
    authority: str = ""
    decision_no: str | None = None


@dataclass
class Demo:
    #: a unit with a published listing in force (严重失信主体名单)
    listed: Unit
    #: units that must show no listing publicly, by why: removed-early, removed-court,
    #: removed-correction, removed-expiry, proposed, notified, dropped, listed-unpublished
    hidden: dict[str, Unit]
    #: the masked id numbers of the listed unit's persons, as the bureau API shows them
    person_masks: list[str]
    #: a listing in force, decided but never published, free of objections and pending steps, that
    #: no other test looks at: the publish-then-remove test changes it (bureau API shape)
    publishable: dict[str, Any] | None = None


def token(http: httpx.Client, server: Server, client_id: str) -> str:
    """A bearer token for a demo account (client credentials)."""
    secret = server.accounts.get(client_id)
    assert secret, f"`registry demo` wrote no secret for {client_id}: {server.accounts}"
    answer = http.post(
        "/api/v1/auth/token",
        data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
    )
    assert answer.status_code == 200, answer.text
    return str(answer.json()["access_token"])


def _all_listings(http: httpx.Client, token: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 200}
        if cursor:
            params["cursor"] = cursor
        page = http.get("/api/v1/listings", params=params, headers={"Authorization": f"Bearer {token}"})
        assert page.status_code == 200, page.text
        body = page.json()
        items.extend(body["items"])
        cursor = body.get("next_cursor")
        if not cursor:
            return items


@pytest.fixture(scope="session")
def demo(http: httpx.Client, server: Server) -> Demo:
    everything = _all_listings(http, token(http, server, "demo-national"))
    by_id = {x["id"]: x for x in everything}
    listings = [x for x in everything if x["subject"].get("uscc")]
    public = {x["subject"]["uscc"] for x in listings if x["status"] == "listed" and x["in_force"] and x["published_on"]}

    def unit(x: dict[str, Any]) -> Unit:
        return Unit(
            uscc=x["subject"]["uscc"],
            name=x["subject"]["name"],
            list_type_title=x["list_type_title"],
            authority=x["deciding_authority"]["name"],
            decision_no=x["decision"]["decision_no"],
        )

    listed_raw = next(
        x
        for x in listings
        if x["status"] == "listed"
        and x["in_force"]
        and x["published_on"]
        and x["list_type"] == "SERIOUS_DISHONEST_2023"
        and x["subject"]["type"] == "enterprise"
    )
    hidden: dict[str, Unit] = {}
    for x in listings:
        if x["subject"]["uscc"] in public:
            continue  # another listing of the unit is public
        removal = (x.get("removal") or {}).get("type")
        why = {
            ("removed", "early"): "removed-early",
            ("removed", "court"): "removed-court",
            ("removed", "review"): "removed-court",
            ("removed", "objection_upheld"): "removed-correction",
            ("removed", "expiry"): "removed-expiry",
            ("proposed", None): "proposed",
            ("notified", None): "notified",
            ("dropped", None): "dropped",
            ("listed", None): "listed-unpublished",
        }.get((x["status"], removal))
        if why and why not in hidden:
            hidden[why] = unit(x)
    unpublished = [x for x in listings if x["status"] == "listed" and x["in_force"] and not x["published_on"]]
    publishable = next((x for x in unpublished if not x["objection_pending"] and x["pending"] is None), None)
    others = [x for x in unpublished if x is not publishable and x["subject"]["uscc"] not in public]
    if publishable is not None and others:  # the hidden case must be a unit the publish test leaves alone
        hidden["listed-unpublished"] = unit(others[0])
    elif publishable is not None and publishable["subject"]["uscc"] in {u.uscc for u in hidden.values()}:
        publishable = None
    related = [by_id[i] for i in listed_raw.get("related", []) if i in by_id]
    masks = [x["subject"]["id_masked"] for x in related if x["subject"].get("id_masked")]
    return Demo(listed=unit(listed_raw), hidden=hidden, person_masks=masks, publishable=publishable)


# ---- the browser --------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        reason = "Debian chromium not installed: apt-get install chromium fonts-noto-cjk"
        if IN_CI:
            pytest.fail(f"{reason} (CI requires it)", pytrace=False)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def _artifact_name(item: pytest.Item) -> str:
    return re.sub(r"[^\w.-]+", "_", item.nodeid.split("::", 1)[-1])[:150]


@dataclass
class Dialogs:
    seen: list[str] = field(default_factory=list)


@pytest.fixture
def dialogs() -> Dialogs:
    return Dialogs()


class _Tabs:
    """One page per viewport, reused from test to test: a new page costs a renderer process (a
    third of a second or more on a busy machine). Each test starts on about:blank with no cookies,
    and a page a test failed on is thrown away."""

    def __init__(self, browser: Any, server: Server) -> None:
        self.browser = browser
        self.server = server
        self.pages: dict[str, Any] = {}
        #: the running test's dialog record (the page's handler writes to it)
        self.dialogs = Dialogs()

    def get(self, viewport: dict[str, int], dialogs: Dialogs) -> Any:
        key = f"{viewport['width']}x{viewport['height']}"
        page = self.pages.get(key)
        if page is None or page.is_closed():
            context = self.browser.new_context(base_url=self.server.base_url, viewport=viewport, locale="zh-CN")
            context.set_default_timeout(10_000)
            page = context.new_page()
            page.on("dialog", self._on_dialog)
            self.pages[key] = page
        self.dialogs = dialogs
        page.context.clear_cookies()
        page.goto("about:blank")
        return page

    def _on_dialog(self, dialog: Any) -> None:  # an alert() means injected script ran
        self.dialogs.seen.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def discard(self, page: Any) -> None:
        self.pages = {k: v for k, v in self.pages.items() if v is not page}
        page.context.close()

    def close(self) -> None:
        for page in self.pages.values():
            page.context.close()


@pytest.fixture(scope="session")
def tabs(browser: Any, server: Server) -> Iterator[_Tabs]:
    pool = _Tabs(browser, server)
    yield pool
    pool.close()


def _finish(request: pytest.FixtureRequest, tabs: _Tabs, page: Any, suffix: str = "") -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    report = getattr(request.node, "report_call", None)
    failed = report is not None and report.failed
    name = ("FAILED-" if failed else "") + _artifact_name(request.node) + suffix
    try:
        if not page.is_closed():
            page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=failed)
            if failed:
                (ARTIFACTS / f"{name}.html").write_text(page.content(), encoding="utf-8")
    except Exception as exc:  # an artefact must never hide the test's own outcome
        print(f"screenshot failed: {exc!r}")
    if failed or report is None or page.is_closed():
        tabs.discard(page)


@pytest.fixture
def page(tabs: _Tabs, dialogs: Dialogs, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A desktop page (1280x900) on the service, on about:blank; a screenshot is saved when the test ends."""
    page = tabs.get(DESKTOP, dialogs)
    yield page
    _finish(request, tabs, page)


@pytest.fixture
def phone_page(tabs: _Tabs, dialogs: Dialogs, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A phone-sized page (390x844)."""
    page = tabs.get(PHONE, dialogs)
    yield page
    _finish(request, tabs, page, "-phone")

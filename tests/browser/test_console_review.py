"""Issue 20's browser scenario: a listing from the first record to the public page, two officers.

Two officers of the demo's 二七区 bureau sign in. The first records an accident and the penalty for
it on a unit with a clean record (the recording forms), proposes the listing the rule decision
orders and sends the notice; the second's decision during the statement period is refused with the
deadline shown; the service's clock is moved past the period (``REGISTRY_TEST_CLOCK_FILE``, test
mode only: this module runs its own server with it); the first cannot approve their own proposal,
the second approves and publishes it, and the public page of the unit shows the listing.
docs/screenshots/console-review.png (with REGISTRY_UPDATE_SCREENSHOTS=1) is the second officer's
review list with the listing waiting.
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from registry.demo.credentials import FILE_NAME, read_secrets
from registry.lib.clock import CST
from tests import factories as f
from tests.browser.conftest import (
    DESKTOP,
    REGISTRY,
    ROOT,
    Server,
    _demo_template,
    _env,
    _free_port,
    _stop,
    _wait_ready,
    token,
)
from tests.browser.test_console_pages import (
    NEW_PASSWORD,
    _change_first_password,
    _cli,
    no_serious_violations,
    shoot,
    sign_in,
)

pytestmark = pytest.mark.browser

STATEMENT_DAYS = 5


@pytest.fixture(scope="module")
def clocked(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Path]]:
    """The service with the demo data and a clock this test moves (its own, module-scoped)."""
    import shutil

    template = _demo_template(tmp_path_factory)
    workdir = tmp_path_factory.mktemp("registry-clocked")
    for db_file in template.glob("registry.db*"):
        shutil.copy2(db_file, workdir / db_file.name)
    shutil.copytree(template / "keys", workdir / "keys")
    clock_file = workdir / "clock"
    clock_file.write_text("")
    env = _env(workdir, (template / "person_id_key").read_text())
    env.update(
        REGISTRY_TEST_MODE="1",
        REGISTRY_TEST_CLOCK_FILE=str(clock_file),
        REGISTRY_LISTING_STATEMENT_DAYS=str(STATEMENT_DAYS),
    )
    port = _free_port()
    log = workdir / "serve.log"
    with log.open("wb") as sink:
        proc = subprocess.Popen(
            [REGISTRY, "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    base_url = f"http://127.0.0.1:{port}"
    if not _wait_ready(proc, base_url):
        _stop(proc)
        pytest.fail(f"the service did not become ready:\n{log.read_text(errors='replace')[-4000:]}", pytrace=False)
    try:
        yield Server(base_url=base_url, workdir=workdir, accounts=read_secrets(template / FILE_NAME)), clock_file
    finally:
        _stop(proc)


def refused_without_test_mode(server: Server) -> None:
    """The clock file alone (no REGISTRY_TEST_MODE) stops the start with one line of advice."""
    env = {**_env(server.workdir, "00" * 32), "REGISTRY_TEST_CLOCK_FILE": str(server.workdir / "clock")}
    env.pop("REGISTRY_TEST_MODE", None)
    done = subprocess.run(
        [REGISTRY, "serve", "--host", "127.0.0.1", "--port", str(_free_port())],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode != 0
    assert "REGISTRY_TEST_MODE=1" in done.stdout + done.stderr


def record(page: Any, uscc: str, kind: str, values: dict[str, str], checks: tuple[str, ...] = ()) -> str:
    """An event through the recording form and its confirmation: the id the file shows."""
    page.goto(f"/console/enterprises/{uscc}/record?kind={kind}")
    for name, value in values.items():
        page.locator(f'[id="{name}"]').fill(value)
    for name in checks:
        page.locator(f'[id="{name}"]').check()
    with page.expect_navigation():
        page.locator("#record-form button[type=submit]").click()
    expect(page.locator("#confirm")).to_be_visible()
    with page.expect_navigation():
        page.locator("#confirm-button").click()
    recorded = page.locator("#recorded")
    expect(recorded).to_be_visible()
    found = re.search(r"\d+", recorded.inner_text())
    assert found, recorded.inner_text()
    return found.group(0)


def listing_step(page: Any, listing_url: str, action: str, values: dict[str, str] | None = None) -> None:
    """Open a step from the listing page, fill it, go to the confirmation (not confirmed yet)."""
    page.goto(listing_url)
    with page.expect_navigation():
        page.locator(f"#actions a[href$='/{action}']").click()
    for name, value in (values or {}).items():
        page.locator(f'[id="{name}"]').fill(value)
    with page.expect_navigation():
        page.locator("#step-form button[type=submit]").click()


def confirm(page: Any) -> None:
    expect(page.locator("#confirm")).to_be_visible()
    with page.expect_navigation():
        page.locator("#confirm-button").click()


def test_a_listing_from_the_first_record_to_the_public_page(clocked: tuple[Server, Path], browser: Any) -> None:
    server, clock_file = clocked
    refused_without_test_mode(server)
    for name in ("demo-erqi", "demo-erqi-b"):
        out = _cli(server, "accounts", "reset-password", name)
        _change_first_password(server, name, out.rsplit(": ", 1)[1].strip())
    # a unit with a clean record, registered by the bureau (the register pages are another issue's)
    unit = f.enterprise("410103")
    with httpx.Client(base_url=server.base_url, timeout=30) as http:
        bearer = token(http, server, "demo-erqi")
        made = http.post("/api/v1/enterprises", json=unit, headers={"Authorization": f"Bearer {bearer}"})
        assert made.status_code == 201, made.text
    uscc = unit["uscc"]
    today = dt.datetime.now(CST).date()

    first_ctx = browser.new_context(base_url=server.base_url, viewport=DESKTOP, locale="zh-CN")
    second_ctx = browser.new_context(base_url=server.base_url, viewport=DESKTOP, locale="zh-CN")
    try:
        first, second = first_ctx.new_page(), second_ctx.new_page()
        for p in (first, second):
            p.set_default_timeout(15_000)
        sign_in(first, "demo-erqi", NEW_PASSWORD)
        sign_in(second, "demo-erqi-b", NEW_PASSWORD)

        first.goto(f"/console/enterprises/{uscc}")
        expect(first.locator("#unit-name")).to_have_text(unit["name"])
        accident = record(
            first,
            uscc,
            "accident",
            {
                "occurred_on": str(today - dt.timedelta(days=40)),
                "source_document": "郑州市二七区事故调查报告（浏览器测试）",
                "details.deaths": "12",
                "details.serious_injuries": "0",
                "details.direct_loss_cny": "25000000",
                "details.summary": "车间粉尘爆炸（浏览器测试）",
            },
            checks=("details.responsible",),
        )
        record(
            first,
            uscc,
            "penalty",
            {
                "occurred_on": str(today - dt.timedelta(days=10)),
                "source_document": "（郑二应急）应急罚〔浏览器〕1号",
                "links": accident,
                "details.decision_no": "（郑二应急）应急罚〔浏览器〕1号",
                "details.legal_basis": "《中华人民共和国安全生产法》第一百一十四条第一款第二项",
                "details.fine_cny": "1000000",
            },
        )

        # the listing the rule decision orders: proposed, then the notice
        first.goto(f"/console/enterprises/{uscc}")
        with first.expect_navigation():
            first.locator("#propose-link").click()
        expect(first.locator("#propose-form")).to_contain_text("应急管理部令第11号")
        with first.expect_navigation():
            first.locator("#propose-button").click()
        expect(first.locator("#done")).to_contain_text("已提议列入")
        listing_url = first.url.split("?")[0]
        listing_step(first, listing_url, "notify", {"notice_no": "郑二应急告〔浏览器〕1号"})
        confirm(first)
        expect(first.locator("#done")).to_contain_text("告知当事人")
        deadline = today + dt.timedelta(days=STATEMENT_DAYS)

        # the second officer, during the statement period: refused, the deadline shown
        listing_step(second, listing_url, "approve", {"decision_no": "郑二应急信决〔浏览器〕1号"})
        confirm(second)
        refusal = second.locator("#refusal")
        expect(refusal).to_contain_text(f"陈述申辩期至 {deadline}")

        # the clock moves past the period (sessions end with it: both sign in again)
        clock_file.write_text(f"+{STATEMENT_DAYS + 1}d")
        sign_in(first, "demo-erqi", NEW_PASSWORD)
        sign_in(second, "demo-erqi-b", NEW_PASSWORD)
        expect(second.locator("h1")).to_contain_text(str(deadline + dt.timedelta(days=1)))

        # the first officer never sees their own proposal to approve, and cannot approve it
        first.goto("/console/review?kind=approvals")
        expect(first.locator(f"#review-approvals a[href='{listing_url.split(server.base_url)[-1]}']")).to_have_count(0)
        listing_step(first, listing_url, "approve", {"decision_no": "郑二应急信决〔浏览器〕1号"})
        confirm(first)
        expect(first.locator("#refusal")).to_contain_text("另一名工作人员")

        # the second officer's review list shows it waiting; approved from there
        path = listing_url.split(server.base_url)[-1]
        with second.expect_navigation():
            second.locator(".console-nav a[href='/console/review']").click()
        waiting = second.locator(f"#review-approvals a[href='{path}']")
        expect(waiting).to_have_count(1)
        no_serious_violations(second)
        shoot(second, "console-review")
        with second.expect_navigation():
            waiting.click()
        listing_step(second, listing_url, "approve", {"decision_no": "郑二应急信决〔浏览器〕1号"})
        expect(second.locator("#follows")).to_contain_text("联合惩戒措施")
        confirm(second)
        expect(second.locator("#done")).to_contain_text("批准")
        expect(second.locator(".listing .badge.listed")).to_be_visible()
        listing_step(second, listing_url, "publish")
        second.locator("#step-form input[name=channels]").first.check()
        with second.expect_navigation():
            second.locator("#step-form button[type=submit]").click()
        confirm(second)
        expect(second.locator("#done")).to_contain_text("公示")

        # the public page of the unit shows the listing
        public = second_ctx.new_page()
        public.goto(f"/enterprises/{uscc}")
        expect(public.locator("body")).to_contain_text("郑二应急信决〔浏览器〕1号")
        expect(public.locator("body")).to_contain_text("严重失信")
    finally:
        first_ctx.close()
        second_ctx.close()
        clock_file.write_text("")

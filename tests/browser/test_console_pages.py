"""The bureau console (/console/) in headless Chromium, as officers use it.

Two officers of one authority (the demo's 二七区 bureau, given console passwords with
`registry accounts reset-password`) and one officer of another county (管城回族区, made with
`registry accounts create --kind officer`) sign in through the pages; the first sign-in forces a
new password; the other county cannot see the file; a cookie kept after sign-out opens nothing;
the desk works by keyboard; axe-core finds no serious violation. Screenshots of the desk and the
file (desktop and phone) go to docs/screenshots/ when REGISTRY_UPDATE_SCREENSHOTS=1.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe  # type: ignore[import-untyped]
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP, PHONE, REGISTRY, SCREENSHOTS, Server, _env, _run

pytestmark = pytest.mark.browser

NEW_PASSWORD = "console-browser-test-1"
SERIOUS = ("serious", "critical")
HOME = "410103"  # 郑州市二七区: the demo's county bureau and its units


@dataclass
class Officers:
    #: client_id -> password (already changed from the first one, except ``fresh``)
    ready: dict[str, str]
    #: an officer of another county with the first password still to change
    fresh: tuple[str, str]


def _cli(server: Server, *args: str) -> str:
    # accounts commands never hash an id number: any person-id key does
    return _run([REGISTRY, *args], _env(server.workdir, "00" * 32), server.workdir / "console-cli.log")


def _change_first_password(server: Server, name: str, first: str) -> None:
    with httpx.Client(base_url=server.base_url, follow_redirects=False, timeout=30) as client:
        form = client.get("/console/login")
        nonce = re.search(r'name="_login" value="([^"]+)"', form.text)
        assert nonce
        signed = client.post("/console/login", data={"_login": nonce.group(1), "name": name, "password": first})
        assert signed.headers["location"] == "/console/password", signed.text
        page = client.get("/console/password")
        token = re.search(r'name="_csrf" value="([^"]+)"', page.text)
        assert token
        done = client.post(
            "/console/password",
            data={"_csrf": token.group(1), "current": first, "new": NEW_PASSWORD, "repeated": NEW_PASSWORD},
        )
        assert done.status_code == 303, done.text


@pytest.fixture(scope="session")
def officers(server: Server) -> Officers:
    ready = {}
    for name in ("demo-erqi", "demo-erqi-b"):
        out = _cli(server, "accounts", "reset-password", name)
        _change_first_password(server, name, out.rsplit(": ", 1)[1].strip())
        ready[name] = NEW_PASSWORD
    made = json.loads(
        _cli(
            server, "accounts", "create", "--role", "bureau", "--kind", "officer", "--name", "管城区工作人员",
            "--level", "county", "--division", "410104", "--client-id", "guancheng-officer", "--json",
        )
    )  # fmt: skip
    return Officers(ready, (made["client_id"], made["first_password"]))


def sign_in(page: Any, name: str, password: str) -> None:
    page.goto("/console/login")
    page.locator("#name").fill(name)
    page.locator("#password").fill(password)
    with page.expect_navigation():
        page.locator("#login button[type=submit]").click()


def shoot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"), full_page=True)


def no_serious_violations(page: Any) -> None:
    bad = [v for v in Axe().run(page).response["violations"] if v.get("impact") in SERIOUS]
    assert not bad, "\n".join(f"[{v['impact']}] {v['id']}: {v['help']}" for v in bad)


def a_unit_of_the_area(page: Any) -> tuple[str, str]:
    """A unit of the home county: one with a listing in progress the desk links to, else the first
    the search finds: (uscc, name)."""
    page.goto("/console/")
    linked = page.locator("#heap-notices a, #heap-approvals a, #heap-objections a").first
    if linked.count():
        with page.expect_navigation():
            linked.click()
        crumb = page.locator(".crumbs a[href^='/console/enterprises/']").first
        href = crumb.get_attribute("href") or ""
        return href.split("/")[-1].split("#")[0], crumb.inner_text().strip()
    page.goto(f"/console/enterprises?division={HOME}")
    first = page.locator("#results tbody tr").first
    expect(first).to_be_visible()
    return first.locator("td").nth(0).inner_text().strip(), first.locator("td").nth(1).inner_text().strip()


def test_the_listing_desk_asks_for_confirmation_and_shows_what_follows(page: Any, officers: Officers) -> None:
    sign_in(page, "demo-erqi-b", officers.ready["demo-erqi-b"])
    linked = page.locator("#heap-notices a, #heap-approvals a").first
    if not linked.count():
        pytest.skip("the demo has no listing in progress in 二七区 today")
    with page.expect_navigation():
        linked.click()
    expect(page.locator("#actions")).to_be_visible()
    no_serious_violations(page)
    shoot(page, "console-listing")
    with page.expect_navigation():
        page.locator("#actions a[href$='/object']").click()
    with page.expect_navigation():
        page.locator("#step-form button[type=submit]").click()
    expect(page.locator("#grounds-error")).to_be_visible()  # required, shown beside the field
    page.locator("#grounds").fill("当事人称事故等级认定有误（浏览器测试，不确认提交）")
    with page.expect_navigation():
        page.locator("#step-form button[type=submit]").click()
    expect(page.locator("#confirm")).to_be_visible()
    expect(page.locator("#follows")).to_contain_text("名单冻结")
    no_serious_violations(page)
    shoot(page, "console-listing-confirm")  # not confirmed: the demo listing stays as it is


def test_two_officers_of_one_authority_and_one_of_another_county(
    page: Any, browser: Any, server: Server, officers: Officers
) -> None:
    sign_in(page, "demo-erqi", officers.ready["demo-erqi"])
    expect(page).to_have_url(re.compile(r"/console/$"))
    who = page.locator("#who")
    expect(who).to_contain_text("二七区应急管理局")
    expect(who).to_contain_text("410103")
    expect(page.locator("#desk li.heap")).to_have_count(8)
    no_serious_violations(page)
    shoot(page, "console-desk")

    uscc, name = a_unit_of_the_area(page)
    page.goto(f"/console/enterprises/{uscc}")
    expect(page.locator("#unit-name")).to_have_text(name)
    for section in ("register", "measures", "grades", "events", "listings", "trail"):
        expect(page.locator(f"section#{section}")).to_be_visible()
    no_serious_violations(page)
    shoot(page, "console-file")

    # a recording form sent empty: the API's checks, in Chinese, beside each field (nothing recorded)
    page.goto(f"/console/enterprises/{uscc}/record?kind=accident")
    with page.expect_navigation():
        page.locator("#record-form button[type=submit]").click()
    for required in ("occurred_on", "source_document", "details.deaths", "details.summary"):
        expect(page.locator(f'[id="{required}-error"]')).to_be_visible()
    expect(page.locator('[id="details.deaths"]')).to_have_attribute("aria-invalid", "true")
    no_serious_violations(page)
    shoot(page, "console-record-errors")

    # the second officer of the same authority, in a browser of their own
    second = browser.new_context(base_url=server.base_url, viewport=DESKTOP, locale="zh-CN")
    try:
        other = second.new_page()
        sign_in(other, "demo-erqi-b", officers.ready["demo-erqi-b"])
        other.goto(f"/console/enterprises/{uscc}")
        expect(other.locator("#unit-name")).to_have_text(name)
    finally:
        second.close()

    # an officer of another county: the first password must be changed, then the file is refused
    third = browser.new_context(base_url=server.base_url, viewport=DESKTOP, locale="zh-CN")
    try:
        away = third.new_page()
        client_id, first = officers.fresh
        sign_in(away, client_id, first)
        expect(away).to_have_url(re.compile(r"/console/password$"))
        expect(away.locator("#must-change")).to_be_visible()
        away.locator("#current").fill(first)
        away.locator("#new").fill("short")
        away.locator("#repeated").fill("short")
        with away.expect_navigation():
            away.locator("#password-form button[type=submit]").click()
        expect(away.locator("#new-error")).to_contain_text("至少 12 个字符")
        shoot(away, "console-form-errors")
        away.locator("#current").fill(first)
        away.locator("#new").fill(NEW_PASSWORD)
        away.locator("#repeated").fill(NEW_PASSWORD)
        with away.expect_navigation():
            away.locator("#password-form button[type=submit]").click()
        expect(away.locator("#who")).to_contain_text("管城回族区")
        answer = away.goto(f"/console/enterprises/{uscc}")
        assert answer is not None
        assert answer.status == 403
        expect(away.locator("#outside")).to_be_visible()
        assert name not in away.content()
        away.goto(f"/console/enterprises?q={uscc}")
        expect(away.locator("#results")).to_have_count(0)
    finally:
        third.close()


def test_a_cookie_kept_after_sign_out_opens_nothing(
    page: Any, browser: Any, server: Server, officers: Officers
) -> None:
    sign_in(page, "demo-erqi-b", officers.ready["demo-erqi-b"])
    kept = [c for c in page.context.cookies() if c["name"] == "registry_console"]
    assert len(kept) == 1
    assert kept[0]["httpOnly"]
    assert kept[0]["sameSite"] == "Lax"
    with page.expect_navigation():
        page.locator("#who button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/console/login\?why=bye$"))
    thief = browser.new_context(base_url=server.base_url, locale="zh-CN")
    try:
        thief.add_cookies(kept)
        stolen = thief.new_page()
        stolen.goto("/console/")
        expect(stolen).to_have_url(re.compile(r"/console/login"))
    finally:
        thief.close()


def test_desk_by_keyboard(page: Any, officers: Officers) -> None:
    sign_in(page, "demo-erqi", officers.ready["demo-erqi"])
    reached = []
    for _ in range(12):
        page.keyboard.press("Tab")
        reached.append(
            page.evaluate("() => document.activeElement.getAttribute('href') || document.activeElement.tagName")
        )
    assert reached[0] == "#main"  # the skip link first
    assert "/console/enterprises" in reached
    page.keyboard.press("Shift+Tab")
    focused = page.evaluate("() => document.activeElement.getAttribute('href')")
    page.keyboard.press("Enter")
    if focused:
        expect(page).to_have_url(re.compile(re.escape(focused.split("#")[0]) + r"(#.*)?$"))


def test_phone_desk_and_file(phone_page: Any, officers: Officers) -> None:
    sign_in(phone_page, "demo-erqi", officers.ready["demo-erqi"])
    width = phone_page.evaluate("() => [document.scrollingElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1] + 1, f"the desk scrolls sideways on a phone: {width}"
    shoot(phone_page, "console-desk-phone")
    uscc, _ = a_unit_of_the_area(phone_page)
    phone_page.goto(f"/console/enterprises/{uscc}")
    assert phone_page.viewport_size == PHONE
    shoot(phone_page, "console-file-phone")


# ---- the reports pages --------------------------------------------------------------------------


@pytest.fixture(scope="session")
def city_officer(server: Server) -> tuple[str, str]:
    """The demo's 郑州市 officer (prefectural: its counties are ranked), password changed."""
    out = _cli(server, "accounts", "reset-password", "demo-zhengzhou-a")
    _change_first_password(server, "demo-zhengzhou-a", out.rsplit(": ", 1)[1].strip())
    return "demo-zhengzhou-a", NEW_PASSWORD


def _policy_violations(page: Any) -> list[str]:
    """Console messages of this page that say the Content-Security-Policy refused something."""
    seen: list[str] = []
    page.on("console", lambda msg: seen.append(msg.text) if "Content Security Policy" in msg.text else None)
    return seen


def test_reports_pages_with_charts_and_downloads(page: Any, city_officer: tuple[str, str]) -> None:
    refused = _policy_violations(page)
    sign_in(page, *city_officer)
    with page.expect_navigation():
        page.locator(".console-nav a[href='/console/reports/monthly']").click()
    expect(page.locator("#report-area")).to_contain_text("河南省郑州市")
    form = page.locator("#monthly-form")
    expect(form.locator("tbody tr").nth(0).locator("th")).to_have_text("冶金")
    expect(form.locator("tfoot th")).to_have_text("合计")
    chart = page.locator("#chart-series svg")
    expect(chart).to_be_visible()
    box = chart.bounding_box()
    assert box is not None
    assert box["width"] > 600, box  # drawn at the page's width, not collapsed
    # colours are attributes (no inline style for the policy to refuse): the bars are not black
    assert chart.locator("path[fill='#7fa7d1']").count() >= 1
    expect(page.locator("#downloads a")).to_have_count(5)
    no_serious_violations(page)
    shoot(page, "console-reports-desktop")
    with page.expect_download() as got:
        page.locator("#downloads a", has_text="XLSX 签名清单").click()
    assert got.value.suggested_filename.endswith(".xlsx.jws")

    # another month and the targets with the ranking of the counties, through the forms
    page.locator("#month").fill("2026-11")
    with page.expect_navigation():
        page.locator("#report-form button[type=submit]").click()
    expect(page.locator("#report-period")).to_have_text("2026 年 11 月")
    with page.expect_navigation():
        page.locator(".report-kinds a[href='/console/reports/targets']").click()
    expect(page.locator("#targets-whole")).to_contain_text("扣分")
    expect(page.locator("#chart-progress svg")).to_be_visible()
    expect(page.locator("#chart-ranking svg")).to_contain_text("二七区")
    no_serious_violations(page)
    shoot(page, "console-reports-targets")
    # a division outside the area, asked by hand: refused beside the field
    page.goto("/console/reports/targets?year=2026&division=4102")
    expect(page.locator("#division-error")).to_contain_text("超出管辖范围")
    assert not refused, refused


def test_phone_reports_page(phone_page: Any, city_officer: tuple[str, str]) -> None:
    sign_in(phone_page, *city_officer)
    phone_page.goto("/console/reports/monthly")
    expect(phone_page.locator("#chart-series svg")).to_be_visible()
    width = phone_page.evaluate("() => [document.scrollingElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1] + 1, f"the reports page scrolls sideways on a phone: {width}"
    shoot(phone_page, "console-reports-phone")

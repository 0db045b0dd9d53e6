"""Registering and editing an enterprise at the console, in headless Chromium.

An officer of the demo's 二七区 bureau (made with `registry accounts create`) registers a unit from
the search page (a wrong check digit first, shown beside the field), then edits it while the same
officer, in a second browser, saves another change: the first save answers "其他人已修改此企业信息"
with both changes field by field and stores nothing. Screenshots docs/screenshots/console-register.png
and console-stale-edit.png when REGISTRY_UPDATE_SCREENSHOTS=1.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from playwright.sync_api import expect

from registry.domain.identifiers import make_uscc
from tests.browser.conftest import DESKTOP, Server
from tests.browser.test_console_pages import (
    NEW_PASSWORD,
    _change_first_password,
    _cli,
    no_serious_violations,
    shoot,
    sign_in,
)

pytestmark = pytest.mark.browser

NAME = "registrar-erqi"


@pytest.fixture(scope="module")
def registrar(server: Server) -> str:
    made = json.loads(
        _cli(
            server, "accounts", "create", "--role", "bureau", "--kind", "officer", "--name", "登记员",
            "--level", "county", "--division", "410103", "--client-id", NAME, "--json",
        )
    )  # fmt: skip
    _change_first_password(server, NAME, made["first_password"])
    return NAME


def test_register_then_a_stale_edit(page: Any, browser: Any, server: Server, registrar: str) -> None:
    uscc = make_uscc("91", "410103", "BRWXR0T1")
    sign_in(page, registrar, NEW_PASSWORD)
    page.goto("/console/enterprises")
    with page.expect_navigation():
        page.locator("#register-link").click()
    wrong = uscc[:-1] + ("1" if uscc[-1] != "1" else "2")
    page.locator("#uscc").fill(wrong)
    page.locator("#name").fill("郑州浏览器测试机械有限公司")
    page.locator("#division_code").fill("410103")
    page.locator("#industry").select_option("machinery")
    page.locator("#scale").select_option("below_scale")
    page.locator("#address").fill("郑州市二七区大学中路 100 号")
    with page.expect_navigation():
        page.locator("#register-form button[type=submit]").click()
    expect(page.locator("#uscc-error")).to_contain_text("校验")
    expect(page.locator("#uscc")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#name")).to_have_value("郑州浏览器测试机械有限公司")  # nothing the officer typed is lost
    no_serious_violations(page)
    shoot(page, "console-register")
    page.locator("#uscc").fill(uscc)
    with page.expect_navigation():
        page.locator("#register-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"/console/enterprises/{uscc}\?done=registered$"))
    expect(page.locator("#unit-name")).to_have_text("郑州浏览器测试机械有限公司")
    expect(page.locator("#done")).to_be_visible()

    with page.expect_navigation():
        page.locator("#edit-link").click()
    expect(page.locator("#name")).to_have_value("郑州浏览器测试机械有限公司")
    # the same officer in another browser saves first
    other = browser.new_context(base_url=server.base_url, viewport=DESKTOP, locale="zh-CN")
    try:
        second = other.new_page()
        sign_in(second, registrar, NEW_PASSWORD)
        second.goto(f"/console/enterprises/{uscc}/edit")
        second.locator("#scale").select_option("micro")
        second.locator("#address").fill("郑州市二七区航海中路 8 号")
        with second.expect_navigation():
            second.locator("#edit-form button[type=submit]").click()
        expect(second.locator("#done")).to_contain_text("已保存")
    finally:
        other.close()
    page.locator("#name").fill("郑州浏览器测试重工有限公司")
    page.locator("#address").fill("郑州市二七区大学中路 200 号")
    with page.expect_navigation():
        page.locator("#edit-form button[type=submit]").click()
    expect(page.locator("h1")).to_have_text("其他人已修改此企业信息")
    expect(page.locator("#diff")).to_contain_text("郑州市二七区航海中路 8 号")
    expect(page.locator("#diff")).to_contain_text("郑州市二七区大学中路 200 号")
    expect(page.locator("#diff tr.changed")).to_have_count(2)  # scale and address
    expect(page.locator("#address")).to_have_value("郑州市二七区航海中路 8 号")  # the form reloaded at the new version
    no_serious_violations(page)
    shoot(page, "console-stale-edit")
    page.goto(f"/console/enterprises/{uscc}")
    expect(page.locator("#unit-name")).to_have_text("郑州浏览器测试机械有限公司")  # nothing overwritten

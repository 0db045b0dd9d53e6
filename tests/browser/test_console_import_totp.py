"""The console's import page and second factor in headless Chromium: a file chosen in the file
input, confirmed, its report read; a second factor enrolled from the page's secret and asked for
at the next sign-in. Screenshots when REGISTRY_UPDATE_SCREENSHOTS=1."""

from __future__ import annotations

import csv
import io
import json
import re
import secrets
import time
from typing import Any

import pyotp
import pytest
from playwright.sync_api import expect

from tests import factories as f
from tests.browser.conftest import Server
from tests.browser.test_console_pages import (
    NEW_PASSWORD,
    _change_first_password,
    _cli,
    no_serious_violations,
    shoot,
    sign_in,
)

pytestmark = pytest.mark.browser


def new_officer(server: Server) -> str:
    name = f"browser-{secrets.token_hex(4)}"
    made = json.loads(
        _cli(
            server, "accounts", "create", "--role", "bureau", "--kind", "officer", "--name", "导入测试工作人员",
            "--level", "county", "--division", "410103", "--client-id", name, "--json",
        )
    )  # fmt: skip
    _change_first_password(server, name, made["first_password"])
    return name


def test_import_a_file_and_read_its_report(page: Any, server: Server) -> None:
    sign_in(page, new_officer(server), NEW_PASSWORD)
    buf = io.StringIO()
    good = f.uscc()
    csv.writer(buf).writerows(
        [
            ["统一社会信用代码", "单位名称", "行政区划代码", "行业", "规模"],
            [good, "浏览器导入测试有限公司", "410103", "机械", "规模以上"],
            [good[:-1] + ("1" if good[-1] != "1" else "2"), "校验码错误有限公司", "410103", "机械", "规模以上"],
            [f.uscc("410105"), "辖区外有限公司", "410105", "机械", "规模以上"],
        ]
    )
    page.goto("/console/import")
    no_serious_violations(page)
    page.locator("input[name=kind][value=enterprises]").check()
    page.locator("#file").set_input_files(
        files=[{"name": "企业.csv", "mimeType": "text/csv", "buffer": buf.getvalue().encode()}]
    )
    with page.expect_navigation():
        page.locator("#import-form button[type=submit]").click()
    expect(page.locator("#rows")).to_have_text("3")
    no_serious_violations(page)
    shoot(page, "console-import-confirm")
    with page.expect_navigation():
        page.locator("#confirm-button").click()
    expect(page.locator("#summary")).to_be_visible(timeout=30_000)  # the page refreshes itself until done
    expect(page.locator("#count-created")).to_have_text("1")
    expect(page.locator("#count-refused")).to_have_text("2")
    expect(page.locator("#row-errors")).to_contain_text("超出本机关管辖范围")
    no_serious_violations(page)
    shoot(page, "console-import-report")
    with page.expect_download() as download:
        page.locator("a[href$='/report/xlsx']").click()
    assert download.value.suggested_filename.endswith(".xlsx")


def test_enrol_a_second_factor_and_sign_in_with_it(page: Any, server: Server) -> None:
    name = new_officer(server)
    sign_in(page, name, NEW_PASSWORD)
    page.goto("/console/second-factor")
    with page.expect_navigation():
        page.locator("#begin-form button[type=submit]").click()
    expect(page.locator("figure.qr svg")).to_be_visible()
    secret = page.locator("#secret").inner_text().replace(" ", "")
    no_serious_violations(page)
    shoot(page, "console-second-factor")
    totp = pyotp.TOTP(secret)
    step = int(time.time()) // 30
    page.locator("#code").fill(totp.generate_otp(step))
    with page.expect_navigation():
        page.locator("#confirm-form button[type=submit]").click()
    expect(page.locator("#state")).to_contain_text("已启用")
    with page.expect_navigation():
        page.locator("#who button[type=submit]").click()
    sign_in(page, name, NEW_PASSWORD)
    expect(page).to_have_url(re.compile(r"/console/login/code$"))
    no_serious_violations(page)
    page.locator("#code").fill(totp.generate_otp(step + 1))  # the next step: the one used is refused
    with page.expect_navigation():
        page.locator("#code-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/console/$"))
    expect(page.locator("#who")).to_contain_text("导入测试工作人员")

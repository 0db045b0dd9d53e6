"""A grade step in the console, in headless Chromium: the desk's "待办定级" heading opens the list of
pending grades, a review is one click away, a score below the threshold is refused by the service
beside the field, then the corrected review is confirmed and recorded. The screenshot of the
refused form goes to docs/screenshots/console-grade-step.png when REGISTRY_UPDATE_SCREENSHOTS=1.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.test_console_pages import city_officer, no_serious_violations, shoot, sign_in

pytestmark = pytest.mark.browser

__all__ = ["city_officer"]  # the fixture, shared with the console pages' tests


def test_a_review_refused_beside_the_score_then_recorded(page: Any, city_officer: tuple[str, str]) -> None:
    sign_in(page, *city_officer)
    heading = page.locator("#heap-grades h2 a")
    expect(heading).to_have_attribute("href", "/console/grades/queue/grades")
    with page.expect_navigation():
        heading.click()
    review = page.locator("#queue a", has_text="评审（审查）").first
    if not review.count():
        pytest.skip("the demo has no grade awaiting review by the 郑州市 bureau")
    with page.expect_navigation():
        review.click()
    expect(page.locator("h1")).to_have_text("评审（审查）")
    day = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=8)).date() - dt.timedelta(days=1)
    page.locator("#on").fill(day.isoformat())
    page.locator("#passed").check()
    page.locator("#score").fill("50")
    with page.expect_navigation():
        page.locator("#grade-form button[type=submit]").click()
    with page.expect_navigation():
        page.locator("#confirm-button").click()
    # the service's threshold rule, beside the score; what was typed is kept
    expect(page.locator("#score-error")).to_contain_text("低于")
    expect(page.locator("#score")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#score")).to_have_value("50")
    no_serious_violations(page)
    shoot(page, "console-grade-step")
    page.locator("#score").fill("80")
    with page.expect_navigation():
        page.locator("#grade-form button[type=submit]").click()
    expect(page.locator("#confirm")).to_be_visible()
    expect(page.locator("#follows")).to_contain_text("通过")
    with page.expect_navigation():
        page.locator("#confirm-button").click()
    expect(page).to_have_url(re.compile(r"/console/enterprises/[0-9A-Z]+/grades/\d+\?done=review$"))
    expect(page.locator("#done")).to_contain_text("已办理：评审（审查）")
    expect(page.locator("h1")).to_contain_text("已评审")

"""The public disclosure pages (/, /enterprises/{uscc}, /verify) driven in headless Chromium.

Written against the page spec (step 6), not against the templates: element ids, classes and
Chinese labels below are the contract. Demo units are found through the bureau API (conftest
``demo``), so the tests follow the demo data wherever it moves.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

import html5lib  # type: ignore[import-untyped]
import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe  # type: ignore[import-untyped]
from playwright.sync_api import expect
from stdnum.cn import ric, uscc

from tests.browser.conftest import PHONE, SCREENSHOTS, Demo, Dialogs, Server, token

pytestmark = pytest.mark.browser

#: a USCC with a valid GB 32100 check digit that the demo never registers
UNREGISTERED = "91110105MA0123456" + uscc.calc_check_digit("91110105MA0123456")
#: the masked form of a resident id number on the public pages: 4 digits, 10 stars, 4 characters
MASKED_ID = re.compile(r"\d{4}\*{10}[\dX]{4}")
FULL_ID = re.compile(r"\d{17}[\dX]")
BAD_QUERIES = {
    "script": "<script>alert(1)</script>",
    "sql": "' OR 1=1 --",
    "long": "长" * 250 + "x" * 250,
    "emoji": "安全😀🏭生产",
    "arabic": "شركة السلامة",
    "quote-attr": '"><img src=x onerror=alert(1)>',
}
SERIOUS = ("serious", "critical")


# ---- helpers --------------------------------------------------------------------------------------


def goto(page: Any, path: str) -> Any:
    response = page.goto(path)
    assert response is not None, f"no response for {path}"
    return response


def submit_search(page: Any, text: str, *, typed: bool = False) -> Any:
    """From the home page: put ``text`` in the search box and press Enter; the navigation's response."""
    goto(page, "/")
    box = page.locator("#q")
    if typed:
        box.press_sequentially(text)
    else:
        box.fill(text)
    with page.expect_navigation() as navigation:
        box.press("Enter")
    response = navigation.value
    assert response is not None
    return response


def result_for(page: Any, code: str) -> Any:
    return page.locator("#results li.result").filter(has=page.locator(f'a[href="/enterprises/{code}"]'))


def focused(page: Any) -> dict[str, Any]:
    """What has focus, and whether its focus is visible (an outline or a box-shadow)."""
    return dict(
        page.evaluate(
            """() => {
            const el = document.activeElement;
            if (!el || el === document.body) return {tag: 'BODY'};
            const s = getComputedStyle(el);
            const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0;
            const shadow = s.boxShadow && s.boxShadow !== 'none';
            return {tag: el.tagName, id: el.id, cls: el.className, href: el.getAttribute('href'),
                    text: (el.textContent || '').trim().slice(0, 40),
                    inHeader: !!el.closest('header'), visible: outline || shadow,
                    outline: s.outlineStyle + ' ' + s.outlineWidth + ' ' + s.outlineColor, shadow: s.boxShadow};
        }"""
        )
    )


def tab(page: Any) -> dict[str, Any]:
    page.keyboard.press("Tab")
    now = focused(page)
    if now["tag"] != "BODY":
        assert now["visible"], f"focus is not visible on {now}"
    return now


def pages(demo: Demo) -> dict[str, tuple[str, int]]:
    """The pages every page-level check runs on: name -> (path, expected status)."""
    return {
        "home": ("/", 200),
        "search": ("/?q=" + quote(demo.listed.name[2:6]), 200),
        "detail": (f"/enterprises/{demo.listed.uscc}", 200),
        "verify": ("/verify", 200),
        "query-error": ("/?q=" + quote("郑"), 200),
        "bad-uscc": ("/enterprises/not-a-uscc", 400),
        "unknown-uscc": (f"/enterprises/{UNREGISTERED}", 404),
        "not-found": ("/no/such/page", 404),
    }


PAGE_NAMES = ["home", "search", "detail", "verify", "query-error", "bad-uscc", "unknown-uscc", "not-found"]


def _signed(http: httpx.Client, code: str) -> str:
    answer = http.get(f"/api/v1/public/enterprises/{code}")
    assert answer.status_code == 200, answer.text
    return answer.text


def _tamper(signed: str, name: str) -> str:
    """The same answer with one character of the enterprise's name changed inside the payload."""
    envelope = json.loads(signed)
    changed: list[str] = []

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        if node == name and not changed:
            changed.append(node)
            return ("甲" if node[0] != "甲" else "乙") + node[1:]
        return node

    envelope["payload"] = walk(envelope["payload"])
    assert changed, f"the enterprise's name {name} is not in the payload"
    return json.dumps(envelope, ensure_ascii=False)


# ---- 1. search and click through ------------------------------------------------------------------


def test_search_by_name_fragment_and_open_the_detail(page: Any, demo: Demo) -> None:
    fragment = demo.listed.name[2:6]
    response = submit_search(page, fragment, typed=True)
    assert response.status == 200
    assert "q=" in page.url
    expect(page.locator("#results #result-count")).to_be_visible()
    results = page.locator("#results ol.results li.result")
    assert results.count() >= 1
    for i in range(results.count()):
        item = results.nth(i)
        assert fragment in item.locator("a").first.inner_text()
        expect(item.locator("span.uscc")).to_have_count(1)
        expect(item.locator("span.division")).to_have_count(1)
    assert page.locator("#q").input_value() == fragment
    link = result_for(page, demo.listed.uscc).locator("a").first
    expect(link).to_have_text(demo.listed.name)
    with page.expect_navigation() as navigation:
        link.click()
    assert navigation.value.status == 200
    assert page.url.endswith(f"/enterprises/{demo.listed.uscc}")
    expect(page.locator("h1#name")).to_have_text(demo.listed.name)


def test_search_pages_by_twenty_with_a_next_link(page: Any) -> None:
    goto(page, "/?q=" + quote("郑州"))
    results = page.locator("#results li.result")
    assert results.count() == 20
    first = set(results.locator("a").evaluate_all("els => els.map(e => e.getAttribute('href'))"))
    following = page.locator("a#next-page")
    expect(following).to_have_attribute("rel", "next")
    expect(following).to_have_text("下一页")
    with page.expect_navigation() as navigation:
        following.click()
    assert navigation.value.status == 200
    second = set(results.locator("a").evaluate_all("els => els.map(e => e.getAttribute('href'))"))
    assert second
    assert not first & second, "the next page repeats results"


def test_search_form_is_as_specified(page: Any) -> None:
    goto(page, "/")
    form = page.locator('form[role="search"]')
    expect(form).to_have_count(1)
    expect(form).to_have_attribute("method", re.compile("^get$", re.IGNORECASE))
    expect(form).to_have_attribute("action", "/")
    expect(form.locator('label[for="q"]')).to_have_text("企业名称或统一社会信用代码")
    expect(form.locator('input#q[name="q"][type="search"]')).to_have_count(1)
    expect(form.locator('button[type="submit"]')).to_have_text("查询")
    expect(page.locator("section#results")).to_have_count(0)


def _lines_of_text(page: Any, selector: str) -> int:
    """How many lines the element's text is laid out on (client rects of a range over it)."""
    return int(
        page.evaluate(
            """(sel) => {
            const el = document.querySelector(sel);
            const range = document.createRange();
            range.selectNodeContents(el);
            const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
            return tops.size;
        }""",
            selector,
        )
    )


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_search_button_label_stays_on_one_line(browser: Any, server: Server, viewport: str) -> None:
    size = PHONE if viewport == "phone" else {"width": 1280, "height": 900}
    context = browser.new_context(base_url=server.base_url, viewport=size, locale="zh-CN")
    try:
        page = context.new_page()
        goto(page, "/")
        assert _lines_of_text(page, 'form[role="search"] button[type="submit"]') == 1, "查询 breaks over lines"
    finally:
        context.close()


def test_no_match_says_so(page: Any) -> None:
    response = submit_search(page, "不存在的企业名称甲乙丙")
    assert response.status == 200
    expect(page.locator("#results #no-results")).to_be_visible()
    expect(page.locator("#results li.result")).to_have_count(0)


def test_one_character_query_is_an_alert_not_a_search(page: Any) -> None:
    response = goto(page, "/?q=" + quote("郑"))
    assert response.status == 200
    expect(page.locator("#query-error")).to_have_attribute("role", "alert")
    expect(page.locator("#query-error")).to_be_visible()
    expect(page.locator("li.result")).to_have_count(0)


def test_query_longer_than_100_characters_is_400(page: Any) -> None:
    response = goto(page, "/?q=" + quote("企" * 101))
    assert response.status == 400
    expect(page.locator("#query-error")).to_be_visible()
    expect(page.locator("li.result")).to_have_count(0)


# ---- 2. the listed and published unit ------------------------------------------------------------


def test_listed_unit_shows_its_listing(page: Any, demo: Demo) -> None:
    unit = demo.listed
    response = goto(page, f"/enterprises/{unit.uscc}")
    assert response.status == 200
    expect(page.locator("h1#name")).to_have_text(unit.name)
    subject = page.locator("dl#subject")
    for term in ("统一社会信用代码", "所在地区", "行业"):
        expect(subject.locator("dt", has_text=term)).to_have_count(1)
    expect(subject).to_contain_text(unit.uscc)
    for section in ("standardization", "listings", "accidents", "penalties", "hazards", "parent-notice", "persons"):
        expect(page.locator(f"section#{section} > h2"), f"#{section} with its h2").to_have_count(1)
    listings = page.locator("section#listings article.listing")
    expect(listings).to_have_count(1)
    listing = listings.first
    # 名单类型 is shown as the list type's title (checked below), the others as labelled values
    for label in ("失信行为简况", "决定机关", "决定文书号", "列入日期", "届满日期"):
        expect(listing, f"label {label}").to_contain_text(label)
    expect(listing).to_contain_text(unit.list_type_title)
    expect(listing).to_contain_text(unit.authority)
    assert unit.decision_no
    expect(listing).to_contain_text(unit.decision_no)
    expect(page.locator("section#listings p.none")).to_have_count(0)
    expect(page.locator("#updated")).to_contain_text("数据更新于")
    expect(page.locator("#updated time").first).to_have_attribute("datetime", re.compile(r"^\d{4}-\d{2}-\d{2}"))
    expect(page.locator("a#signed-json")).to_have_attribute("href", f"/api/v1/public/enterprises/{unit.uscc}")


def test_listed_unit_has_the_badge_in_results(page: Any, demo: Demo) -> None:
    for query in (demo.listed.uscc, demo.listed.name[2:6]):
        goto(page, "/?q=" + quote(query))
        badge = result_for(page, demo.listed.uscc).locator("span.badge.listed")
        expect(badge).to_have_count(1)
        expect(badge).to_have_text("严重失信")


# ---- 3. what must not show ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "why",
    [
        "removed-early",
        "removed-court",
        "removed-correction",
        "removed-expiry",
        "proposed",
        "notified",
        "dropped",
        "listed-unpublished",
    ],
)
def test_unit_without_a_published_listing_in_force_shows_none(
    page: Any, demo: Demo, http: httpx.Client, why: str
) -> None:
    unit = demo.hidden.get(why)
    assert unit is not None, f"the demo has no unit {why}: {sorted(demo.hidden)}"
    response = goto(page, f"/enterprises/{unit.uscc}")
    assert response.status == 200
    expect(page.locator("section#listings")).to_have_count(1)
    expect(page.locator("section#listings .listing")).to_have_count(0)
    expect(page.locator("section#listings p.none")).to_be_visible()
    if unit.decision_no:
        expect(page.locator("main")).not_to_contain_text(unit.decision_no)
    goto(page, "/?q=" + quote(unit.uscc))
    expect(result_for(page, unit.uscc)).to_have_count(1)
    expect(result_for(page, unit.uscc).locator(".badge")).to_have_count(0)
    items = http.get("/api/v1/public/enterprises", params={"q": unit.uscc}).json()["items"]
    assert [x["listed"] for x in items if x["uscc"] == unit.uscc] == [False]


#: deciding authority's division -> its two demo officers (a proposes/acts, b approves)
OFFICERS = {
    "410000": ("demo-henan", "demo-henan-b"),
    "410100": ("demo-zhengzhou-a", "demo-zhengzhou-b"),
    "410103": ("demo-erqi", "demo-erqi-b"),
}


def _act(http: httpx.Client, bearer: str, listing_id: int, path: str, body: dict[str, Any]) -> dict[str, Any]:
    current = http.get(f"/api/v1/listings/{listing_id}", headers={"Authorization": f"Bearer {bearer}"})
    assert current.status_code == 200, current.text
    answer = http.post(
        f"/api/v1/listings/{listing_id}/{path}",
        json={"version": current.json()["version"], **body},
        headers={"Authorization": f"Bearer {bearer}"},
    )
    assert answer.status_code == 200, f"{path}: {answer.status_code} {answer.text}"
    return dict(answer.json())


def _shows_listing(page: Any, http: httpx.Client, code: str, decision_no: str, *, shown: bool) -> None:
    goto(page, f"/enterprises/{code}")
    expect(page.locator("section#listings article.listing")).to_have_count(1 if shown else 0)
    if shown:
        expect(page.locator("section#listings article.listing")).to_contain_text(decision_no)
    else:
        expect(page.locator("section#listings p.none")).to_be_visible()
        expect(page.locator("main")).not_to_contain_text(decision_no)
    goto(page, "/?q=" + quote(code))
    expect(result_for(page, code).locator("span.badge.listed")).to_have_count(1 if shown else 0)
    items = http.get("/api/v1/public/enterprises", params={"q": code}).json()["items"]
    assert [x["listed"] for x in items if x["uscc"] == code] == [shown]


def test_published_then_removed_listing_disappears_at_once(
    page: Any, demo: Demo, http: httpx.Client, server: Server
) -> None:
    """Through the bureau API: publish a decided listing (it shows), then remove it on a court
    judgment with the second officer's approval (it is gone from the page, the badge and the API)."""
    listing = demo.publishable
    assert listing is not None, "the demo has no decided, unpublished listing free of pending steps"
    code, decision_no = listing["subject"]["uscc"], listing["decision"]["decision_no"]
    a, b = (token(http, server, cid) for cid in OFFICERS[listing["deciding_authority"]["division_code"]])
    _shows_listing(page, http, code, decision_no, shown=False)
    _act(http, a, listing["id"], "publish", {"channels": ["credit_china", "department_website"]})
    _shows_listing(page, http, code, decision_no, shown=True)
    _act(
        http,
        a,
        listing["id"],
        "remove",
        {"type": "court", "document_no": "（2026）豫01行终901号", "reason": "处罚决定被判决撤销（浏览器测试）"},
    )
    removed = _act(http, b, listing["id"], "approve", {})
    assert removed["status"] == "removed"
    _shows_listing(page, http, code, decision_no, shown=False)


# ---- 4. keyboard only ------------------------------------------------------------------------------


def test_keyboard_only_search_and_open(page: Any, demo: Demo) -> None:
    goto(page, "/")
    first = tab(page)
    assert first["tag"] == "A"
    assert "skip" in first["cls"].split()
    assert first["href"] == "#main"
    assert first["text"] == "跳到正文"
    # then the search input: only the site header's own links may come between
    now = tab(page)
    while now.get("id") != "q":
        assert now.get("inHeader"), f"Tab went to {now} before the search input"
        now = tab(page)
    page.keyboard.type(demo.listed.name[2:6])
    with page.expect_navigation() as navigation:
        page.keyboard.press("Enter")
    assert navigation.value.status == 200
    target = page.locator("#results li.result a").first
    href = target.get_attribute("href")
    for _ in range(30):
        now = tab(page)
        if now["tag"] == "A" and now["href"] == href:
            break
    else:
        pytest.fail(f"30 presses of Tab never reached the first result {href}")
    with page.expect_navigation() as navigation:
        page.keyboard.press("Enter")
    assert navigation.value.status == 200
    assert page.url.endswith(str(href))
    expect(page.locator("h1#name")).to_be_visible()


def test_skip_link_moves_focus_into_main(page: Any) -> None:
    goto(page, "/")
    assert "skip" in tab(page)["cls"].split()
    page.keyboard.press("Enter")
    assert page.url.endswith("#main")
    now = tab(page)
    inside = page.evaluate("() => !!document.activeElement.closest('main')")
    assert inside, f"after the skip link, Tab went to {now}, outside <main>"


# ---- 5. persons: masked ids only ---------------------------------------------------------------


def test_persons_show_masked_ids_never_full_ones(page: Any, demo: Demo) -> None:
    goto(page, f"/enterprises/{demo.listed.uscc}")
    persons = page.locator("section#persons")
    text = persons.inner_text()
    assert MASKED_ID.search(text), f"no masked id like 4101**********1234 in #persons: {text!r}"
    for mask in demo.person_masks:
        assert mask in text
    body = page.locator("body").inner_text()
    assert not FULL_ID.findall(body), "a full resident id number is on the page"
    html = page.content()
    leaked = [m for m in re.findall(r"(?<![0-9A-Za-z])\d{17}[\dX](?![0-9A-Za-z])", html) if ric.is_valid(m)]
    assert not leaked, f"full resident id numbers in the HTML: {leaked}"


def test_no_demo_resident_id_in_pages_or_signed_json(http: httpx.Client, demo: Demo) -> None:
    """The demo's own full id numbers (GB 11643, known from its specs) appear in no public answer."""
    from registry.demo.facts import unit
    from registry.demo.seed import person_specs

    full = {spec.id_number for spec in person_specs()}
    assert full
    codes = {demo.listed.uscc, *(u.uscc for u in demo.hidden.values()), *(unit(n) for n in range(0, 60, 6))}
    for code in sorted(codes):
        for path in (f"/enterprises/{code}", f"/api/v1/public/enterprises/{code}"):
            answer = http.get(path)
            assert answer.status_code == 200, f"{path}: {answer.status_code}"
            leaked = [i for i in full if i in answer.text or i.lower() in answer.text]
            assert not leaked, f"{path} shows full id numbers {leaked}"


@pytest.mark.parametrize(
    ("n", "description", "state"),
    [
        (33, "液氨制冷车间未设置泄漏报警装置", re.compile("已整改")),
        (17, "涉爆粉尘除尘系统未按规定设置锁气卸灰装置", re.compile("未整改|逾期")),
    ],
    ids=["rectified", "overdue"],
)
def test_hazards_show_their_rectification_state(page: Any, n: int, description: str, state: re.Pattern[str]) -> None:
    # registry.demo.facts: unit 33 rectified, unit 17 past its deadline (both 惠济区)
    from registry.demo.facts import unit

    assert goto(page, f"/enterprises/{unit(n)}").status == 200
    hazards = page.locator("section#hazards")
    expect(hazards).to_contain_text(description)
    expect(hazards).to_contain_text(state)


# ---- 6. HTML validity --------------------------------------------------------------------------


def _parse_strict(html: str) -> Any:
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    try:
        return parser.parse(html)
    except html5lib.html5parser.ParseError:
        lines = html.splitlines()
        problems = []
        for (line, col), code, data in parser.errors:
            where = lines[line - 1][max(0, col - 60) : col + 20] if 0 < line <= len(lines) else ""
            problems.append(f"line {line} col {col}: {code} {data or ''} near {where!r}")
        pytest.fail("HTML parse errors:\n" + "\n".join(problems), pytrace=False)


@pytest.mark.parametrize("name", PAGE_NAMES)
def test_html_is_valid_and_labelled(http: httpx.Client, demo: Demo, name: str) -> None:
    path, status = pages(demo)[name]
    answer = http.get(path)
    assert answer.status_code == status, answer.text[:500]
    assert answer.headers["content-type"].startswith("text/html")
    tree = _parse_strict(answer.text)
    assert tree.tag == "html"
    assert tree.get("lang") == "zh-CN"
    parent = {child: node for node in tree.iter() for child in node}

    def inside_label(el: Any) -> bool:
        while el in parent:
            el = parent[el]
            if el.tag == "label":
                return True
        return False

    labelled = {el.get("for") for el in tree.iter("label") if el.get("for")}
    unlabelled = []
    for el in tree.iter():
        if el.tag not in ("input", "textarea", "select"):
            continue
        if el.tag == "input" and (el.get("type") or "text").lower() in ("hidden", "submit", "button", "reset", "image"):
            continue
        if not ((el.get("id") and el.get("id") in labelled) or inside_label(el)):
            unlabelled.append(f"<{el.tag} {dict(el.attrib)}>")
    assert not unlabelled, f"form controls without a label: {unlabelled}"
    no_alt = [dict(el.attrib) for el in tree.iter("img") if el.get("alt") is None]
    assert not no_alt, f"images without alt: {no_alt}"


@pytest.mark.parametrize("name", PAGE_NAMES)
def test_every_page_has_the_common_frame(http: httpx.Client, demo: Demo, name: str) -> None:
    path, status = pages(demo)[name]
    answer = http.get(path)
    assert answer.status_code == status
    tree = html5lib.parse(answer.text, namespaceHTMLElements=False)
    assert tree.get("lang") == "zh-CN"

    def find(tag: str, **attrs: str) -> list[Any]:
        return [el for el in tree.iter(tag) if all(el.get(k) == v for k, v in attrs.items())]

    def text(el: Any) -> str:
        return "".join(el.itertext()).strip()

    assert find("meta", name="viewport"), "no viewport meta"
    skips = [a for a in tree.iter("a") if "skip" in (a.get("class") or "").split()]
    assert [(a.get("href"), text(a)) for a in skips] == [("#main", "跳到正文")]
    assert len(find("main", id="main")) == 1
    assert [x for x in find("link", rel="stylesheet") if x.get("href") == "/static/site.css"]
    footer_links = {a.get("href"): text(a) for f in tree.iter("footer") for a in f.iter("a")}
    assert "验证签名" in footer_links.get("/verify", ""), footer_links
    assert "/.well-known/jwks.json" in footer_links, footer_links
    if status >= 400:
        assert find("p", id="error"), "an error page without <p id=error>"


def test_stylesheet_is_served(http: httpx.Client) -> None:
    answer = http.get("/static/site.css")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/css")


# ---- 7. accessibility (axe-core) ---------------------------------------------------------------


def _readable(violations: list[dict[str, Any]]) -> str:
    out = []
    for v in violations:
        out.append(f"[{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"][:10]:
            out.append(f"    at {', '.join(map(str, node['target']))}: {node.get('html', '')[:160]}")
            if node.get("failureSummary"):
                out.append("      " + node["failureSummary"].replace("\n", "\n      "))
    return "\n".join(out)


@pytest.mark.parametrize("name", PAGE_NAMES)
def test_no_serious_accessibility_violations(page: Any, demo: Demo, name: str) -> None:
    path, status = pages(demo)[name]
    assert goto(page, path).status == status
    results = Axe().run(page)
    bad = [v for v in results.response["violations"] if v.get("impact") in SERIOUS]
    assert not bad, f"axe-core on {path}:\n{_readable(bad)}"


# ---- 8. screenshots and the phone viewport -----------------------------------------------------


def _no_horizontal_scroll(page: Any) -> None:
    width = page.evaluate("() => [document.scrollingElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1] + 1, f"horizontal scroll: scrollWidth {width[0]} > innerWidth {width[1]}"


def test_screenshots_desktop(page: Any, demo: Demo) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    goto(page, "/?q=" + quote(demo.listed.name[2:6]))
    expect(page.locator("#results li.result").first).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / "search.png"), full_page=True)
    goto(page, f"/enterprises/{demo.listed.uscc}")
    expect(page.locator("section#listings article.listing").first).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / "detail.png"), full_page=True)
    assert Path(SCREENSHOTS / "detail.png").stat().st_size > 10_000
    signed = page.request.get(f"/api/v1/public/enterprises/{demo.listed.uscc}").text()
    _verify_form(page)
    page.locator("textarea#answer").fill(signed)
    _expect_outcome(_submit_verify(page), ok=True)
    expect(page.locator("#verify-result dl.facts")).to_contain_text("北京时间")
    page.locator("textarea#answer").fill("")  # the screenshot shows the verdict, not 40 KB of JSON
    page.screenshot(path=str(SCREENSHOTS / "verify-ok.png"), full_page=True)
    _verify_form(page)
    page.locator("textarea#answer").fill("这是一段别处得来的文字，不是签名答复。")
    _expect_outcome(_submit_verify(page), "not-answer")
    page.screenshot(path=str(SCREENSHOTS / "verify-not-an-answer.png"), full_page=True)
    bad = [v for v in Axe().run(page).response["violations"] if v.get("impact") in SERIOUS]
    assert not bad, f"axe-core on 'not an answer':\n{_readable(bad)}"
    assert goto(page, "/no/such/page").status == 404
    page.screenshot(path=str(SCREENSHOTS / "not-found.png"), full_page=True)


def test_times_are_beijing_time_and_criteria_are_words(page: Any, demo: Demo) -> None:
    goto(page, f"/enterprises/{demo.listed.uscc}")
    updated = page.locator("#updated")
    expect(updated).to_contain_text("北京时间")
    expect(updated).not_to_contain_text("UTC")
    # the machine-readable time stays the signed one, in UTC
    expect(updated.locator("time").first).to_have_attribute("datetime", re.compile(r"Z$"))
    text = page.locator("main").inner_text()
    assert not re.search(r"[（(]\d+-\d+[)）]", text), "a rule code like (11-1) on a citizen page"
    assert "payload" not in page.locator("body").inner_text()


def test_an_unknown_page_is_a_chinese_page(page: Any) -> None:
    response = goto(page, "/no/such/page")
    assert response.status == 404
    assert response.headers["content-type"].startswith("text/html")
    expect(page.locator("h1")).to_have_text("页面不存在")
    expect(page.locator("#error")).to_be_visible()
    api = page.request.get("/api/v1/no/such")
    assert api.status == 404
    assert api.headers["content-type"].startswith("application/problem+json")


def _cell_layout(page: Any, selector: str) -> dict[str, Any]:
    return dict(
        page.locator(selector).first.evaluate(
            """el => ({display: getComputedStyle(el).display,
                       label: getComputedStyle(el, '::before').content,
                       width: el.getBoundingClientRect().width, viewport: window.innerWidth,
                       header: getComputedStyle(el.closest('table').querySelector('thead')).display,
                       headerHeight: el.closest('table').querySelector('thead').getBoundingClientRect().height})"""
        )
    )


def test_tables_are_tables_on_a_desktop(page: Any, demo: Demo) -> None:
    goto(page, f"/enterprises/{demo.listed.uscc}")
    cell = _cell_layout(page, "section#persons td")
    assert cell["display"] == "table-cell"
    assert cell["headerHeight"] > 0, "the column headings are shown"


def test_tables_reflow_into_labelled_rows_on_a_phone(phone_page: Any, demo: Demo) -> None:
    page = phone_page
    goto(page, f"/enterprises/{demo.listed.uscc}")
    checked = []
    for section in ("persons", "penalties", "accidents", "hazards"):
        if not page.locator(f"section#{section} table").count():
            continue
        checked.append(section)
        cell = _cell_layout(page, f"section#{section} td")
        assert cell["display"] != "table-cell", f"#{section}: still a table column on a phone"
        assert cell["width"] > cell["viewport"] * 0.7, f"#{section}: a cell {cell['width']}px wide is crushed"
        heading = page.locator(f"section#{section} th").first.inner_text()
        assert cell["label"] == f'"{heading}"', f"#{section}: the cell is not labelled with its column {heading}"
    assert "persons" in checked, f"the listed unit shows no table of persons: {checked}"
    _no_horizontal_scroll(page)


def test_phone_detail_screenshot_and_no_horizontal_scroll(phone_page: Any, demo: Demo) -> None:
    page = phone_page
    assert page.viewport_size == PHONE
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    goto(page, f"/enterprises/{demo.listed.uscc}")
    expect(page.locator("section#listings article.listing").first).to_be_visible()
    _no_horizontal_scroll(page)
    page.screenshot(path=str(SCREENSHOTS / "detail-phone.png"), full_page=True)
    goto(page, "/?q=" + quote(demo.listed.name[2:6]))
    _no_horizontal_scroll(page)
    page.screenshot(path=str(SCREENSHOTS / "search-phone.png"), full_page=True)
    _verify_form(page)
    page.locator("textarea#answer").fill("这是一段别处得来的文字，不是签名答复。")
    _expect_outcome(_submit_verify(page), "not-answer")
    _no_horizontal_scroll(page)
    page.screenshot(path=str(SCREENSHOTS / "verify-not-an-answer-phone.png"), full_page=True)


@pytest.mark.parametrize("name", ["home", "search", "verify", "bad-uscc", "not-found"])
def test_phone_no_horizontal_scroll(phone_page: Any, demo: Demo, name: str) -> None:
    path, status = pages(demo)[name]
    assert goto(phone_page, path).status == status
    _no_horizontal_scroll(phone_page)


# ---- 9. verify page --------------------------------------------------------------------------------


def _verify_form(page: Any) -> None:
    goto(page, "/verify")
    form = page.locator('form[action="/verify"]')
    expect(form).to_have_attribute("method", re.compile("^post$", re.IGNORECASE))
    expect(form).to_have_attribute("enctype", "multipart/form-data")
    expect(page.locator('label[for="answer"]')).to_have_count(1)
    expect(page.locator("textarea#answer")).to_have_attribute("name", "answer")
    expect(page.locator('label[for="file"]')).to_have_count(1)
    expect(page.locator('input#file[type="file"]')).to_have_attribute("name", "file")


def _submit_verify(page: Any) -> Any:
    with page.expect_navigation() as navigation:
        page.locator('form[action="/verify"] button[type="submit"]', has_text="验证").click()
    response = navigation.value
    assert response is not None
    assert response.status < 500, f"verify answered {response.status}"
    return page.locator("section#verify-result")


#: what the result says: the signature holds, it does not, or the text is no answer of the registry at all
HEADINGS = {"ok": "签名有效", "failed": "签名无效", "not-answer": "这不是本系统的答复"}


def _expect_outcome(result: Any, ok: bool | str) -> None:
    outcome = ok if isinstance(ok, str) else ("ok" if ok else "failed")
    expect(result).to_have_count(1)
    expect(result).to_have_class(re.compile(r"\bok\b" if outcome == "ok" else r"\bfailed\b"))
    if outcome == "not-answer":
        expect(result).to_have_class(re.compile(r"\bnot-answer\b"))
    else:
        expect(result).not_to_have_class(re.compile(r"\bnot-answer\b"))
    heading = result.locator("h2, h3, h1").first
    expect(heading).to_contain_text(HEADINGS[outcome])
    for other in set(HEADINGS.values()) - {HEADINGS[outcome]}:
        expect(heading).not_to_contain_text(other)
    assert len(result.inner_text().strip()) > len(heading.inner_text().strip()), "no explanation in plain words"
    assert "payload" not in result.inner_text(), "a citizen page says payload"


def test_verify_pasted_answer(page: Any, demo: Demo) -> None:
    # the signed JSON as the detail page links it
    goto(page, f"/enterprises/{demo.listed.uscc}")
    href = page.locator("a#signed-json").get_attribute("href")
    assert href == f"/api/v1/public/enterprises/{demo.listed.uscc}"
    download = page.request.get(href)
    assert download.status == 200
    signed = download.text()
    assert json.loads(signed)["payload"]["audience"] == "public"
    _verify_form(page)
    page.locator("textarea#answer").fill(signed)
    _expect_outcome(_submit_verify(page), ok=True)
    _verify_form(page)
    page.locator("textarea#answer").fill(_tamper(signed, demo.listed.name))
    _expect_outcome(_submit_verify(page), ok=False)
    bad = [v for v in Axe().run(page).response["violations"] if v.get("impact") in SERIOUS]
    assert not bad, f"axe-core on the failed verification:\n{_readable(bad)}"


def test_verify_uploaded_answer(page: Any, demo: Demo, http: httpx.Client) -> None:
    signed = _signed(http, demo.listed.uscc)
    for text, ok in ((signed, True), (_tamper(signed, demo.listed.name), False)):
        _verify_form(page)
        page.locator("input#file").set_input_files(
            files=[{"name": "answer.json", "mimeType": "application/json", "buffer": text.encode()}]
        )
        _expect_outcome(_submit_verify(page), ok=ok)


@pytest.mark.parametrize(
    ("text", "outcome"),
    [
        ("", "not-answer"),
        ("not json at all", "not-answer"),
        ("[]", "not-answer"),
        ('{"text": "一段别处得来的文字"}', "not-answer"),
        pytest.param('{"payload": ' + "[" * 1000 + "]" * 1000 + "}", "not-answer", id="deep-nesting"),
        ('{"payload": {}, "jws": "a.b.c"}', "failed"),
        ('{"request_id": "x", "payload": {"audience": "public"}, "jws": ""}', "failed"),
    ],
)
def test_verify_garbage_is_not_a_server_error(page: Any, dialogs: Dialogs, text: str, outcome: str) -> None:
    _verify_form(page)
    page.locator("textarea#answer").fill(text)
    _submit_verify(page)
    _expect_outcome(page.locator("section#verify-result"), outcome)
    assert not dialogs.seen


# ---- 10. bad input -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(BAD_QUERIES))
def test_bad_search_input_is_harmless(page: Any, dialogs: Dialogs, name: str) -> None:
    text = BAD_QUERIES[name]
    goto(page, "/")
    page.locator("#q").fill(text)
    sent = page.locator("#q").input_value()
    with page.expect_navigation() as navigation:
        page.locator("#q").press("Enter")
    response = navigation.value
    assert response.status < 500, f"{response.status} for {text!r}"
    raw = response.text()
    assert "<script>alert(1)</script>" not in raw
    assert "<img src=x" not in raw
    if response.status == 400:
        expect(page.locator("#query-error")).to_be_visible()
    else:
        assert response.status == 200
    # echoed escaped: the box shows exactly what was sent, as text
    assert page.locator("#q").input_value() == sent
    expect(page.locator("img[src=x]")).to_have_count(0)
    page.wait_for_timeout(100)
    assert not dialogs.seen, f"a dialog opened: {dialogs.seen}"


@pytest.mark.parametrize("name", list(BAD_QUERIES))
def test_bad_query_in_the_url_is_harmless(http: httpx.Client, name: str) -> None:
    text = BAD_QUERIES[name]
    answer = http.get("/", params={"q": text})
    expected = 400 if len(text) > 100 else 200
    assert answer.status_code == expected
    tree = html5lib.parse(answer.text, namespaceHTMLElements=False)
    if expected == 400:
        assert [p for p in tree.iter("p") if p.get("id") == "query-error"]
    assert "<script>alert(1)</script>" not in answer.text
    assert "<img src=x" not in answer.text
    assert not [s for s in tree.iter("script") if "alert" in "".join(s.itertext())]
    [box] = [i for i in tree.iter("input") if i.get("id") == "q"]
    assert box.get("value") == text, "the query is not echoed (escaped) in the search box"


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/enterprises/not-a-uscc", 400),
        ("/enterprises/" + quote("<img src=x onerror=alert(1)>", safe=""), 400),
        ("/enterprises/91410108MA0000015X", 400),  # bad check digit
        (f"/enterprises/{UNREGISTERED}", 404),
    ],
)
def test_bad_enterprise_paths(page: Any, dialogs: Dialogs, path: str, status: int) -> None:
    response = goto(page, path)
    assert response.status == status
    expect(page.locator("#error")).to_be_visible()
    raw = response.text()
    assert "<script>alert(1)</script>" not in raw
    assert "<img src=x" not in raw
    assert not dialogs.seen


def test_script_with_a_slash_in_the_path_is_not_reflected(page: Any, dialogs: Dialogs) -> None:
    # %2F ends the path segment, so no page route may match (404); either way never a 5xx
    response = goto(page, "/enterprises/" + quote("<script>alert(1)</script>", safe=""))
    assert response.status in (400, 404)
    if response.headers.get("content-type", "").startswith("text/html"):
        assert "<script>alert(1)</script>" not in response.text()
    assert not dialogs.seen


@pytest.mark.parametrize(
    "path",
    [
        "/?q=%00abc",
        "/?q=ab%0d%0aSet-Cookie:x=1",
        "/?q=%ff%fe",
        "/?q=a&q=b",
        "/?q=%E9%83%91%E5%B7%9E&cursor=garbage",
        "/?q=%E9%83%91%E5%B7%9E&cursor=",
        "/?q=%20%20",
        "/?q=",
        "/?q=%25%25",
        "/?cursor=abc",
        "/enterprises/%00",
        "/enterprises/91410108ma0000015y",
        "/enterprises/" + "9" * 300,
        "/verify?answer=%ff",
    ],
)
def test_odd_urls_are_never_a_server_error(http: httpx.Client, path: str) -> None:
    answer = http.get(path)
    assert answer.status_code < 500, f"{path}: {answer.status_code}"
    assert "Set-Cookie" not in answer.headers or "x=1" not in answer.headers["Set-Cookie"]


def _post_verify(http: httpx.Client, files: dict[str, Any]) -> httpx.Response:
    return http.post("/verify", files=files)


@pytest.mark.parametrize(
    "files",
    [
        pytest.param({"answer": (None, "")}, id="empty"),
        pytest.param({"answer": (None, "abc\x00def")}, id="nul"),
        pytest.param({"answer": (None, "{" * 10_000)}, id="deep-braces"),
        pytest.param({"answer": (None, "[" * 1000 + "]" * 1000)}, id="deep-nesting"),
        pytest.param({"answer": (None, "a" * 2_000_000)}, id="2MB"),
        pytest.param({"file": ("answer.json", bytes(range(256)) * 64, "application/json")}, id="binary-file"),
        pytest.param({"file": ("answer.json", b"\xff\xfe{}", "application/json")}, id="non-utf8-file"),
        pytest.param({"answer": (None, b"\xff\xfe")}, id="non-utf8-field"),
    ],
)
def test_verify_odd_posts_are_never_a_server_error(http: httpx.Client, files: dict[str, Any]) -> None:
    answer = _post_verify(http, files)
    assert answer.status_code < 500, f"{answer.status_code}: {answer.text[:300]}"


def test_verify_result_pages_are_valid_html(http: httpx.Client, demo: Demo) -> None:
    signed = _signed(http, demo.listed.uscc)
    other = json.loads(_signed(http, next(iter(demo.hidden.values())).uscc))
    envelope = json.loads(signed)
    cases = (
        (signed, "ok"),
        # the same answer re-formatted: the signature covers the canonical payload, not the bytes
        (json.dumps(envelope, ensure_ascii=False, indent=2), "ok"),
        (_tamper(signed, demo.listed.name), "failed"),
        # another answer's signature with this payload
        (json.dumps({**envelope, "jws": other["jws"]}, ensure_ascii=False), "failed"),
    )
    for text, outcome in cases:
        answer = _post_verify(http, {"answer": (None, text)})
        assert answer.status_code == 200
        tree = _parse_strict(answer.text)
        [result] = [el for el in tree.iter("section") if el.get("id") == "verify-result"]
        assert outcome in (result.get("class") or "").split()


# ---- the public JSON API the pages stand on -----------------------------------------------------


def test_public_json_api(http: httpx.Client, demo: Demo, server: Server) -> None:
    answer = http.get("/api/v1/public/enterprises", params={"q": demo.listed.uscc})
    assert answer.status_code == 200
    body = answer.json()
    assert set(body) >= {"items", "next_cursor"}
    [item] = [x for x in body["items"] if x["uscc"] == demo.listed.uscc]
    assert set(item) >= {"uscc", "name", "division_code", "division_name", "industry", "listed"}
    assert item["listed"] is True
    assert item["name"] == demo.listed.name
    signed = http.get(f"/api/v1/public/enterprises/{demo.listed.uscc}").json()
    assert set(signed) >= {"request_id", "payload", "jws"}
    assert signed["payload"]["audience"] == "public"
    assert signed["jws"].count(".") == 2

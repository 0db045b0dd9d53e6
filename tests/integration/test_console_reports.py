"""The reports pages of the console (/console/reports/monthly|targets|credit), on both backends.

A small area made once per backend (module fixture) in 西宁市 (6301), which no other test uses,
through the services with the clock set to the day each thing happened (all registered 2025-12-02;
630102 城东区, 630103 城中区, 630104 城西区):

- A 630102 冶金, above scale: 三级 applied 2025-12-10, reviewed 2026-01-10, announced 2026-02-10.
- B 630103 机械, above scale: 二级 applied 2026-01-05, reviewed 2026-02-10, announced 2026-03-16.
- C 630104 化工 (outside the form's eight), above scale: 三级 applied 2026-03-02 (in review).
- D 630102 纺织, below scale: 三级 applied 2026-02-15, announced 2026-03-20.

A prefectural officer of 西宁市 signs in through the pages, as a browser would; the figures the page
shows are compared with figures worked out by hand and with the API's signed JSON for the same
parameters, and every download with the API's bytes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import xml.etree.ElementTree as ET
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from registry.domain.reports.service import FILE_TYP
from registry.signing import jws
from tests.integration import support as t
from tests.integration.console_support import signed_in
from tests.integration.test_reports_fixture import grade, passed, register

D = dt.date
AS_OF = "2026-04-01T04:00:00Z"
FORM = ["冶金", "机械", "轻工", "有色", "纺织", "建材", "商贸", "烟草"]
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
async def xining(services: Any, clock: Any) -> dict[str, str]:
    reg = D(2025, 12, 2)
    u = {
        "A": await register(services, clock, reg, "630102", "metallurgy", "above_scale"),
        "B": await register(services, clock, reg, "630103", "machinery", "above_scale"),
        "C": await register(services, clock, reg, "630104", "chemical", "above_scale"),
        "D": await register(services, clock, reg, "630102", "textile", "below_scale"),
    }
    await grade(services, clock, u["A"], 3, passed(D(2025, 12, 10), D(2026, 1, 10), D(2026, 1, 25), D(2026, 2, 10)))
    await grade(services, clock, u["B"], 2, passed(D(2026, 1, 5), D(2026, 2, 10), D(2026, 3, 1), D(2026, 3, 16)))
    await grade(services, clock, u["D"], 3, passed(D(2026, 2, 15), D(2026, 3, 1), D(2026, 3, 10), D(2026, 3, 20)))
    await grade(services, clock, u["C"], 3, [("apply", D(2026, 3, 2))])
    clock.at = dt.datetime.now(dt.UTC)
    return u


@pytest.fixture(scope="module")
async def desk(app: Any, services: Any, xining: dict[str, str]) -> Any:
    """A 西宁市 officer signed in through the pages (one per backend: signing in hashes passwords)."""
    officer = await signed_in(app, services, "630100", "prefectural")
    yield officer.client
    await officer.client.aclose()


def form_cells(html: str) -> dict[str, list[int]]:
    """Row name -> the nine cells of the page's form table (一级 当月/累计/在审, 二级 ..., 三级 ...)."""
    table = re.search(r'<table id="monthly-form".*?</table>', html, re.S)
    assert table, html[:3000]
    rows = re.findall(r'<tr data-industry="[^"]+"[^>]*><th scope="row">([^<]+)</th>(.*?)</tr>', table.group(0), re.S)
    return {name: [int(v) for v in re.findall(r"<td>(\d+)</td>", cells)] for name, cells in rows}


def api_cells(payload: dict[str, Any]) -> dict[str, list[int]]:
    out = {}
    for row in [*payload["rows"], payload["total"]]:
        out[row["name"]] = [lv[k] for lv in row["levels"] for k in ("completed", "cumulative", "in_review")]
    return out


def svgs(html: str) -> list[ET.Element]:
    found = re.findall(r"<svg\b.*?</svg>", html, re.S)
    return [ET.fromstring(s) for s in found]


def assert_inline_safe(root: ET.Element) -> None:
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    title, desc = root[0], root[1]
    assert (title.tag, desc.tag) == (f"{SVG}title", f"{SVG}desc")
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    for el in root.iter():
        assert el.tag.split("}")[1] not in ("script", "style", "foreignObject"), el.tag
        assert "style" not in el.attrib, el.attrib
        assert not [a for a in el.attrib if a.lower().startswith("on")], el.attrib


async def api(client: httpx.AsyncClient, services: Any) -> dict[str, str]:
    return await t.bureau(client, services, "630100", "prefectural")


async def test_the_monthly_page_shows_the_seed_form_with_the_figures_by_hand_and_the_apis(
    desk: httpx.AsyncClient, client: httpx.AsyncClient, services: Any
) -> None:
    page = await desk.get("/console/reports/monthly", params={"month": "2026-03", "as_of": AS_OF})
    assert page.status_code == 200, page.text
    assert "default-src 'none'" in page.headers["content-security-policy"]
    html = page.text
    # the form's layout: 行业 over two header rows, then 一级/二级/三级 each over the three columns
    head = re.search(r"<thead>(.*?)</thead>", html, re.S)
    assert head
    assert '<th scope="col" rowspan="2">行业</th>' in head.group(1)
    assert re.findall(r'<th scope="colgroup" colspan="3">(\S+)</th>', head.group(1)) == ["一级", "二级", "三级"]
    assert (
        re.findall(r'<th scope="col">([^<]+)</th>', head.group(1))
        == ["当月完成（家）", "累计完成（家）", "正在评审（家）"] * 3
    )
    got = form_cells(html)
    # by hand, on 2026-03-31: A valid (三级 cumulative); B announced 16 March (二级 completed and
    # cumulative); D announced 20 March (三级 completed, cumulative: below scale counts here);
    # C applied 2 March (三级 in review), in 化工 after the eight
    zero = [0] * 9
    expected = dict.fromkeys(FORM, zero)
    expected |= {"冶金": [0, 0, 0, 0, 0, 0, 0, 1, 0], "机械": [0, 0, 0, 1, 1, 0, 0, 0, 0]}
    expected |= {"纺织": [0, 0, 0, 0, 0, 0, 1, 1, 0], "化工（含石油化工）": [0, 0, 0, 0, 0, 0, 0, 0, 1]}
    expected["合计"] = [0, 0, 0, 1, 1, 0, 1, 2, 1]
    assert got == expected
    assert list(got) == [*FORM, "化工（含石油化工）", "合计"]
    assert "填报单位：青海省西宁市" in html
    assert "2026 年 3 月" in html
    # the API's signed figures for the same parameters are the page's
    r = await client.get(
        "/api/v1/reports/monthly", params={"month": "2026-03", "as_of": AS_OF}, headers=await api(client, services)
    )
    assert r.status_code == 200, r.text
    payload = r.json()["payload"]
    assert api_cells(payload) == got
    # the series chart: twelve months, inline and safe; its table holds the months by hand
    charts = svgs(html)
    assert len(charts) == 1
    assert_inline_safe(charts[0])
    texts = [el.text for el in charts[0].iter(f"{SVG}text")]
    assert [f"{m}月" for m in range(1, 13)] == [x for x in texts if x and x.endswith("月")][:12]
    assert "青海省西宁市" in (charts[0][1].text or "")
    series = re.findall(r"<tr><th scope=\"row\">(2026-\d\d)</th><td>(\d+)</td><td>(\d+)</td><td>(\d+)</td></tr>", html)
    # January: A reviewed, B applied (in review); February: A announced, B and D in review; March as above
    assert series == [("2026-01", "0", "0", "2"), ("2026-02", "1", "1", "2"), ("2026-03", "2", "3", "1")]


async def test_targets_page_ranks_the_subordinate_divisions_as_the_api_does(
    desk: httpx.AsyncClient, client: httpx.AsyncClient, services: Any
) -> None:
    page = await desk.get("/console/reports/targets", params={"year": "2026", "as_of": AS_OF})
    assert page.status_code == 200, page.text
    r = await client.get(
        "/api/v1/reports/targets", params={"year": "2026", "as_of": AS_OF}, headers=await api(client, services)
    )
    payload = r.json()["payload"]
    # by hand, on 2026-04-01: above scale A, B, C; valid A (三级), B (二级): 2 of 3 against 100%
    whole = payload["whole"]
    assert (whole["above_scale"], whole["graded"], whole["share_percent"], whole["deduction_points"]) == (
        3,
        2,
        66.67,
        1.5,
    )
    html = page.text
    facts = dict(re.findall(r"<dt>([^<]+)</dt><dd>([^<]+)</dd>", html))
    assert (facts["规模以上企业"], facts["三级及以上有效"], facts["达标率"], facts["扣分"]) == (
        "3 家",
        "2 家",
        "66.67%",
        "1.5 分",
    )
    ranking = re.search(r"<caption[^>]*>排名</caption>.*?<tbody>(.*?)</tbody>", html, re.S)
    assert ranking
    rows = [re.findall(r"<t[hd][^>]*>([^<]*)</t[hd]>", row) for row in re.findall(r"<tr>(.*?)</tr>", ranking.group(1))]
    assert [[*row[:3], *map(float, row[3:9])] for row in rows] == [
        [
            str(s["rank"]),
            s["prefix"],
            s["name"],
            s["above_scale"],
            s["graded"],
            s["share_percent"],
            payload["target_percent"],
            s["shortfall_points"],
            s["deduction_points"],
        ]
        for s in payload["ranking"]
    ]
    assert [row[2] for row in rows] == ["城东区", "城中区", "城西区"]
    # two charts: the months' progress against the target, the divisions' shares
    charts = svgs(html)
    assert len(charts) == 2
    for chart in charts:
        assert_inline_safe(chart)
    ids = [el.get("id") for chart in charts for el in chart.iter() if el.get("id")]
    assert len(ids) == len(set(ids))  # two charts on one page share no id
    labels = [el.text for el in charts[1].iter(f"{SVG}text")]
    assert {"1. 城东区", "1. 城中区", "3. 城西区"} <= set(labels)


async def test_credit_page_and_its_tables(desk: httpx.AsyncClient) -> None:
    page = await desk.get("/console/reports/credit", params={"year": "2026", "as_of": AS_OF})
    assert page.status_code == 200, page.text
    for caption in ("按月汇总", "按名单类型", "按列入情形", "按决定机关", "部门落实措施", "合作部门答复"):
        assert re.search(f"<caption[^>]*>{caption}</caption>", page.text), caption
    # 按月汇总: every month of the year up to as_of (1 April), with or without listings
    assert re.findall(r'<th scope="row">(2026-\d\d)</th>', page.text) == ["2026-01", "2026-02", "2026-03", "2026-04"]


async def test_a_division_outside_the_area_is_refused_and_audited(desk: httpx.AsyncClient, services: Any) -> None:
    page = await desk.get("/console/reports/targets", params={"year": "2026", "division": "6302"})
    assert page.status_code == 403
    assert 'id="division-error"' in page.text
    assert "超出管辖范围" in page.text
    assert "<svg" not in page.text
    denied = await t.audit_for(services, "6302", "report.targets")
    assert [a.outcome for a in denied][-1:] == ["denied"]
    file = await desk.get(
        "/console/reports/monthly/file", params={"month": "2026-03", "division": "63", "format": "csv"}
    )
    assert file.status_code == 403
    assert "text/html" in file.headers["content-type"]
    assert [a.outcome for a in await t.audit_for(services, "63", "report.monthly")][-1:] == ["denied"]


async def test_bad_input_is_shown_beside_the_field(desk: httpx.AsyncClient) -> None:
    page = await desk.get("/console/reports/monthly", params={"month": "2026-13"})
    assert page.status_code == 422
    assert re.search(r'<p id="month-error" class="field-error">月份格式应为 YYYY-MM', page.text)
    page = await desk.get("/console/reports/monthly", params={"month": "2026-03", "as_of": "2999-01-01T00:00"})
    assert page.status_code == 422
    assert 'id="as_of-error"' in page.text
    page = await desk.get("/console/reports/credit", params={"year": ""})
    assert page.status_code == 422
    assert 'id="year-error"' in page.text
    assert (await desk.get("/console/reports/weekly")).status_code == 404
    assert (
        await desk.get("/console/reports/monthly/file", params={"month": "2026-03", "format": "pdf"})
    ).status_code == 422


async def test_the_pages_need_a_session(app: Any) -> None:
    async with t.client_at(app, t.address()) as anonymous:
        for path in ("/console/reports/monthly", "/console/reports/targets/file?year=2026&format=csv"):
            answer = await anonymous.get(path)
            assert answer.status_code == 303
            assert answer.headers["location"].startswith("/console/login?next=")


def links(html: str) -> dict[str, str]:
    found = {
        label: href.replace("&amp;", "&")
        for href, label in re.findall(r'<a (?:class="button" )?href="([^"]+)" download>([^<]+)</a>', html)
    }
    assert len(found) == 5, found
    return found


@pytest.mark.parametrize(("kind", "period"), [("monthly", "2026-03"), ("targets", "2026"), ("credit", "2026")])
async def test_downloads_are_the_apis_bytes_and_the_manifest_verifies(
    desk: httpx.AsyncClient, client: httpx.AsyncClient, services: Any, kind: str, period: str
) -> None:
    key = "month" if kind == "monthly" else "year"
    # no as_of asked: the page's report is taken now, and its links carry that as_of
    page = await desk.get(f"/console/reports/{kind}", params={key: period, "division": "630104"})
    assert page.status_code == 200, page.text
    found = links(page.text)
    public = jws.public_keys((await client.get("/.well-known/jwks.json")).json())
    headers = await api(client, services)
    for label, fmt in (("JSON（签名信封）", "json"), ("CSV", "csv"), ("XLSX", "xlsx")):
        href = found[label]
        query = {k: v[0] for k, v in parse_qs(urlsplit(href).query).items()}
        assert query["format"] == fmt
        assert (query["division"], query[key]) == ("630104", period)
        mine = await desk.get(href)
        assert mine.status_code == 200, mine.text
        assert "attachment" in mine.headers["content-disposition"]
        theirs = await client.get(f"/api/v1/reports/{kind}", params=query, headers=headers)
        assert theirs.status_code == 200, theirs.text
        assert mine.content == theirs.content
        assert mine.headers["content-type"] == theirs.headers["content-type"]
        if fmt == "json":
            payload = jws.verify_envelope(json.loads(mine.content), public)
            assert (payload["area"]["prefix"], payload["as_of"]) == ("630104", query["as_of"])
            continue
        manifest_file = await desk.get(found[f"{fmt.upper()} 签名清单（.jws）"])
        assert manifest_file.status_code == 200
        assert manifest_file.headers["content-type"] == "application/jose"
        assert manifest_file.headers["content-disposition"].endswith(f'.{fmt}.jws"')
        signature = manifest_file.content.decode()
        assert signature == mine.headers["x-report-signature"] == theirs.headers["x-report-signature"]
        header, signed = jws.verify(signature, public)
        manifest = json.loads(signed)
        assert header["typ"] == FILE_TYP
        assert manifest["sha256"] == hashlib.sha256(mine.content).hexdigest()
        assert manifest["bytes"] == len(mine.content)
        assert (manifest["report"], manifest["format"], manifest["as_of"]) == (kind, fmt, query["as_of"])


async def test_the_browsers_local_time_is_beijing_time(desk: httpx.AsyncClient) -> None:
    """<input type="datetime-local"> sends no offset: the page reads it as Beijing time, and the
    report (and its downloads) are taken as of that instant."""
    page = await desk.get("/console/reports/monthly", params={"month": "2026-03", "as_of": "2026-04-01T12:00"})
    assert page.status_code == 200, page.text
    hrefs = [h.replace("&amp;", "&") for h in re.findall(r'href="(/console/reports/monthly/file\?[^"]+)"', page.text)]
    assert hrefs
    assert {parse_qs(urlsplit(h).query)["as_of"][0] for h in hrefs} == {AS_OF}  # 12:00 in Beijing is 04:00Z

"""The console's import pages: upload, confirm, progress and report, the report and template files.

Through the pages as a browser would (session cookie, CSRF token), on SQLite and on PostgreSQL with
the console's store in Redis.
"""

from __future__ import annotations

import asyncio
import csv
import dataclasses
import io
import re
from typing import Any

import httpx
from openpyxl import load_workbook
from sqlalchemy import func, select

from registry.app import create_app
from registry.db.models import CreditEvent, Enterprise
from registry.domain.enterprises.schemas import EnterpriseCreate
from registry.domain.imports.tables import example_uscc
from registry.settings import UploadSettings
from tests import factories as f
from tests.conftest import running
from tests.integration.console_support import field, signed_in
from tests.integration.support import actor, audit_for

HEADER = ["统一社会信用代码", "单位名称", "行政区划代码", "行业", "规模"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def csv_file(header: list[str], rows: list[list[str]]) -> bytes:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows([header, *rows])
    return buf.getvalue().encode()


async def upload(
    client: httpx.AsyncClient, kind: str, name: str, content: bytes, ctype: str = "text/csv"
) -> httpx.Response:
    form = await client.get("/console/import")
    assert form.status_code == 200, form.text
    return await client.post(
        "/console/import",
        data={"_csrf": field(form.text, "_csrf"), "kind": kind},
        files={"file": (name, content, ctype)},
    )


async def run_import(
    client: httpx.AsyncClient, kind: str, name: str, content: bytes, ctype: str = "text/csv"
) -> tuple[str, str]:
    """Upload, confirm, and wait for the job: (the job's path, its finished page)."""
    confirm = await upload(client, kind, name, content, ctype)
    assert confirm.status_code == 200, confirm.text
    action = re.search(r'action="(/console/import/jobs/[^"]+/start)"', confirm.text)
    assert action, confirm.text
    started = await client.post(action.group(1), data={"_csrf": field(confirm.text, "_csrf")})
    assert started.status_code == 303, started.text
    path = started.headers["location"]
    for _ in range(100):
        page = await client.get(path)
        assert page.status_code == 200, page.text
        if 'http-equiv="refresh"' not in page.text:
            return path, page.text
    raise AssertionError("the import did not finish")


def count(page: str, name: str) -> int:
    found = re.search(rf'id="count-{name}">(\d+)<', page)
    assert found, page
    return int(found.group(1))


def row_errors(page: str) -> list[tuple[int, str, str]]:
    return [
        (int(r), fl, why) for r, fl, why in re.findall(r"<tr><td>(\d+)</td><td>([^<]*)</td><td>([^<]*)</td></tr>", page)
    ]


async def stored(services: Any, uscc: str) -> Enterprise | None:
    async with services.db.read() as session:
        return await session.scalar(select(Enterprise).where(Enterprise.uscc == uscc))


async def test_upload_shows_counts_and_row_errors_and_the_same_file_again_changes_nothing(
    app: Any, services: Any
) -> None:
    desk = await signed_in(app, services)
    good, bad, outside = f.uscc(), f.uscc(), f.uscc("410105")
    content = csv_file(
        HEADER,
        [
            [good, "郑州好企业有限公司", "410103", "机械", "规模以上"],
            [
                bad[:-1] + ("1" if bad[-1] != "1" else "2"),
                '=HYPERLINK("http://evil/","详情")',
                "410103",
                "机械",
                "规模以上",
            ],
            [outside, "金水区企业有限公司", "410105", "机械", "规模以上"],
        ],
    )
    confirm = await upload(desk.client, "enterprises", "企业.csv", content)
    assert confirm.status_code == 200, confirm.text
    assert re.search(r'id="rows">3<', confirm.text)
    assert "确认导入" in confirm.text
    assert await stored(services, good) is None  # nothing before the confirmation
    path, page = await run_import(desk.client, "enterprises", "企业.csv", content)
    assert (count(page, "rows"), count(page, "created"), count(page, "updated"), count(page, "unchanged")) == (
        3,
        1,
        0,
        0,
    )
    assert count(page, "refused") == 2
    errors = row_errors(page)
    assert (3, "统一社会信用代码") in [(r, fl) for r, fl, _ in errors], errors
    assert any(r == 4 and fl == "行政区划代码" and "超出本机关管辖范围" in why for r, fl, why in errors), errors
    assert await stored(services, good) is not None
    assert await stored(services, outside) is None

    # the report: every row error, formula-like cells neutralised, in CSV (with BOM) and XLSX
    report_csv = await desk.client.get(f"{path}/report/csv")
    assert report_csv.status_code == 200
    assert report_csv.headers["content-type"].startswith("text/csv")
    assert "attachment" in report_csv.headers["content-disposition"]
    assert report_csv.content.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(report_csv.content.decode("utf-8-sig"))))
    assert table[0][:3] == ["行号", "统一社会信用代码", "字段"]
    assert {r[0] for r in table[1:]} == {"3", "4"}
    report_xlsx = await desk.client.get(f"{path}/report/xlsx")
    assert report_xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(report_xlsx.content)).active
    assert sheet is not None
    cells = [c for row in sheet.iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert "原因" in cells
    assert not any(c.startswith(("=", "+", "-", "@")) for c in cells)

    # the same file again: nothing changes, and the page says the file was imported before
    again = await upload(desk.client, "enterprises", "企业.csv", content)
    assert 'id="earlier"' in again.text
    assert "不会改变任何数据" in again.text
    version = (await stored(services, good)).version  # type: ignore[union-attr]
    _, page = await run_import(desk.client, "enterprises", "企业.csv", content)
    assert (count(page, "created"), count(page, "updated"), count(page, "unchanged"), count(page, "refused")) == (
        0,
        0,
        1,
        2,
    )
    assert (await stored(services, good)).version == version  # type: ignore[union-attr]

    # another officer cannot read this job or its report (its rows may be outside their area)
    other = await signed_in(app, services, "410105")
    assert (await other.client.get(path)).status_code == 404
    assert (await other.client.get(f"{path}/report/csv")).status_code == 404


async def test_a_file_refused_as_a_whole_is_shown_beside_the_field_and_nothing_is_kept(app: Any, services: Any) -> None:
    desk = await signed_in(app, services)
    uscc = f.uscc()
    missing = await upload(desk.client, "enterprises", "缺列.csv", csv_file(HEADER[:3], [[uscc, "某公司", "410103"]]))
    assert missing.status_code == 422
    assert 'id="file-error"' in missing.text
    assert "缺少必需的列" in missing.text
    no_file = await desk.client.post(
        "/console/import", data={"_csrf": field(missing.text, "_csrf"), "kind": "enterprises"}
    )
    assert no_file.status_code == 422
    assert "请选择要上传的" in no_file.text
    not_a_table = await upload(desk.client, "enterprises", "x.pdf", b"%PDF-1.4", "application/pdf")
    assert not_a_table.status_code == 415
    assert "仅支持 CSV 或 XLSX" in not_a_table.text
    assert await stored(services, uscc) is None


async def test_forms_without_the_token_are_refused(app: Any, services: Any) -> None:
    desk = await signed_in(app, services)
    uscc = f.uscc()
    content = csv_file(HEADER, [[uscc, "某公司", "410103", "机械", "规模以上"]])
    forged = await desk.client.post(
        "/console/import", data={"kind": "enterprises"}, files={"file": ("a.csv", content, "text/csv")}
    )
    assert forged.status_code == 403
    confirm = await upload(desk.client, "enterprises", "a.csv", content)
    action = re.search(r'action="(/console/import/jobs/[^"]+/start)"', confirm.text)
    assert action
    assert (await desk.client.post(action.group(1), data={"_csrf": "wrong"})).status_code == 403
    assert await stored(services, uscc) is None


async def events(services: Any, uscc: str) -> int:
    async with services.db.read() as session:
        return int(
            await session.scalar(
                select(func.count())
                .select_from(CreditEvent)
                .join(Enterprise, Enterprise.id == CreditEvent.enterprise_id)
                .where(Enterprise.uscc == uscc)
            )
            or 0
        )


async def test_templates_import_back_with_no_error_and_an_events_file_is_imported_once(app: Any, services: Any) -> None:
    desk = await signed_in(app, services, "410122")
    uscc = example_uscc("410122")
    for kind in ("enterprises", "events"):
        for fmt in ("csv", "xlsx"):
            answer = await desk.client.get(f"/console/import/template/{kind}.{fmt}")
            assert answer.status_code == 200, answer.text
            assert "attachment" in answer.headers["content-disposition"]
    plain = await desk.client.get("/console/import/template/enterprises.csv")
    assert plain.content.startswith(b"\xef\xbb\xbf")
    header = next(csv.reader(io.StringIO(plain.content.decode("utf-8-sig"))))
    assert header[:5] == HEADER
    book = await desk.client.get("/console/import/template/enterprises.xlsx")
    assert book.headers["content-type"] == XLSX
    sheet = load_workbook(io.BytesIO(book.content)).active
    assert sheet is not None
    assert [c.value for c in sheet[1]][:5] == HEADER
    assert sheet.cell(2, 1).value == uscc

    _, page = await run_import(desk.client, "enterprises", "模板.xlsx", book.content, XLSX)
    assert count(page, "refused") == 0
    assert count(page, "created") + count(page, "unchanged") == 1
    assert 'id="row-errors"' not in page

    book = await desk.client.get("/console/import/template/events.xlsx")
    sheet = load_workbook(io.BytesIO(book.content)).active
    assert sheet is not None
    assert sheet.cell(1, 1).value == "事件类别"
    before = await events(services, uscc)
    _, page = await run_import(desk.client, "events", "事件.xlsx", book.content, XLSX)
    assert (count(page, "recorded"), count(page, "refused")) == (1, 0), page
    assert await events(services, uscc) == before + 1

    # the same events file again would record the penalty twice: refused, shown, nothing recorded
    again = await upload(desk.client, "events", "事件.xlsx", book.content, XLSX)
    assert 'id="earlier"' in again.text
    assert "不能再次导入" in again.text
    assert "确认导入" not in again.text
    ids = re.findall(r"<code>([0-9a-f]{64})</code>", again.text)
    assert ids
    assert await events(services, uscc) == before + 1
    assert [e.action for e in await audit_for(services, ids[0])] == ["import.file"]


async def test_an_events_file_confirmed_in_two_tabs_is_imported_once(app: Any, services: Any) -> None:
    """Two confirmations of one file (two tabs, or two officers): the second start is refused by
    the service, shown, and records nothing."""
    desk = await signed_in(app, services)
    unit = f.enterprise()
    await services.enterprises.create(
        await actor(services, division="410103", level="county"), EnterpriseCreate(**unit)
    )
    number = f"（郑二应急）应急罚〔2026〕{unit['uscc'][-6:]}号"
    header = ["事件类别", "统一社会信用代码", "发生日期", "来源文书", "处罚决定书文号", "处罚依据", "罚款金额（元）"]
    row = [
        "行政处罚",
        unit["uscc"],
        "2026-03-02",
        number,
        number,
        "《中华人民共和国安全生产法》第九十七条第一项",
        "20000",
    ]
    content = csv_file(header, [row])
    waiting = await upload(desk.client, "events", "e.csv", content)
    action = re.search(r'action="(/console/import/jobs/[^"]+/start)"', waiting.text)
    assert action
    _, page = await run_import(desk.client, "events", "e.csv", content)
    assert count(page, "recorded") == 1
    late = await desk.client.post(action.group(1), data={"_csrf": field(waiting.text, "_csrf")})
    assert late.status_code == 303
    shown = await desk.client.get(late.headers["location"])
    assert 'id="refused"' in shown.text
    assert "本次未导入任何数据" in shown.text
    assert await events(services, unit["uscc"]) == 1


async def test_the_api_upload_limits_hold_on_the_page(settings: Any, clock: Any) -> None:
    """The body limit answers a page (nothing read), the row limit a message beside the file."""
    small = dataclasses.replace(
        settings,
        limits=dataclasses.replace(settings.limits, max_upload_bytes=4096),
        uploads=dataclasses.replace(UploadSettings(), max_rows=2),
    )
    app = create_app(small, clock=clock)
    async with running(app):
        services = app.state.services
        desk = await signed_in(app, services)
        rows = [[f.uscc(), f"限行{i}有限公司", "410103", "机械", "规模以上"] for i in range(3)]
        many = await upload(desk.client, "enterprises", "many.csv", csv_file(HEADER, rows))
        assert many.status_code == 413
        assert 'id="file-error"' in many.text
        assert "import_max_rows = 2" in many.text
        big = await upload(desk.client, "enterprises", "big.csv", csv_file(HEADER, rows * 40))
        assert big.status_code == 413
        assert "文件过大" in big.text
        assert "text/html" in big.headers["content-type"]
        for uscc, *_ in rows:
            assert await stored(services, uscc) is None
        await desk.client.aclose()


async def test_a_large_file_shows_its_progress_until_done(settings: Any, clock: Any) -> None:
    """The confirmation answers at once (wait 0) and the job's page refreshes itself, with how far
    the import got, until the report is there."""
    quick = dataclasses.replace(
        settings,
        console=dataclasses.replace(settings.console, import_wait_seconds=0.0),
        limits=dataclasses.replace(settings.limits, import_batch_rows=50),
    )
    app = create_app(quick, clock=clock)
    async with running(app):
        services = app.state.services
        desk = await signed_in(app, services)
        rows = [[f.uscc(), f"进度{i}有限公司", "410103", "机械", "规模以上"] for i in range(2000)]
        confirm = await upload(desk.client, "enterprises", "large.csv", csv_file(HEADER, rows))
        action = re.search(r'action="(/console/import/jobs/[^"]+/start)"', confirm.text)
        assert action
        started = await desk.client.post(action.group(1), data={"_csrf": field(confirm.text, "_csrf")})
        first = await desk.client.get(started.headers["location"])
        assert '<meta http-equiv="refresh" content="2">' in first.text
        assert 'id="progress"' in first.text
        assert re.search(r"已处理 \d+ / 2000 行", first.text)
        for _ in range(600):
            page = await desk.client.get(started.headers["location"])
            if 'id="summary"' in page.text:
                break
            await asyncio.sleep(0.05)
        assert 'http-equiv="refresh"' not in page.text
        assert (count(page.text, "rows"), count(page.text, "created")) == (2000, 2000)
        await desk.client.aclose()

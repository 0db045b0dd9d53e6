"""What one upload may cost (issue 18 items 2 and 6): zip bombs, DTDs, row/column/cell/line caps and
the time limit are refused with 413/422 naming the limit before a row is written, and reading a
large file never stops the same app from answering others."""

from __future__ import annotations

import asyncio
import dataclasses
import io
import time
import zipfile
from typing import Any

import pytest
from openpyxl import Workbook

from registry.app import create_app
from registry.settings import UploadSettings
from tests.conftest import running
from tests.integration import support as t

IMPORT = "/api/v1/enterprises/import"
EVENTS_IMPORT = "/api/v1/events/import"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER = ["uscc", "name", "division_code", "industry", "scale"]
SHEET = "xl/worksheets/sheet1.xml"
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
SST_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"


def workbook(rows: list[list[Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def rewritten(data: bytes, change: dict[str, Any], add: dict[str, bytes] | None = None) -> bytes:
    """The workbook with some parts changed (name -> function of the old bytes) or added."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            body = src.read(info.filename)
            z.writestr(info, change[info.filename](body) if info.filename in change else body)
        for name, body in (add or {}).items():
            z.writestr(name, body)
    return out.getvalue()


def bomb(unpacked: int) -> bytes:
    """A valid-looking XLSX whose sheet is ``unpacked`` bytes of one row repeated: deflate packs it
    about 1000:1, so a 110 MiB sheet travels in a few hundred KiB."""
    row = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>' * 1000
    head = f'<worksheet xmlns="{MAIN_NS}"><sheetData>'.encode()
    out = io.BytesIO()
    src = zipfile.ZipFile(io.BytesIO(workbook([])))
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for info in src.infolist():
            if info.filename != SHEET:
                z.writestr(info, src.read(info.filename))
        info = zipfile.ZipInfo(SHEET)
        info.compress_type = zipfile.ZIP_DEFLATED
        with z.open(info, "w", force_zip64=True) as part:
            part.write(head)
            written = len(head)
            while written < unpacked:
                part.write(row)
                written += len(row)
            part.write(b"</sheetData></worksheet>")
    return out.getvalue()


def slow_xlsx(strings: int) -> bytes:
    """A small, valid XLSX whose shared-strings table has ``strings`` entries: openpyxl spends
    about 100 us on each while opening the workbook, in one call, before the first row."""
    table = "".join(f"<si><t>{n}</t></si>" for n in range(strings))
    return rewritten(
        workbook([]),
        {
            "[Content_Types].xml": lambda b: b.replace(
                b"</Types>", f'<Override PartName="/xl/sharedStrings.xml" ContentType="{SST_TYPE}"/></Types>'.encode()
            )
        },
        {"xl/sharedStrings.xml": f'<sst xmlns="{MAIN_NS}">{table}</sst>'.encode()},
    )


def assert_limit(r: Any, status: int, limit: str, value: object) -> dict[str, Any]:
    body = t.assert_problem(r, status)
    assert body["limit"] == limit, body
    assert body["limit_value"] == value, body
    assert limit in body["detail"], body
    assert str(value) in body["detail"], body
    return body


@pytest.fixture
async def h(client, services):
    return await t.bureau(client, services)


@pytest.mark.parametrize("path", [IMPORT, EVENTS_IMPORT])
async def test_xlsx_zip_bomb_is_refused_from_its_sizes_before_reading(client, services, h, path):
    data = bomb(110 * 1024 * 1024)
    assert len(data) < 400 * 1024
    before = await t.counts(services)
    started = time.perf_counter()
    r = await client.post(path, files={"file": ("bomb.xlsx", data, XLSX)}, headers=h)
    assert_limit(r, 413, "xlsx_max_unpacked_bytes", UploadSettings().xlsx_max_unpacked_bytes)
    assert time.perf_counter() - started < 10
    assert await t.counts(services) == before


async def test_xlsx_part_packed_beyond_the_ratio_is_refused(client, services, h):
    data = bomb(20 * 1024 * 1024)  # under the size limit, ~1000:1
    r = await client.post(IMPORT, files={"file": ("ratio.xlsx", data, XLSX)}, headers=h)
    assert_limit(r, 413, "xlsx_max_ratio", UploadSettings().xlsx_max_ratio)


async def test_xlsx_with_too_many_parts_is_refused(client, services, h):
    parts = {f"xl/media/pad{i}.bin": b"" for i in range(UploadSettings().xlsx_max_parts)}
    r = await client.post(IMPORT, files={"file": ("parts.xlsx", rewritten(workbook([]), {}, parts), XLSX)}, headers=h)
    assert_limit(r, 413, "xlsx_max_parts", UploadSettings().xlsx_max_parts)


LAUGHS = '<!DOCTYPE w [<!ENTITY a "aaaaaaaaaa">' + "".join(
    f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(8)
)


@pytest.mark.parametrize(
    ("part", "prolog", "use"),
    [
        # a billion laughs in the sheet: expat's own guard raised ParseError -> 500 before
        (SHEET, LAUGHS + "]>", (b">\xe8\x90\xbd<", b">&i;<")),
        # an external entity (XXE) in the sheet: ParseError -> 500 before
        (SHEET, '<!DOCTYPE w [<!ENTITY e SYSTEM "file:///etc/passwd">]>', (b">\xe8\x90\xbd<", b">&e;<")),
        # a harmless-looking internal entity in the workbook part: was read and expanded before
        ("xl/workbook.xml", '<!DOCTYPE w [<!ENTITY a "x">]>', None),
    ],
    ids=["billion-laughs", "external-entity", "internal-entity"],
)
async def test_xlsx_with_a_dtd_or_entities_is_422(client, services, h, part, prolog, use):
    fam = t.Family()
    data = workbook([[fam.uscc(), "落", "410103", "machinery", "micro"]])

    def change(body: bytes) -> bytes:
        body = prolog.encode() + body
        return body.replace(*use) if use else body

    before = await t.counts(services)
    r = await client.post(IMPORT, files={"file": ("dtd.xlsx", rewritten(data, {part: change}), XLSX)}, headers=h)
    body = t.assert_field(r, "file", "xml_dtd")
    assert body["limit"] == "xml_dtd"
    assert await t.counts(services) == before


async def test_damaged_xlsx_parts_are_415_not_500(client, services, h):
    """An undefined entity (no DTD) fails inside openpyxl while rows are read: 415, never 500."""
    fam = t.Family()
    data = workbook([[fam.uscc(), "坏", "410103", "machinery", "micro"]])
    broken = rewritten(data, {SHEET: lambda b: b.replace(b">\xe5\x9d\x8f<", b">&nope;<")})
    r = await client.post(IMPORT, files={"file": ("bad.xlsx", broken, XLSX)}, headers=h)
    t.assert_problem(r, 415, "unsupported_media_type")


@pytest.fixture
async def small(settings, clock):
    """An app of its own whose upload limits are lowered (rows 5, time 0.5 s)."""
    uploads = dataclasses.replace(UploadSettings(), max_rows=5, parse_seconds=0.5)
    app = create_app(dataclasses.replace(settings, uploads=uploads), clock=clock)
    async with running(app), t.client_at(app, t.address()) as c:
        yield c, await t.bureau(c, app.state.services), app.state.services


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
async def test_more_rows_than_the_cap_are_refused_and_none_is_written(small, kind):
    c, h, services = small
    fam = t.Family()
    rows = [[fam.uscc(), f"限行{i}有限公司", "410103", "machinery", "micro"] for i in range(6)]
    if kind == "csv":
        data = (",".join(HEADER) + "\n" + "".join(",".join(r) + "\n" for r in rows)).encode()
        ctype = "text/csv"
    else:
        data, ctype = workbook(rows), XLSX
    before = await t.counts(services)
    r = await c.post(IMPORT, files={"file": (f"rows.{kind}", data, ctype)}, headers=h)
    assert_limit(r, 413, "import_max_rows", 5)
    assert await t.counts(services) == before  # not even the first five
    ok = await c.post(IMPORT, files={"file": (f"rows.{kind}", workbook(rows[:5]), XLSX)}, headers=h)
    assert ok.status_code == 200, ok.text
    assert ok.json()["created"] == 5


async def test_reading_past_the_time_limit_is_refused(small):
    c, h, services = small
    before = await t.counts(services)
    started = time.perf_counter()
    r = await c.post(IMPORT, files={"file": ("slow.xlsx", slow_xlsx(200_000), XLSX)}, headers=h)
    assert_limit(r, 413, "import_parse_seconds", 0.5)
    # the deadline is checked inside openpyxl's reading, not only between rows (unbounded: ~20 s)
    assert time.perf_counter() - started < 8
    assert await t.counts(services) == before


def csv_of(lines: list[str]) -> bytes:
    return ("\n".join(lines) + "\n").encode()


@pytest.mark.parametrize(
    ("data", "limit", "value", "fld", "code"),
    [
        (
            csv_of([",".join(HEADER + [f"x{i}" for i in range(60)])]),
            "import_max_columns",
            64,
            "row.1",
            "too_many_columns",
        ),
        (
            csv_of([",".join(HEADER), "9" * 10 + ",名称,410103,machinery,micro" + ",x" * 70]),
            "import_max_columns",
            64,
            "row.2",
            "too_many_columns",
        ),
        (
            csv_of([",".join(HEADER), f"x,{'长' * 40_000},410103,machinery,micro"]),
            "import_max_cell_chars",
            32_767,
            "row.2",
            "cell_too_long",
        ),
        (
            csv_of([",".join(HEADER), ",".join(["y" * 30_000] * 5)]),
            "import_max_line_chars",
            131_072,
            "row.2",
            "line_too_long",
        ),
        (
            csv_of([",".join(HEADER), "x,名\x00称,410103,machinery,micro"]),
            "control_characters",
            "NUL",
            "row.2",
            "nul_character",
        ),
    ],
    ids=["wide-header", "wide-row", "long-cell", "long-line", "nul"],
)
async def test_csv_shape_limits_are_422_naming_the_limit(client, services, h, data, limit, value, fld, code):
    before = await t.counts(services)
    r = await client.post(IMPORT, files={"file": ("shape.csv", data, "text/csv")}, headers=h)
    body = t.assert_field(r, fld, code)
    assert body["limit"] == limit
    assert body["limit_value"] == value
    assert await t.counts(services) == before


async def test_the_app_answers_health_checks_while_an_upload_is_read(client, services, h):
    """Before: openpyxl read the workbook on the event loop and /health/live waited for it."""
    # big enough to take a second or more here, quiet or loaded (0.87 s with 120,000 rows when quiet)
    data = slow_xlsx(200_000)
    done = asyncio.Event()
    gaps: list[float] = []

    async def upload() -> tuple[Any, float]:
        started = time.perf_counter()
        try:
            r = await client.post(IMPORT, files={"file": ("slow.xlsx", data, XLSX)}, headers=h)
        finally:
            done.set()
        return r, time.perf_counter() - started

    async def poll() -> None:
        # the gap between two answers: a blocked loop delays the next request, not only its answer
        last = time.perf_counter()
        while not done.is_set():
            r = await client.get("/health/live")
            assert r.status_code == 200
            now = time.perf_counter()
            gaps.append(now - last)
            last = now
            await asyncio.sleep(0.02)

    (r, took), _ = await asyncio.gather(upload(), poll())
    assert r.status_code == 200, r.text
    assert took > 0.6, f"the upload was too quick ({took:.2f} s) to show anything"
    assert max(gaps) < min(0.5, took / 4), (max(gaps), took)  # before: one gap as long as the upload
    assert len(gaps) >= 5, gaps

"""Bulk import of the register (CSV and XLSX): good rows upserted by USCC, bad rows reported."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from registry.db.models import Enterprise, EnterpriseName
from registry.domain.imports.importer import EnterpriseImporter
from registry.domain.imports.readers import Row, read_upload
from tests.integration import support as t

IMPORT = "/api/v1/enterprises/import"
EN = ["uscc", "name", "division_code", "industry", "scale"]
ZH = ["统一社会信用代码", "单位名称", "行政区划代码", "行业", "规模"]


def csv_bytes(header: list[str], rows: list[list[str]], encoding: str = "utf-8") -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue().encode(encoding)


def xlsx_bytes(header: list[str], rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def wrong_check(code: str) -> str:
    return code[:-1] + ("1" if code[-1] != "1" else "2")


async def upload(client, h, name: str, data: bytes, ctype: str = "text/csv") -> dict:
    r = await client.post(IMPORT, files={"file": (name, data, ctype)}, headers=h)
    assert r.status_code == 200, r.text
    return r.json()


async def stored(services, prefix: str) -> int:
    async with services.db.read() as session:
        return int(
            await session.scalar(select(func.count()).select_from(Enterprise).where(Enterprise.uscc.startswith(prefix)))
            or 0
        )


def errors_by_row(report: dict) -> dict[int, set[tuple[str, str]]]:
    out: dict[int, set[tuple[str, str]]] = {}
    for e in report["errors"]:
        assert e["message_zh"]
        assert e["message_en"]
        out.setdefault(e["row"], set()).add((e["field"], e["code"]))
    return out


async def test_utf8_csv_stores_good_rows_and_reports_bad_ones(client, services):
    h = await t.bureau(client, services)
    fam = t.Family()
    good = [fam.uscc() for _ in range(3)]
    rows = [
        [good[0], "好企业一有限公司", "410103", "machinery", "above_scale"],
        [wrong_check(fam.uscc()), "校验错有限公司", "410103", "machinery", "micro"],
        [good[1], "好企业二有限公司", "410103", "chemical", "micro"],
        [fam.uscc(), "未知行业有限公司", "410103", "steel", "micro"],
        [fam.uscc(), "区划错有限公司", "4101", "machinery", "micro"],
        [fam.uscc(), "", "410103", "machinery", "micro"],
        [good[2], "好企业三有限公司", "410103", "textile", "below_scale"],
    ]
    report = await upload(client, h, "good-and-bad.csv", csv_bytes(EN, rows))
    assert (report["rows"], report["created"], report["updated"], report["unchanged"], report["rejected"]) == (
        7,
        3,
        0,
        0,
        4,
    )
    # line 1 is the header, so the first data row is row 2, as the officer sees it in a spreadsheet
    assert errors_by_row(report) == {
        3: {("uscc", "uscc.check")},
        5: {("industry", "enum")},
        6: {("division_code", "division.format")},
        7: {("name", "required")},
    }
    assert await stored(services, fam.prefix) == 3
    got = (await client.get(f"/api/v1/enterprises/{good[1]}", headers=h)).json()
    assert (got["name"], got["industry"], got["scale"], got["version"]) == ("好企业二有限公司", "chemical", "micro", 1)
    [entry] = await t.audit_for(services, good[1])
    assert (entry.action, entry.before, entry.after["name"]) == ("enterprise.create", None, "好企业二有限公司")


@pytest.mark.parametrize("encoding", ["gb18030", "utf-8-sig"])
async def test_chinese_headers_and_labels_in_gb18030_or_excel_utf8(client, services, encoding):
    h = await t.bureau(client, services)
    fam = t.Family()
    a, b = fam.uscc(), fam.uscc()
    header = [*ZH, "经营地区划代码", "组织机构代码", "地址"]
    org = t.org_code()
    rows = [
        [a, "郑州市二七区𠮷祥机械有限公司", "410103", "机械", "规模以上", "410105；410106", org, "航海中路 88 号"],
        [b, "郑州烟草配送有限公司", "410103", "烟草", "小微", "", "", ""],
    ]
    report = await upload(client, h, "中文.csv", csv_bytes(header, rows, encoding))
    assert (report["created"], report["rejected"]) == (2, 0), report
    got = (await client.get(f"/api/v1/enterprises/{a}", headers=h)).json()
    assert got["name"] == "郑州市二七区𠮷祥机械有限公司"
    assert (got["industry"], got["scale"]) == ("machinery", "above_scale")
    assert got["operating_divisions"] == ["410105", "410106"]
    assert got["org_code"] == org
    assert got["address"] == "航海中路 88 号"
    other = (await client.get(f"/api/v1/enterprises/{b}", headers=h)).json()
    assert (other["industry"], other["scale"]) == ("tobacco", "micro")


async def test_xlsx_built_by_openpyxl(client, services):
    h = await t.bureau(client, services)
    fam = t.Family()
    a, b = fam.uscc(), fam.uscc()
    header = [*ZH, "名称启用日期", "工商注册号"]
    reg = t.registration_no()
    rows: list[list[object]] = [
        [a, "表格导入一有限公司", 410103, "轻工", "规模以下", dt.datetime(2019, 7, 1), reg],
        [None, None, None, None, None, None, None],  # a blank line keeps its number
        [wrong_check(fam.uscc()), "表格坏行有限公司", 410103, "机械", "小微", None, None],
        [b, "表格导入二有限公司", "410103", "nonferrous", "micro", "2020-02-30", None],
    ]
    ctype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    report = await upload(client, h, "register.xlsx", xlsx_bytes(header, rows), ctype)
    assert (report["rows"], report["created"], report["rejected"]) == (3, 1, 2), report
    assert errors_by_row(report) == {4: {("uscc", "uscc.check")}, 5: {("name_valid_from", "date")}}
    got = (await client.get(f"/api/v1/enterprises/{a}", headers=h)).json()
    assert (got["division_code"], got["industry"], got["scale"]) == ("410103", "light_industry", "below_scale")
    assert got["registration_no"] == reg
    assert got["names"][0]["valid_from"] == "2019-07-01"
    t.assert_problem(await client.get(f"/api/v1/enterprises/{b}", headers=h), 404)


async def test_same_file_twice_changes_nothing_the_second_time(client, services):
    h = await t.bureau(client, services, "410000", "provincial")
    fam = t.Family()
    rows = [
        [fam.uscc(), f"重复导入{i}有限公司", "410103", "machinery", "micro", "410105;410102", t.registration_no()]
        for i in range(5)
    ]
    rows.append([wrong_check(fam.uscc()), "坏行有限公司", "410103", "machinery", "micro", "", ""])
    data = csv_bytes([*EN, "operating_divisions", "registration_no"], rows)
    first = await upload(client, h, "twice.csv", data)
    assert (first["created"], first["rejected"]) == (5, 1)
    before = await t.counts(services)
    second = await upload(client, h, "twice.csv", data)
    assert (second["created"], second["updated"], second["unchanged"], second["rejected"]) == (0, 0, 5, 1)
    after = await t.counts(services)
    # only the import's own summary entry is new
    assert after == {**before, "audit_entries": before["audit_entries"] + 1}
    for row in rows[:5]:
        assert (await client.get(f"/api/v1/enterprises/{row[0]}", headers=h)).json()["version"] == 1
    # the operating divisions in another order are still the same record
    shuffled = [[*r[:5], "410102；410105", r[6]] for r in rows[:5]]
    third = await upload(client, h, "twice.csv", csv_bytes([*EN, "operating_divisions", "registration_no"], shuffled))
    assert (third["created"], third["updated"], third["unchanged"]) == (0, 0, 5)


async def test_changed_row_updates_one_enterprise_with_name_history(client, services):
    h = await t.bureau(client, services)
    fam = t.Family()
    rows = [[fam.uscc(), f"原名{i}有限公司", "410103", "machinery", "micro"] for i in range(3)]
    await upload(client, h, "v1.csv", csv_bytes(EN, rows))
    rows[1] = [rows[1][0], "新名称股份有限公司", "410103", "machinery", "above_scale"]
    report = await upload(client, h, "v2.csv", csv_bytes(EN, rows))
    assert (report["created"], report["updated"], report["unchanged"], report["rejected"]) == (0, 1, 2, 0)
    got = (await client.get(f"/api/v1/enterprises/{rows[1][0]}", headers=h)).json()
    assert [n["name"] for n in got["names"]] == ["原名1有限公司", "新名称股份有限公司"]
    assert (got["scale"], got["version"]) == ("above_scale", 2)
    [entry] = await t.audit_for(services, rows[1][0], "enterprise.update")
    assert (entry.before["name"], entry.after["name"]) == ("原名1有限公司", "新名称股份有限公司")
    assert (entry.before["scale"], entry.after["scale"]) == ("micro", "above_scale")


async def test_duplicates_inside_one_file_are_reported(client, services):
    h = await t.bureau(client, services)
    fam = t.Family()
    dup, reg = fam.uscc(), t.registration_no()
    other = fam.uscc()
    rows = [
        [dup, "第一次出现有限公司", "410103", "machinery", "micro", reg],
        [other, "别家有限公司", "410103", "machinery", "micro", reg],
        [dup, "第二次出现有限公司", "410103", "machinery", "micro", ""],
    ]
    report = await upload(client, h, "dups.csv", csv_bytes([*EN, "registration_no"], rows))
    assert (report["created"], report["rejected"]) == (1, 2), report
    assert errors_by_row(report) == {
        3: {("registration_no", "duplicate_in_file")},
        4: {("uscc", "duplicate_in_file")},
    }
    assert any("第 2 行" in e["message_zh"] and "row 2" in e["message_en"] for e in report["errors"])
    assert (await client.get(f"/api/v1/enterprises/{dup}", headers=h)).json()["name"] == "第一次出现有限公司"
    t.assert_problem(await client.get(f"/api/v1/enterprises/{other}", headers=h), 404)


async def test_alias_owned_by_another_enterprise_is_reported(client, services):
    h = await t.bureau(client, services)
    reg = t.registration_no()
    owner = await t.create(client, h, registration_no=reg)
    fam = t.Family()
    taker = fam.uscc()
    report = await upload(
        client,
        h,
        "alias.csv",
        csv_bytes([*EN, "registration_no"], [[taker, "抢号有限公司", "410103", "machinery", "micro", reg]]),
    )
    assert (report["created"], report["rejected"]) == (0, 1), report
    assert errors_by_row(report) == {2: {("registration_no", "alias_taken")}}
    assert (await client.get(f"/api/v1/enterprises/{owner['uscc']}", headers=h)).json()["registration_no"] == reg


async def test_rows_outside_the_bureau_jurisdiction_are_rejected(client, services):
    national = await t.national(client, services)
    elsewhere = await t.create(client, national, division_code="440305")
    h = await t.bureau(client, services, "410103")
    fam = t.Family()
    inside = fam.uscc()
    rows = [
        [inside, "辖区内有限公司", "410103", "machinery", "micro"],
        [fam.uscc(), "辖区外有限公司", "440305", "machinery", "micro"],
        # an enterprise registered elsewhere cannot be pulled in by an import
        [elsewhere["uscc"], elsewhere["name"], "410103", "machinery", "micro"],
    ]
    report = await upload(client, h, "area.csv", csv_bytes(EN, rows))
    assert (report["created"], report["updated"], report["rejected"]) == (1, 0, 2), report
    assert errors_by_row(report) == {
        3: {("division_code", "outside_jurisdiction")},
        4: {("division_code", "outside_jurisdiction")},
    }
    assert await stored(services, fam.prefix) == 1
    # read nationally: the county may not read an enterprise of another area
    got = (await client.get(f"/api/v1/enterprises/{elsewhere['uscc']}", headers=national)).json()
    assert (got["division_code"], got["version"]) == ("440305", 1)
    summaries = await t.audit_for(services, "enterprises", "enterprise.import")
    assert summaries[-1].after["denied_rows"] == 2
    assert summaries[-1].after["created"] == 1


async def test_a_thousand_rows_with_thirty_bad(client, services):
    h = await t.bureau(client, services)
    fam = t.Family()
    rows: list[list[str]] = []
    bad_rows = set(range(5, 995, 33))
    assert len(bad_rows) == 30
    for i in range(1000):
        code = fam.uscc()
        if i in bad_rows:
            kind = (i // 33) % 3
            if kind == 0:
                rows.append([wrong_check(code), f"批量坏{i}有限公司", "410103", "machinery", "micro"])
            elif kind == 1:
                rows.append([code, f"批量坏{i}有限公司", "41010", "machinery", "micro"])
            else:
                rows.append([code, f"批量坏{i}有限公司", "410103", "mystery", "micro"])
        else:
            rows.append([code, f"批量{i}有限公司", "410103", "machinery", "micro"])
    report = await upload(client, h, "thousand.csv", csv_bytes(EN, rows))
    assert (report["rows"], report["created"], report["rejected"]) == (1000, 970, 30)
    assert sorted(errors_by_row(report)) == sorted(i + 2 for i in bad_rows)
    assert await stored(services, fam.prefix) == 970
    again = await upload(client, h, "thousand.csv", csv_bytes(EN, rows))
    assert (again["created"], again["updated"], again["unchanged"], again["rejected"]) == (0, 0, 970, 30)


async def test_importer_service_directly_with_progress(services):
    actor = await t.actor(services)
    fam = t.Family()
    rows = [[fam.uscc(), f"直接导入{i}有限公司", "410103", "commerce", "micro"] for i in range(25)]
    rows.append([fam.uscc(), "外省有限公司", "440305", "commerce", "micro"])
    total, parsed = read_upload("direct.csv", csv_bytes(EN, rows))
    assert total == 26
    ticks: list[int] = []
    importer = EnterpriseImporter(services.db, services.clock, batch_rows=10)
    report = await importer.run(actor, parsed, progress=ticks.append)
    assert (report.rows, report.created, report.rejected) == (26, 25, 1)
    assert ticks == [10, 10, 6]
    assert [(e.row, e.code) for e in report.errors] == [(27, "outside_jurisdiction")]
    assert await stored(services, fam.prefix) == 25


async def test_a_crash_mid_file_leaves_whole_rows_or_none(services):
    actor = await t.actor(services)
    fam = t.Family()
    codes = [fam.uscc() for _ in range(5)]

    def rows() -> Iterator[Row]:
        for i, code in enumerate(codes):
            if i == 3:
                raise RuntimeError("reader died")
            yield Row(i + 2, {"uscc": code, "name": f"中断{i}有限公司", "division_code": "410103",
                              "industry": "machinery", "scale": "micro"})  # fmt: skip

    importer = EnterpriseImporter(services.db, services.clock, batch_rows=2)
    with pytest.raises(RuntimeError):
        await importer.run(actor, rows())
    # the first batch was committed whole; the row read before the crash was never written
    assert await stored(services, fam.prefix) == 2
    async with services.db.read() as session:
        for code in codes[:2]:
            ent = await session.scalar(select(Enterprise).where(Enterprise.uscc == code))
            assert ent is not None
            names = (await session.scalars(select(EnterpriseName).where(EnterpriseName.enterprise_id == ent.id))).all()
            assert len(names) == 1
    for code in codes[:2]:
        assert [a.action for a in await t.audit_for(services, code)] == ["enterprise.create"]
    for code in codes[2:]:
        assert await t.audit_for(services, code) == []


async def test_missing_columns_keep_stored_values_and_empty_cells_clear(client, services) -> None:
    from tests import factories as fac

    h = await fac.headers(client, services, division="410108", level="county")
    code = fac.uscc("410108")
    full = (
        "uscc,name,division_code,industry,scale,address,operating_divisions\n"
        f"{code},惠济保留测试有限公司,410108,textile,micro,惠济区某路1号,410103\n"
    )
    r = await client.post("/api/v1/enterprises/import", files={"file": ("a.csv", full.encode(), "text/csv")}, headers=h)
    assert r.json()["created"] == 1, r.text
    # a file with only the required columns renames the enterprise and keeps address and operating divisions
    slim = f"uscc,name,division_code,industry,scale\n{code},惠济保留测试股份有限公司,410108,textile,micro\n"
    r = await client.post("/api/v1/enterprises/import", files={"file": ("b.csv", slim.encode(), "text/csv")}, headers=h)
    assert r.json()["updated"] == 1, r.text
    got = (await client.get(f"/api/v1/enterprises/{code}", headers=h)).json()
    assert got["name"] == "惠济保留测试股份有限公司"
    assert got["address"] == "惠济区某路1号"
    assert got["operating_divisions"] == ["410103"]
    # the address column present with an empty cell clears it
    cleared = f"uscc,name,division_code,industry,scale,address\n{code},惠济保留测试股份有限公司,410108,textile,micro,\n"
    r = await client.post(
        "/api/v1/enterprises/import", files={"file": ("c.csv", cleared.encode(), "text/csv")}, headers=h
    )
    assert r.json()["updated"] == 1, r.text
    got = (await client.get(f"/api/v1/enterprises/{code}", headers=h)).json()
    assert got["address"] is None
    assert got["operating_divisions"] == ["410103"]


async def test_non_multipart_upload_is_a_bilingual_problem(client, services) -> None:
    from tests import factories as fac

    h = await fac.headers(client, services)
    r = await client.post("/api/v1/enterprises/import", content=b"uscc,name", headers=h | {"content-type": "text/csv"})
    assert r.status_code == 400
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["errors"][0]["field"] == "file"

"""Bulk import of credit events (CSV in UTF-8 or GB 18030, XLSX): good rows recorded, bad rows reported."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest
from openpyxl import Workbook

from registry.lib.clock import today
from tests import factories as f
from tests.integration import support as t
from tests.integration.test_events import EVENTS, doc_no, event_counts

IMPORT = "/api/v1/events/import"

#: Chinese headers as an officer's spreadsheet has them (see EVENT_COLUMNS)
HEADER = [
    "事件类别",
    "对象类型",
    "统一社会信用代码",
    "身份证号",
    "发生日期",
    "发生地区划代码",
    "来源文书",
    "死亡人数",
    "重伤人数",
    "直接经济损失（元）",
    "责任事故",
    "简况",
    "处罚决定书文号",
    "处罚依据",
    "罚款金额（元）",
    "描述",
    "整改期限",
    "整改完成日期",
    "五到位",
    "类型",
]


def line(**cells: Any) -> list[Any]:
    """A row in HEADER's order from header -> value (missing cells empty)."""
    unknown = set(cells) - set(HEADER)
    assert not unknown, unknown
    return [cells.get(h, "") for h in HEADER]


def csv_bytes(header: list[str], rows: list[list[Any]], encoding: str = "utf-8") -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue().encode(encoding)


def xlsx_bytes(header: list[str], rows: list[list[Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append([None if c == "" else c for c in row])
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


async def upload(client, h, name: str, data: bytes, ctype: str = "text/csv"):
    return await client.post(IMPORT, files={"file": (name, data, ctype)}, headers=h)


async def imported(client, h, name: str, data: bytes, ctype: str = "text/csv") -> dict[str, Any]:
    r = await upload(client, h, name, data, ctype)
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def errors_by_row(report: dict) -> dict[int, set[tuple[str, str]]]:
    out: dict[int, set[tuple[str, str]]] = {}
    for e in report["errors"]:
        assert e["message_zh"], e
        assert e["message_en"], e
        out.setdefault(e["row"], set()).add((e["field"], e["code"]))
    return out


def wrong_check(code: str) -> str:
    return code[:-1] + ("1" if code[-1] != "1" else "2")


async def listed(client, h, **params: Any) -> list[dict[str, Any]]:
    r = await client.get(EVENTS, params=params, headers=h)
    assert r.status_code == 200, r.text
    return r.json()["items"]  # type: ignore[no-any-return]


def mixed_rows(uscc: str, stranger: str, id_number: str, unregistered: str, number: str, today: dt.date) -> list:
    """Rows 2-6 good, rows 7-16 bad (row numbers as the officer sees them, header = row 1)."""
    tomorrow = (today + dt.timedelta(days=1)).isoformat()
    return [
        # 2: an accident, kind given by its short label, numbers as text
        line(
            事件类别="事故",
            对象类型="单位",
            统一社会信用代码=uscc,
            发生日期="2026-02-14",
            来源文书="郑二事调〔2026〕7号",
            死亡人数="3",
            重伤人数="1",
            **{"直接经济损失（元）": "4500000"},
            责任事故="是",
            简况="仓库货架倒塌，三名搬运工被压身亡",
        ),
        # 3: a penalty
        line(
            事件类别="行政处罚",
            对象类型="企业",
            统一社会信用代码=uscc,
            发生日期="2026-03-02",
            来源文书=number,
            处罚决定书文号=number,
            处罚依据="《中华人民共和国安全生产法》第一百一十四条第一款第二项",
            **{"罚款金额（元）": "1000000"},
        ),
        # 4: a major hazard, subject type left to its default (enterprise)
        line(
            事件类别="重大事故隐患",
            统一社会信用代码=uscc,
            发生日期="2026-03-10",
            来源文书="郑二应急责改〔2026〕40号",
            描述="涉爆粉尘作业场所除尘系统未采用防爆型电气设备",
            整改期限="2026-05-10",
        ),
        # 5: the principal who fled, named by his resident id number
        line(
            事件类别="主要负责人不组织抢救、擅离职守或逃匿",
            对象类型="人员",
            身份证号=id_number,
            发生日期="2026-02-14",
            发生地区划代码="410103",
            来源文书="郑二事调〔2026〕7号",
            描述="事故发生后擅离现场逃匿",
            类型="fled",
        ),
        # 6: a hazard found and rectified with all five in place (full-width separators)
        line(
            事件类别="major_hazard",
            对象类型="enterprise",
            统一社会信用代码=uscc,
            发生日期="2026-01-20",
            来源文书="郑二应急责改〔2026〕41号",
            描述="液化石油气储罐安全阀未定期校验",
            整改期限="2026-02-20",
            整改完成日期="2026-02-18",
            五到位="measures；responsibility；funds；time_limit；contingency_plan",
        ),
        # 7: in the future
        line(
            事件类别="事故",
            统一社会信用代码=uscc,
            发生日期=tomorrow,
            来源文书="未来文书",
            死亡人数="0",
            重伤人数="0",
            **{"直接经济损失（元）": "0"},
            责任事故="否",
            简况="未来",
        ),
        # 8: the same decision number as row 3
        line(
            事件类别="处罚",
            统一社会信用代码=uscc,
            发生日期="2026-03-02",
            来源文书=number,
            处罚决定书文号=number,
            处罚依据="重复",
            **{"罚款金额（元）": "5000"},
        ),
        # 9: an enterprise not in the register
        line(
            事件类别="obstruction",
            统一社会信用代码=stranger,
            发生日期="2026-03-02",
            来源文书="文书",
            描述="拒绝执法人员进入现场检查",
            类型="resisting_supervision",
        ),
        # 10: a person not in the register
        line(
            事件类别="flight",
            对象类型="人员",
            身份证号=unregistered,
            发生日期="2026-02-14",
            发生地区划代码="410103",
            来源文书="文书",
            描述="逃匿",
            类型="fled",
        ),
        # 11: a penalty's column filled on an accident row
        line(
            事件类别="事故",
            统一社会信用代码=uscc,
            发生日期="2026-02-14",
            来源文书="文书",
            死亡人数="1",
            重伤人数="0",
            **{"直接经济损失（元）": "10"},
            责任事故="是",
            简况="坠落",
            处罚决定书文号="不该有",
        ),
        # 12: rectified without all five in place
        line(
            事件类别="重大隐患",
            统一社会信用代码=uscc,
            发生日期="2026-03-10",
            来源文书="文书",
            描述="隐患",
            整改期限="2026-05-10",
            整改完成日期="2026-04-01",
            五到位="measures;funds",
        ),
        # 13: deaths in words
        line(
            事件类别="事故",
            统一社会信用代码=uscc,
            发生日期="2026-02-14",
            来源文书="文书",
            死亡人数="三",
            重伤人数="0",
            **{"直接经济损失（元）": "10"},
            责任事故="是",
            简况="坠落",
        ),
        # 14: a person row without the place
        line(
            事件类别="flight",
            对象类型="人员",
            身份证号=id_number,
            发生日期="2026-02-14",
            来源文书="文书",
            描述="逃匿",
            类型="left_post",
        ),
        # 15: an unknown kind
        line(事件类别="火灾", 统一社会信用代码=uscc, 发生日期="2026-02-14", 来源文书="文书"),
        # 16: a malformed USCC
        line(
            事件类别="obstruction",
            统一社会信用代码=wrong_check(uscc),
            发生日期="2026-03-02",
            来源文书="文书",
            描述="拒绝检查",
            类型="evading_supervision",
        ),
    ]


EXPECTED_ERRORS = {
    7: {("occurred_on", "future_date")},
    8: {("(row)", "conflict")},
    9: {("subject.uscc", "unknown_enterprise")},
    10: {("id_number", "unknown_person")},
    11: {("decision_no", "not_for_kind")},
    12: {("details.five_in_place", "five_in_place_incomplete")},
    13: {("details.deaths", "type")},
    14: {("division_code", "required")},
    15: {("kind", "enum")},
    16: {("subject.uscc", "uscc.check")},
}


async def check_mixed_report(client, h, report: dict, uscc: str, person_id: int) -> None:
    assert (report["rows"], report["recorded"], report["rejected"]) == (15, 5, 10), report
    assert errors_by_row(report) == EXPECTED_ERRORS
    assert len(report["event_ids"]) == len(set(report["event_ids"])) == 5
    for event_id in report["event_ids"]:
        r = await client.get(f"{EVENTS}/{event_id}", headers=h)
        assert r.status_code == 200, r.text
        assert r.json()["effective"] is True
    got = {e["kind"]: e for e in await listed(client, h, uscc=uscc)}
    assert set(got) == {"accident", "penalty", "major_hazard"}
    assert len(await listed(client, h, uscc=uscc)) == 4
    acc = got["accident"]
    assert (acc["details"]["deaths"], acc["details"]["responsible"], acc["derived"]["grade"]) == (3, True, "larger")
    assert acc["source_document"] == "郑二事调〔2026〕7号"
    assert got["penalty"]["details"]["fine_cny"] == 1_000_000
    assert got["penalty"]["details"]["deciding_authority"] == "410103"
    hazards = await listed(client, h, uscc=uscc, kind="major_hazard")
    rectified = next(x for x in hazards if x["details"]["rectified_on"])
    assert sorted(rectified["details"]["five_in_place"]) == sorted(
        ["measures", "responsibility", "funds", "time_limit", "contingency_plan"]
    )
    [fled] = await listed(client, h, person_id=person_id)
    assert (fled["kind"], fled["subject"]["type"], fled["division_code"]) == ("flight", "person", "410103")
    assert fled["details"] == {"type": "fled", "description": "事故发生后擅离现场逃匿"}


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
async def test_csv_records_good_rows_and_reports_bad_ones(client, services, clock, encoding):
    h = await t.bureau(client, services)
    e = await t.create(client, h)
    id_number = t.person_id()
    r = await client.post("/api/v1/persons", json={"id_number": id_number, "name": "赵国强"}, headers=h)
    assert r.status_code == 201, r.text
    pid = r.json()["id"]
    rows = mixed_rows(e["uscc"], f.uscc(), id_number, t.person_id(), doc_no(), today(clock))
    before = await event_counts(services)
    report = await imported(client, h, "事件.csv", csv_bytes(HEADER, rows, encoding))
    after = await event_counts(services)
    assert after[0] == before[0] + 5  # bad rows are not stored
    assert after[1] == before[1] + 5  # each good row audited once, like POST /events
    await check_mixed_report(client, h, report, e["uscc"], pid)


async def test_xlsx_with_typed_cells(client, services, clock):
    h = await t.bureau(client, services)
    e = await t.create(client, h)
    id_number = t.person_id()
    r = await client.post("/api/v1/persons", json={"id_number": id_number, "name": "孙丽"}, headers=h)
    assert r.status_code == 201, r.text
    pid = r.json()["id"]
    rows = mixed_rows(e["uscc"], f.uscc(), id_number, t.person_id(), doc_no(), today(clock))
    # Excel hands back dates, numbers and booleans, not text
    rows[0][HEADER.index("发生日期")] = dt.date(2026, 2, 14)
    rows[0][HEADER.index("死亡人数")] = 3
    rows[0][HEADER.index("重伤人数")] = 1
    rows[0][HEADER.index("直接经济损失（元）")] = 4_500_000
    rows[0][HEADER.index("责任事故")] = True
    rows[1][HEADER.index("发生日期")] = dt.datetime(2026, 3, 2)
    rows[1][HEADER.index("罚款金额（元）")] = 1_000_000
    rows[2][HEADER.index("整改期限")] = dt.date(2026, 5, 10)
    before = await event_counts(services)
    ctype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    report = await imported(client, h, "事件.xlsx", xlsx_bytes(HEADER, rows), ctype)
    assert (await event_counts(services))[0] == before[0] + 5
    await check_mixed_report(client, h, report, e["uscc"], pid)


async def test_english_headers_and_several_kinds(client, services):
    h = await t.bureau(client, services)
    e = await t.create(client, h)
    header = [
        "kind",
        "subject_type",
        "uscc",
        "occurred_on",
        "source_document",
        "type",
        "description",
        "licence",
        "order_no",
        "until",
    ]
    rows = [
        [
            "licence_violation",
            "enterprise",
            e["uscc"],
            "2026-04-01",
            "豫应急许〔2026〕3号",
            "no_licence",
            "未取得危险化学品经营许可证经营",
            "",
            "",
            "",
        ],
        [
            "enforcement_order",
            "enterprise",
            e["uscc"],
            "2026-04-02",
            "郑二应急停〔2026〕9号",
            "closure",
            "依法提请关闭",
            "",
            "郑二应急停〔2026〕9号",
            "2026-12-31",
        ],
        [
            "reporting_violation",
            "enterprise",
            e["uscc"],
            "2026-04-03",
            "文书",
            "concealment",
            "瞒报死亡一人",
            "",
            "",
            "",
        ],
        ["reporting_violation", "enterprise", e["uscc"], "2026-04-03", "文书", "lying", "谎报", "", "", ""],
    ]
    report = await imported(client, h, "events.csv", csv_bytes(header, rows))
    assert (report["rows"], report["recorded"], report["rejected"]) == (4, 3, 1), report
    assert errors_by_row(report) == {5: {("details.type", "enum")}}
    kinds = [x["kind"] for x in await listed(client, h, uscc=e["uscc"])]
    assert kinds == ["reporting_violation", "enforcement_order", "licence_violation"]


async def test_admin_import_names_the_recording_authority_per_row(client, services):
    await t.bureau(client, services, "410103")  # the authority exists
    admin = await f.headers(client, services, "admin")
    bureau = await t.bureau(client, services)
    e = await t.create(client, bureau)
    header = ["事件类别", "统一社会信用代码", "发生日期", "来源文书", "描述", "类型", "记录机关区划代码"]
    rows = [
        ["obstruction", e["uscc"], "2026-05-01", "文书一", "伪造检查记录", "forging_evidence", "410103"],
        ["obstruction", e["uscc"], "2026-05-02", "文书二", "伪造检查记录", "forging_evidence", ""],
    ]
    report = await imported(client, admin, "admin.csv", csv_bytes(header, rows))
    assert (report["recorded"], report["rejected"]) == (1, 1), report
    assert errors_by_row(report) == {3: {("recording_authority", "required")}}
    [got] = await listed(client, admin, uscc=e["uscc"])
    assert got["recording_authority"]["division_code"] == "410103"


async def test_a_bureau_may_not_name_the_recording_authority_in_a_file(client, services):
    h = await t.bureau(client, services)
    e = await t.create(client, h)
    header = ["事件类别", "统一社会信用代码", "发生日期", "来源文书", "描述", "类型", "记录机关区划代码"]
    rows = [["obstruction", e["uscc"], "2026-05-01", "文书一", "伪造检查记录", "forging_evidence", "410103"]]
    before = await event_counts(services)
    report = await imported(client, h, "bureau.csv", csv_bytes(header, rows))
    assert errors_by_row(report) == {2: {("recording_authority", "not_allowed")}}
    assert await event_counts(services) == before


async def test_unknown_header_is_refused_before_any_row(client, services):
    h = await t.bureau(client, services)
    e = await t.create(client, h)
    header = ["事件类别", "统一社会信用代码", "发生日期", "来源文书", "描述", "类型", "天气"]
    rows = [["obstruction", e["uscc"], "2026-05-01", "文书", "拒绝检查", "evading_supervision", "晴"]]
    before = await event_counts(services)
    for name, data, ctype in (
        ("x.csv", csv_bytes(header, rows), "text/csv"),
        ("x.csv", csv_bytes(header, rows, "gb18030"), "text/csv"),
        ("x.xlsx", xlsx_bytes(header, rows), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ):
        r = await upload(client, h, name, data, ctype)
        t.assert_field(r, "header.天气", "unknown_column")
    assert await event_counts(services) == before


@pytest.mark.parametrize(
    ("dropped", "field"),
    [("来源文书", "header.source_document"), ("事件类别", "header.kind"), ("发生日期", "header.occurred_on")],
)
async def test_missing_required_column_is_refused(client, services, dropped, field):
    h = await t.bureau(client, services)
    e = await t.create(client, h)
    header = ["事件类别", "统一社会信用代码", "发生日期", "来源文书", "描述", "类型"]
    row = ["obstruction", e["uscc"], "2026-05-01", "文书", "拒绝检查", "evading_supervision"]
    keep = [i for i, name in enumerate(header) if name != dropped]
    before = await event_counts(services)
    r = await upload(client, h, "x.csv", csv_bytes([header[i] for i in keep], [[row[i] for i in keep]]))
    t.assert_field(r, field, "missing_column")
    assert await event_counts(services) == before


async def test_a_batch_keeps_its_good_rows_around_refused_ones(client, services):
    """Rows are recorded in batches, a savepoint each (issue 22): within one batch, a penalty whose
    decision number an earlier row of the same batch took, and a unit outside the bureau's area,
    are refused with their row numbers (the second audited as a refusal); the rows before and after
    them are recorded, each audited once, and nothing of a refused row is stored."""
    h = await t.bureau(client, services)
    own = (await t.create(client, h))["uscc"]
    neighbour = await t.bureau(client, services, division="410104")
    elsewhere = (await t.create(client, neighbour, division_code="410104"))["uscc"]
    number = doc_no()

    def fined(uscc: str) -> list[Any]:
        return line(
            事件类别="行政处罚",
            统一社会信用代码=uscc,
            发生日期="2026-03-02",
            来源文书=number,
            处罚决定书文号=number,
            处罚依据="《中华人民共和国安全生产法》第一百零二条",
            **{"罚款金额（元）": "50000"},
        )

    def fell(uscc: str, day: str) -> list[Any]:
        return line(
            事件类别="事故",
            统一社会信用代码=uscc,
            发生日期=day,
            来源文书=f"郑二事调〔2026〕{t.rand('0123456789', 4)}号",
            死亡人数="1",
            重伤人数="0",
            **{"直接经济损失（元）": "800000"},
            责任事故="是",
            简况="高处坠落",
        )

    rows = [fell(own, "2026-01-05"), fined(own), fined(own), fell(elsewhere, "2026-01-06"), fell(own, "2026-01-07")]
    refusals = len([a for a in await t.audit_for(services, "accident", "event.record") if a.outcome == "denied"])
    before = await event_counts(services)
    report = await imported(client, h, "批量.csv", csv_bytes(HEADER, rows))
    after = await event_counts(services)
    assert (report["recorded"], report["rejected"]) == (3, 2), report["errors"]
    assert [(e["row"], e["code"]) for e in report["errors"]] == [(4, "conflict"), (5, "outside_jurisdiction")]
    assert after[0] == before[0] + 3
    assert after[1] == before[1] + 3 + 1  # three recorded, one refusal outside the area
    denied = [a for a in await t.audit_for(services, "accident", "event.record") if a.outcome == "denied"]
    assert len(denied) == refusals + 1

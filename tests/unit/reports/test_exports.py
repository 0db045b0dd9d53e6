"""The report files: formula-like text from user data neutralised, 合计 as SUM formulas, the form's
merged headers, A4 landscape, native charts, and the same bytes from the same payload."""

from __future__ import annotations

import copy
import csv
import io
import zipfile
from typing import Any

import openpyxl

from registry.domain.reports.csv_export import csv_bytes
from registry.domain.reports.xlsx_export import xlsx_bytes

AS_OF = "2026-04-01T00:00:00Z"


def _levels(*cells: int) -> list[dict[str, int]]:
    return [
        {"level": lv, "completed": cells[3 * i], "cumulative": cells[3 * i + 1], "in_review": cells[3 * i + 2]}
        for i, lv in enumerate((1, 2, 3))
    ]


def monthly() -> dict[str, Any]:
    rows = [
        {"industry": "metallurgy", "name": "冶金", "on_form": True, "levels": _levels(0, 0, 0, 0, 1, 0, 1, 2, 3)},
        {
            "industry": "chemical",
            "name": "化工（含石油化工）",
            "on_form": False,
            "levels": _levels(1, 1, 0, 0, 0, 0, 0, 0, 1),
        },
    ]
    return {
        "report": "monthly",
        "title": "工贸企业安全生产标准化月度报表",
        "area": {"prefix": "410103", "name": '=HYPERLINK("http://evil/","二七区")'},
        "month": "2026-03",
        "day": "2026-03-31",
        "as_of": AS_OF,
        "rows": rows,
        "total": {"name": "合计", "levels": _levels(1, 1, 0, 0, 1, 0, 1, 2, 4)},
        "others": ["chemical"],
        "series": [{"month": "2026-03", "day": "2026-03-31", "completed": 2, "cumulative": 4, "in_review": 4}],
        "notes": ["@SUM(1+1)"],
    }


def credit() -> dict[str, Any]:
    months = [{"month": "2026-01", "proposed": 1, "decided": 0, "removed": 0, "removed_early": 0, "restored": 0}]
    group = {"months": months, "total": months[0]}
    return {
        "report": "credit",
        "title": "安全生产信用管理统计",
        "area": {"prefix": "", "name": "全国"},
        "year": 2026,
        "day": "2026-01-31",
        "as_of": AS_OF,
        "events": [{"key": k} for k in ("proposed", "decided", "removed", "removed_early", "restored")],
        "total": group,
        "by_list_type": [{"key": "X", "name": "X", **group}],
        "by_criterion": [{"key": "11-1", "name": "11-1", **group}],
        "by_authority": [{"key": "a", "name": "-1+1 局", **group}],
        "median_days_to_decision": {"year": None, "months": [{"month": "2026-01", "days": None}]},
        "measures": [
            {
                "department": "mof",
                "department_name": "财政部",
                "measure": "=cmd|' /C calc'!A0",
                "months": [{"month": "2026-01", "count": 2}],
                "total": 2,
            }
        ],
        "handle_types": [],
        "answers": [
            {
                "department": "mof",
                "department_name": "财政部",
                "months": [{"month": "2026-01", "answers": 3, "subjects": 5}],
                "total_answers": 3,
                "total_subjects": 5,
            }
        ],
        "notes": [],
    }


def test_csv_neutralises_formula_like_text_and_keeps_numbers() -> None:
    text = csv_bytes(credit()).decode("utf-8-sig")
    cells = [c for row in csv.reader(io.StringIO(text)) for c in row]
    assert "'=cmd|' /C calc'!A0" in cells
    assert "'-1+1 局" in cells
    assert not any(c.startswith(("=", "+", "@")) for c in cells)
    lines = list(csv.reader(io.StringIO(csv_bytes(monthly()).decode("utf-8-sig"))))
    form = next(i for i, row in enumerate(lines) if row and row[0] == "行业")
    assert lines[form + 1][0] == "冶金"
    assert lines[form + 2][0] == "化工（含石油化工）"
    assert lines[form + 3] == ["合计", "1", "1", "0", "0", "1", "0", "1", "2", "4"]


def test_xlsx_form_has_merged_headers_sum_formulas_print_setup_and_charts() -> None:
    data = xlsx_bytes(monthly())
    book = openpyxl.load_workbook(io.BytesIO(data))
    ws = book["月度报表"]
    assert ws["A1"].value == "工贸企业安全生产标准化月度报表"
    assert ws["A2"].value.startswith("填报单位：")
    assert ws["A2"].value == '填报单位：=HYPERLINK("http://evil/","二七区")'  # inside text, not a formula
    assert ws["H2"].value == "2026 年 3 月"
    assert {"A1:J1", "A3:A4", "B3:D3", "E3:G3", "H3:J3"} <= {str(r) for r in ws.merged_cells.ranges}
    assert [ws.cell(3, c).value for c in (2, 5, 8)] == ["一级", "二级", "三级"]
    assert ws["A5"].value == "冶金"
    assert ws["A7"].value == "合计"
    assert ws["B7"].value == "=SUM(B5:B6)"
    assert ws["J7"].value == "=SUM(J5:J6)"
    assert ws.page_setup.orientation == "landscape"
    assert ws.page_setup.paperSize == 9  # A4 (ECMA-376 ST_PaperSize)
    notes = [ws.cell(r, 1).value for r in range(9, 20) if ws.cell(r, 1).value]
    assert "'@SUM(1+1)" in notes
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert any(n.startswith("xl/charts/chart") for n in z.namelist())
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert b"2026-04-01T00:00:00Z" in z.read("docProps/core.xml")


def test_same_payload_same_bytes_and_a_changed_cell_changes_them() -> None:
    p = monthly()
    assert xlsx_bytes(p) == xlsx_bytes(copy.deepcopy(p))
    assert csv_bytes(p) == csv_bytes(copy.deepcopy(p))
    changed = copy.deepcopy(p)
    changed["rows"][0]["levels"][2]["cumulative"] = 3
    assert xlsx_bytes(changed) != xlsx_bytes(p)


def test_credit_workbook_has_its_tables() -> None:
    book = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(credit())))
    assert book.sheetnames[:6] == ["按月汇总", "按名单类型", "按列入情形", "按决定机关", "部门落实措施", "合作部门答复"]
    measures = book["部门落实措施"]
    assert measures["B4"].value == "'=cmd|' /C calc'!A0"
    assert measures["D5"].value == "=SUM(D4:D4)"

"""The files around an import that officers open in a spreadsheet program: a template per kind of
file (the importer's own Chinese headers and one example row) and the row-level report.

Both go through ``registry.lib.spreadsheet`` (formula-like cells neutralised, CSV with a BOM for
Excel). The template's headers are the first Chinese alias of each column of the reader, so a
template filled in as shown imports with no error, and a header the reader stops accepting fails
the test that imports the template back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Final

from registry.domain.identifiers import make_uscc
from registry.domain.imports.events import EVENT_COLUMNS, EventImportReport
from registry.domain.imports.importer import ImportReport
from registry.domain.imports.readers import ENTERPRISE_COLUMNS, Columns
from registry.domain.vocabulary import INDUSTRIES, SCALES
from registry.lib.spreadsheet import table_bytes

#: the kinds of import file, by the name used in paths and forms
KINDS: Final = {"enterprises": "企业登记信息", "events": "信用事件"}
COLUMNS: Final = {"enterprises": ENTERPRISE_COLUMNS, "events": EVENT_COLUMNS}
#: where the example row is when the officer's own area is not a county (a national account)
_EXAMPLE_DIVISION = "410103"
#: the example enterprise (the events template's example row is about it, so importing the
#: enterprise template first and the events template next records one event with no error)
_EXAMPLE_BODY = "MA0EXAMP"


def example_uscc(division: str) -> str:
    return make_uscc("91", division, _EXAMPLE_BODY)


def header_label(columns: Columns, key: str) -> str:
    """The Chinese header of a column (its first Chinese alias; the wire name if it has none)."""
    return next((a for a in columns.aliases[key][1:] if not a.isascii()), key)


def _example(kind: str, division: str, on: dt.date) -> dict[str, str]:
    uscc = example_uscc(division)
    if kind == "enterprises":
        return {
            "uscc": uscc,
            "name": "示例安全生产科技有限公司",
            "division_code": division,
            "industry": INDUSTRIES["machinery"],
            "scale": SCALES["above_scale"],
            "address": "示例路 1 号",
        }
    day = (on - dt.timedelta(days=7)).isoformat()
    number = f"示例应急罚〔{on.year}〕1号"
    return {
        "kind": "行政处罚",
        "subject_type": "单位",
        "uscc": uscc,
        "occurred_on": day,
        "source_document": number,
        "decision_no": number,
        "legal_basis": "《中华人民共和国安全生产法》第九十七条第一项",
        "fine_cny": "20000",
    }


def template_table(kind: str, division: str | None, on: dt.date) -> tuple[list[str], list[list[str]]]:
    """The template of ``kind``: every column the reader knows, under its Chinese header, and one
    example row in the officer's own area (a county code; another area gets a county of Henan)."""
    columns = COLUMNS[kind]
    where = division if division and len(division) == 6 and not division.endswith("00") else _EXAMPLE_DIVISION
    example = _example(kind, where, on)
    keys = list(columns.aliases)
    return [header_label(columns, k) for k in keys], [[example.get(k, "") for k in keys]]


def template_bytes(kind: str, fmt: str, division: str | None, on: dt.date) -> bytes:
    header, rows = template_table(kind, division, on)
    return table_bytes(f".{fmt}", header, rows, "导入模板")


#: the report's columns: (header, attribute of the row error)
_REPORT_COLUMNS: Final = (
    ("行号", "row"),
    ("字段", "field"),
    ("原因", "message_zh"),
    ("规则代码", "code"),
    ("Reason", "message_en"),
)


def report_table(report: ImportReport | EventImportReport) -> tuple[list[str], list[Sequence[object]]]:
    """The row errors as a table (the cells echo the upload: ``table_bytes`` neutralises formulas)."""
    columns = list(_REPORT_COLUMNS)
    if isinstance(report, ImportReport):
        columns.insert(1, ("统一社会信用代码", "uscc"))
    header = [h for h, _ in columns]
    rows: list[Sequence[object]] = [
        [e.row if a == "row" else (getattr(e, a, None) or "") for _, a in columns] for e in report.errors
    ]
    return header, rows


def report_bytes(report: ImportReport | EventImportReport, fmt: str) -> bytes:
    header, rows = report_table(report)
    return table_bytes(f".{fmt}", header, rows, "导入报告")

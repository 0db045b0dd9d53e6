"""Reports as CSV: UTF-8 with a byte-order mark (Excel on Chinese Windows), CRLF, every text cell
through ``safe_cell`` (a name starting with ``=`` is not a formula). The monthly report keeps the
form's content in one header row (一级当月完成（家）...), title, 填报单位 and month above, 合计 below."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from registry.domain.reports.tables import Cell, Table, period_text, tables
from registry.lib.spreadsheet import safe_cell


def _total(table: Table) -> list[Cell]:
    row: list[Cell] = ["合计", *[""] * (len(table.header) - 1)]
    for i in table.summed:
        row[i] = sum(v for r in table.rows if isinstance(v := r[i], int | float))
    return row


def _lines(p: dict[str, Any]) -> Iterable[Sequence[Cell]]:
    yield [p["title"]]
    yield [f"填报单位：{p['area']['name']}", period_text(p), f"统计日：{p['day']}", f"截至：{p['as_of']}"]
    for table in tables(p):
        yield []
        yield [f"【{table.name}】"]
        yield table.header
        yield from table.rows
        if table.summed:
            yield _total(table)
    yield []
    yield ["说明"]
    for note in p["notes"]:
        yield [note]


def csv_bytes(p: dict[str, Any]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    for line in _lines(p):
        writer.writerow([safe_cell(c) for c in line])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")

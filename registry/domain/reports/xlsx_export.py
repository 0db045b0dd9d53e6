"""Reports as XLSX (openpyxl): the monthly report on seed 001's form (title, 填报单位 and month,
merged level headers over 当月完成 / 累计完成 / 正在评审, 合计 as SUM formulas), other tables with a
合计 row of formulas, native Excel charts (they stay live in Excel, WPS and LibreOffice), and A4
landscape print setup.

The same payload gives the same bytes: the document properties carry ``as_of`` (openpyxl's
``save`` would stamp the current time) and every zip member the fixed 1980-01-01 timestamp.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from registry.domain.reports.tables import Table, period_text, tables
from registry.domain.reports.wire import COLUMNS, LEVEL_NAMES
from registry.lib.spreadsheet import safe_cell

THIN = Side(style="thin", color="000000")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
BOLD = Font(bold=True)
FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def _print_setup(ws: Worksheet, title_rows: str, *, one_page: bool = False) -> None:
    """A4 landscape, one page wide; a short table with its chart on one page (``one_page``)."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 1 if one_page else 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.print_title_rows = title_rows
    ws.page_margins.left = ws.page_margins.right = 0.5


def _title(ws: Worksheet, p: dict[str, Any], width: int) -> None:
    last = get_column_letter(width)
    ws.merge_cells(f"A1:{last}1")
    ws["A1"] = safe_cell(p["title"])
    ws["A1"].font = Font(bold=True, size=16)
    ws["A1"].alignment = CENTER
    ws.row_dimensions[1].height = 30
    split = max(2, width - 3)
    ws.merge_cells(f"A2:{get_column_letter(split)}2")
    ws["A2"] = safe_cell(f"填报单位：{p['area']['name']}")
    ws.merge_cells(f"{get_column_letter(split + 1)}2:{last}2")
    cell = ws[f"{get_column_letter(split + 1)}2"]
    cell.value = period_text(p)
    cell.alignment = Alignment(horizontal="right")


def _box(ws: Worksheet, top: int, bottom: int, width: int) -> None:
    for row in ws.iter_rows(min_row=top, max_row=bottom, max_col=width):
        for c in row:
            c.border = BOX
            if c.alignment.horizontal is None:
                c.alignment = Alignment(vertical="center", wrap_text=isinstance(c.value, str))


def _header(ws: Worksheet, row: int, names: list[str]) -> None:
    for i, name in enumerate(names, start=1):
        c = ws.cell(row, i, safe_cell(name))
        c.font, c.alignment, c.fill = BOLD, CENTER, HEAD_FILL


def _rows(ws: Worksheet, start: int, table: Table) -> int:
    """The rows from ``start``, then the 合计 row of SUM formulas; the row after the table."""
    r = start
    for values in table.rows:
        for i, v in enumerate(values, start=1):
            ws.cell(r, i, safe_cell(v))
        r += 1
    if table.summed:
        ws.cell(r, 1, "合计").font = BOLD
        for i in table.summed:
            col = get_column_letter(i + 1)
            # an empty table still sums to 0 (SUM over an empty range is not written as A5:A4)
            ws.cell(r, i + 1, f"=SUM({col}{start}:{col}{max(start, r - 1)})" if table.rows else 0).font = BOLD
        r += 1
    return r


def _notes(ws: Worksheet, row: int, notes: list[str], width: int) -> None:
    ws.cell(row, 1, "说明：").font = BOLD
    for i, note in enumerate(notes, start=row + 1):
        ws.merge_cells(start_row=i, start_column=1, end_row=i, end_column=width)
        ws.cell(i, 1, safe_cell(note)).alignment = Alignment(wrap_text=True, vertical="top")
        ws.row_dimensions[i].height = 30


def _display_width(text: str) -> int:
    """Columns a text takes in a spreadsheet: a CJK character is about two Latin ones wide."""
    return sum(2 if ord(c) > 0x2E7F else 1 for c in text)


def _table_sheet(book: Workbook, p: dict[str, Any], table: Table) -> tuple[Worksheet, int, int]:
    """A sheet with title lines, the table from row 4 and its 合计; (sheet, first data row, next row)."""
    ws = book.create_sheet(table.name)
    width = len(table.header)
    _title(ws, p, max(width, 9))  # a narrow table's title spans the chart beside it
    _header(ws, 3, [h.replace("（", "\n（") for h in table.header])
    ws.row_dimensions[3].height = 32
    end = _rows(ws, 4, table)
    _box(ws, 3, end - 1, width)
    for i in range(1, width + 1):
        texts = [str(r[i - 1]) for r in table.rows if r[i - 1] is not None]
        widest = max([_display_width(t) for t in texts] + [_display_width(table.header[i - 1].split("（")[0])])
        ws.column_dimensions[get_column_letter(i)].width = min(40, max(9, widest + 2))
    _print_setup(ws, "1:3", one_page=len(table.rows) <= 24)
    return ws, 4, end


def _monthly_form(book: Workbook, p: dict[str, Any], form: Table) -> None:
    ws = book.create_sheet(form.name)
    _title(ws, p, 10)
    ws.merge_cells("A3:A4")
    _header(ws, 3, ["行业"])
    for i, level in enumerate((1, 2, 3)):
        first = 2 + 3 * i
        ws.merge_cells(start_row=3, start_column=first, end_row=3, end_column=first + 2)
        c = ws.cell(3, first, LEVEL_NAMES[level])
        c.font, c.alignment, c.fill = BOLD, CENTER, HEAD_FILL
        for j, (_, zh) in enumerate(COLUMNS):
            h = ws.cell(4, first + j, zh.replace("（", "\n（"))
            h.font, h.alignment, h.fill = BOLD, CENTER, HEAD_FILL
    end = _rows(ws, 5, form)
    _box(ws, 3, end - 1, 10)
    ws.row_dimensions[4].height = 32
    ws.column_dimensions["A"].width = 20
    for i in range(2, 11):
        ws.column_dimensions[get_column_letter(i)].width = 11
    _notes(ws, end + 1, p["notes"], 10)
    _print_setup(ws, "1:4")
    ws.freeze_panes = "B5"


def _line_chart(ws: Worksheet, title: str, y_title: str, first: int, last: int, cols: range, anchor: str) -> None:
    chart = LineChart()
    chart.title, chart.y_axis.title, chart.x_axis.title = title, y_title, "月份"
    chart.height, chart.width = 8, 18
    chart.add_data(
        Reference(ws, min_col=cols.start, max_col=cols.stop - 1, min_row=first - 1, max_row=last), titles_from_data=True
    )
    chart.set_categories(Reference(ws, min_col=1, min_row=first, max_row=last))
    for series in chart.series:
        series.smooth = False  # a count per month: straight segments, not a spline through them
    ws.add_chart(chart, anchor)


def _bar_chart(
    ws: Worksheet, title: str, y_title: str, first: int, last: int, cols: range, cats: int, anchor: str
) -> None:
    chart = BarChart()
    chart.type = "col"
    chart.title, chart.y_axis.title = title, y_title
    chart.height, chart.width = 8, 18
    chart.add_data(
        Reference(ws, min_col=cols.start, max_col=cols.stop - 1, min_row=first - 1, max_row=last), titles_from_data=True
    )
    chart.set_categories(Reference(ws, min_col=cats, min_row=first, max_row=last))
    ws.add_chart(chart, anchor)


def _book(p: dict[str, Any]) -> Workbook:
    book = Workbook()
    book.remove(book.active)
    parts = tables(p)
    if p["report"] == "monthly":
        form, series = parts
        _monthly_form(book, p, form)
        ws, first, end = _table_sheet(book, p, series)
        _line_chart(ws, "标准化达标企业月度趋势（合计）", "企业（家）", first, end - 1, range(2, 5), "F3")
    elif p["report"] == "targets":
        ranking, progress = parts
        ws, first, end = _table_sheet(book, p, ranking)
        if ranking.rows:
            title = f"各地达标率（目标 {p['target_percent']}%）" if p["target_percent"] is not None else "各地达标率"
            _bar_chart(ws, title, "%", first, first + len(ranking.rows) - 1, range(6, 7), 3, f"A{end + 2}")
        whole = p["whole"]
        summary = f"本级：{p['area']['name']} 达标率 {whole['share_percent']}%，扣 {whole['deduction_points']} 分"
        ws.cell(end + 1, 1, safe_cell(summary))
        pws, pfirst, pend = _table_sheet(book, p, progress)
        _line_chart(pws, "达标率月度进度与目标", "%", pfirst, pend - 1, range(2, 4), "E3")
    else:
        for i, table in enumerate(parts):
            ws, first, end = _table_sheet(book, p, table)
            if i == 0:
                _bar_chart(ws, "名单月度统计", "件", first, end - 2, range(2, 6), 1, f"A{end + 2}")
    notes_ws = book.create_sheet("说明")
    notes_ws.column_dimensions["A"].width = 120
    for i, note in enumerate(
        [p["title"], f"填报单位：{p['area']['name']}", period_text(p), f"截至：{p['as_of']}", *p["notes"]], 1
    ):
        notes_ws.cell(i, 1, safe_cell(note))
    return book


def xlsx_bytes(p: dict[str, Any]) -> bytes:
    book = _book(p)
    at = dt.datetime.fromisoformat(p["as_of"].replace("Z", "+00:00")).replace(tzinfo=None)
    book.properties.creator = "registry"
    book.properties.title = p["title"]
    book.properties.created = at
    raw = io.BytesIO()
    archive = zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED, allowZip64=True)
    book.properties.modified = at
    ExcelWriter(book, archive).save()  # what openpyxl's save does, without stamping "now"
    return _fixed_times(raw.getvalue())


def _fixed_times(data: bytes) -> bytes:
    """The same archive with every member dated 1980-01-01 (zip stores local time to the second)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, FIXED_ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()

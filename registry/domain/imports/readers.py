"""Reading CSV and XLSX uploads into header-keyed rows, with the row numbers officers see.

Headers may be the English wire names or their Chinese labels; Chinese exports from Excel are
often GB 18030 rather than UTF-8, so CSV falls back to it.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

from registry.errors import FieldProblem, UnsupportedMedia, ValidationFailed

HEADER_ALIASES = {
    "uscc": ("uscc", "统一社会信用代码", "信用代码"),
    "name": ("name", "单位名称", "企业名称", "名称"),
    "division_code": ("division_code", "行政区划代码", "所在地区划代码", "区划代码"),
    "industry": ("industry", "行业", "行业类别"),
    "scale": ("scale", "规模", "企业规模"),
    "parent_uscc": ("parent_uscc", "上级公司统一社会信用代码", "上级公司"),
    "address": ("address", "地址", "注册地址", "经营地址"),
    "registration_no": ("registration_no", "注册号", "工商注册号"),
    "org_code": ("org_code", "组织机构代码"),
    "operating_divisions": ("operating_divisions", "经营地区划代码", "经营地"),
    "name_valid_from": ("name_valid_from", "名称启用日期"),
}
REQUIRED = ("uscc", "name", "division_code", "industry", "scale")


@dataclass(frozen=True, slots=True)
class Columns:
    """The columns a kind of file has: wire name -> accepted headers, the required ones, and
    whether an unknown header is an error (it is where a misspelt column would lose data)."""

    aliases: dict[str, tuple[str, ...]]
    required: tuple[str, ...]
    strict: bool = False

    def lookup(self) -> dict[str, str]:
        return {alias: key for key, aliases in self.aliases.items() for alias in aliases}


ENTERPRISE_COLUMNS = Columns(HEADER_ALIASES, REQUIRED)


@dataclass(frozen=True, slots=True)
class Row:
    number: int
    values: dict[str, str]
    #: the columns the file has: for an enterprise already registered, a column the file lacks
    #: keeps its stored value, while an empty cell in a column it has clears the value
    columns: frozenset[str] = frozenset(HEADER_ALIASES)


def _map_header(cells: list[str], columns: Columns) -> list[str | None]:
    keys = [(c or "").strip().lstrip("\ufeff") for c in cells]
    lookup = columns.lookup()
    mapped = [lookup.get(k) or lookup.get(k.lower()) for k in keys]
    problems = [
        FieldProblem(
            f"header.{key}",
            "missing_column",
            f"缺少必需的列：{key}（或 {'、'.join(columns.aliases[key][1:])}）",
            f"missing required column: {key}",
        )
        for key in columns.required
        if key not in mapped
    ]
    if columns.strict:
        problems += [
            FieldProblem(f"header.{k}", "unknown_column", f"无法识别的列：{k}", f"unknown column: {k}")
            for k, m in zip(keys, mapped, strict=True)
            if k and m is None
        ]
    if problems:
        raise ValidationFailed(problems)
    return mapped


def _rows(header: list[str | None], body: Iterator[tuple[int, list[str]]]) -> Iterator[Row]:
    columns = frozenset(key for key in header if key)
    for number, cells in body:
        if not any(c.strip() for c in cells):
            continue
        values = {key: cell.strip() for key, cell in zip(header, cells, strict=False) if key and cell.strip()}
        yield Row(number, values, columns)


def read_csv(data: bytes, columns: Columns = ENTERPRISE_COLUMNS) -> tuple[int, Iterator[Row]]:
    """(data rows, rows); the count is exact for CSV so a progress bar has its total."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError as exc:
            raise UnsupportedMedia(
                "CSV 文件既不是 UTF-8 也不是 GB18030 编码 / CSV is neither UTF-8 nor GB18030"
            ) from exc
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = _map_header(next(reader), columns)
    except StopIteration:
        raise ValidationFailed([FieldProblem("file", "empty", "文件为空", "the file is empty")]) from None
    except csv.Error as exc:
        raise UnsupportedMedia(f"CSV 格式错误 / malformed CSV: {exc}") from exc
    total = max(0, text.count("\n") - 1 + (0 if text.endswith("\n") else 1))

    def body() -> Iterator[tuple[int, list[str]]]:
        try:
            for cells in reader:
                yield reader.line_num, cells
        except csv.Error as exc:
            raise UnsupportedMedia(
                f"CSV 第 {reader.line_num} 行格式错误 / malformed CSV at line {reader.line_num}: {exc}"
            ) from exc

    return total, _rows(header, body())


def read_xlsx(data: bytes, columns: Columns = ENTERPRISE_COLUMNS) -> tuple[int, Iterator[Row]]:
    from openpyxl import load_workbook  # noqa: PLC0415 - heavy import, only for spreadsheet uploads

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise UnsupportedMedia("文件不是有效的 XLSX 电子表格 / the file is not an XLSX spreadsheet") from exc
    sheet = book.worksheets[0]
    values = sheet.iter_rows(values_only=True)

    def text(cell: object) -> str:
        if cell is None:
            return ""
        if hasattr(cell, "isoformat"):
            return str(cell.isoformat())[:10]
        if isinstance(cell, float) and cell.is_integer():
            return str(int(cell))
        return str(cell)

    try:
        header = _map_header([text(c) for c in next(values)], columns)
    except StopIteration:
        raise ValidationFailed([FieldProblem("file", "empty", "文件为空", "the file is empty")]) from None
    total = max(0, (sheet.max_row or 1) - 1)
    return total, _rows(header, ((i, [text(c) for c in row]) for i, row in enumerate(values, start=2)))


def read_upload(
    filename: str | None, data: bytes, content_type: str | None = None, columns: Columns = ENTERPRISE_COLUMNS
) -> tuple[int, Iterator[Row]]:
    name = (filename or "").lower()
    if name.endswith(".xlsx") or data[:4] == b"PK\x03\x04" or (content_type or "").endswith("sheet"):
        return read_xlsx(data, columns)
    if name.endswith((".csv", ".txt")) or not name or (content_type or "").startswith("text/"):
        return read_csv(data, columns)
    raise UnsupportedMedia("仅支持 CSV 或 XLSX 文件 / only CSV or XLSX files are accepted")

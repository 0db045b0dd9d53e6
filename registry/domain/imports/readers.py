"""Reading CSV and XLSX uploads into header-keyed rows, with the row numbers officers see.

Headers may be the English wire names or their Chinese labels; Chinese exports from Excel are
often GB 18030 rather than UTF-8, so CSV falls back to it. Uploads are read whole, in a worker
thread and against the limits of ``limits.py``, before a row is written (``parse_upload_off_loop``).
"""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice

import msgspec

from registry.domain.imports.limits import Guard, GuardedZip, check_xlsx, not_xlsx
from registry.errors import FieldProblem, RegistryError, UnsupportedMedia, ValidationFailed
from registry.settings import UploadSettings

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


def _rows(
    header: list[str | None],
    body: Iterator[tuple[int, list[str]]],
    guard: Guard | None = None,
    *,
    spreadsheet: bool = False,
) -> Iterator[Row]:
    columns = frozenset(key for key in header if key)
    for number, cells in body:
        if guard is not None:
            if not guard.row(number, cells, spreadsheet=spreadsheet):
                continue
        elif not any(c.strip() for c in cells):
            continue
        values = {key: cell.strip() for key, cell in zip(header, cells, strict=False) if key and cell.strip()}
        yield Row(number, values, columns)


def _empty() -> ValidationFailed:
    return ValidationFailed([FieldProblem("file", "empty", "文件为空", "the file is empty")])


def read_csv(
    data: bytes, columns: Columns = ENTERPRISE_COLUMNS, guard: Guard | None = None
) -> tuple[int, Iterator[Row]]:
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

    def lines(checked: Guard) -> Iterator[str]:
        for number, line in enumerate(io.StringIO(text, newline=""), start=1):
            checked.line(number, line)
            yield line

    reader = csv.reader(lines(guard) if guard is not None else io.StringIO(text, newline=""))
    try:
        first = next(reader)
        if guard is not None:
            guard.header(first)
        header = _map_header(first, columns)
    except StopIteration:
        raise _empty() from None
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

    return total, _rows(header, body(), guard)


def _text(cell: object) -> str:
    if cell is None:
        return ""
    if hasattr(cell, "isoformat"):
        return str(cell.isoformat())[:10]
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell)


def read_xlsx(
    data: bytes, columns: Columns = ENTERPRISE_COLUMNS, guard: Guard | None = None
) -> tuple[int, Iterator[Row]]:
    # heavy import, only for spreadsheet uploads
    from openpyxl.reader.excel import ExcelReader  # noqa: PLC0415

    if guard is not None:
        check_xlsx(data, guard)
    # a hostile or damaged workbook fails inside openpyxl, zipfile or expat in many ways (ParseError
    # for an undefined entity, BadZipFile for a part that fails its CRC, KeyError for a missing
    # part...): each is the file's fault, answered 415, never a 500; our own refusals pass through
    try:
        # openpyxl's load_workbook, with the archive swapped for one whose reads check the deadline
        reader = ExcelReader(io.BytesIO(data), read_only=True, data_only=True)
        if guard is not None:
            reader.archive = GuardedZip(data, guard)
        reader.read()
        sheet = reader.wb.worksheets[0]
        total = max(0, (sheet.max_row or 1) - 1)
        # the <dimension> a file states would pad every row to its width: trust the cells instead
        sheet.reset_dimensions()
        values = sheet.iter_rows(values_only=True)
        first = next(values, None)
    except RegistryError:
        raise
    except Exception as exc:
        raise not_xlsx(f"{type(exc).__name__}: {exc}") from exc
    if first is None:
        raise _empty()
    cells = [_text(c) for c in first]
    if guard is not None:
        guard.header(cells)
    header = _map_header(cells, columns)

    def body() -> Iterator[tuple[int, list[str]]]:
        rows = enumerate(values, start=2)
        while True:
            try:
                item = next(rows, None)
            except RegistryError:
                raise
            except Exception as exc:  # as above: the file's fault, found only while reading it
                raise not_xlsx(f"{type(exc).__name__}: {exc}") from exc
            if item is None:
                return
            yield item[0], [_text(c) for c in item[1]]

    return total, _rows(header, body(), guard, spreadsheet=True)


def read_upload(
    filename: str | None,
    data: bytes,
    content_type: str | None = None,
    columns: Columns = ENTERPRISE_COLUMNS,
    limits: UploadSettings | None = None,
) -> tuple[int, Iterator[Row]]:
    """The rows of an upload, read as they are consumed; with ``limits``, each is checked."""
    guard = Guard.start(limits) if limits is not None else None
    name = (filename or "").lower()
    if name.endswith(".xlsx") or data[:4] == b"PK\x03\x04" or (content_type or "").endswith("sheet"):
        return read_xlsx(data, columns, guard)
    if name.endswith((".csv", ".txt")) or not name or (content_type or "").startswith("text/"):
        return read_csv(data, columns, guard)
    raise UnsupportedMedia("仅支持 CSV 或 XLSX 文件 / only CSV or XLSX files are accepted")


#: rows per packed chunk of a parsed upload
_CHUNK_ROWS = 1000


@dataclass(frozen=True, slots=True)
class ParsedUpload:
    """An upload read to the end and found within its limits, before any row is written: the rows
    packed (MessagePack, a chunk per thousand rows) so holding them costs about the file's size."""

    total: int
    columns: frozenset[str]
    chunks: tuple[bytes, ...]

    def rows(self) -> Iterator[Row]:
        for chunk in self.chunks:
            for number, values in msgspec.msgpack.decode(chunk, type=list[tuple[int, dict[str, str]]]):
                yield Row(number, values, self.columns)


def parse_upload(
    filename: str | None,
    data: bytes,
    content_type: str | None,
    columns: Columns,
    limits: UploadSettings,
) -> ParsedUpload:
    """Read a whole upload against ``limits``: a file over a limit is refused before a row is written."""
    _, rows = read_upload(filename, data, content_type, columns, limits)
    chunks: list[bytes] = []
    kept: frozenset[str] = frozenset()
    total = 0
    while batch := list(islice(rows, _CHUNK_ROWS)):
        kept = batch[0].columns
        total += len(batch)
        chunks.append(msgspec.msgpack.encode([(r.number, r.values) for r in batch]))
    return ParsedUpload(total, kept, tuple(chunks))


async def parse_upload_off_loop(
    filename: str | None,
    data: bytes,
    content_type: str | None,
    columns: Columns,
    limits: UploadSettings,
) -> ParsedUpload:
    """``parse_upload`` in a worker thread: reading a large or hostile file must not stop the event
    loop from answering everyone else (health checks included); the guard's deadline ends it."""
    return await asyncio.to_thread(parse_upload, filename, data, content_type, columns, limits)

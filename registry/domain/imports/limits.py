"""What one upload may cost, checked before and while it is read (issue 18 item 2).

An XLSX is a zip of XML parts: a 204 KiB upload unpacked to 200 MiB and held a worker for 11
minutes, and XML parts with entity definitions answered 500. So before openpyxl sees an XLSX its
archive is checked against the declared sizes (Python's zipfile never unpacks a part past its
declared size: a part that lies fails its CRC), the ratio and the part count, and every part that
is XML is refused if it has a document type declaration: none of the OOXML parts has one, and
without a DTD no entity can be defined (expat stops at the first element, which costs nothing).
openpyxl would use defusedxml if it were installed; this check does not depend on it.
Rows are checked one by one for the row, column, cell and time limits (``Guard``).
"""

from __future__ import annotations

import io
import time
import zipfile
from dataclasses import dataclass, field
from typing import IO, Any
from xml.parsers import expat

from registry.errors import FieldProblem, PayloadTooLarge, UnsupportedMedia, ValidationFailed
from registry.settings import UploadSettings

#: a part this small cannot hurt whatever its ratio; above it the ratio is checked
_RATIO_FLOOR = 1024 * 1024
#: the last row number an XLSX sheet can have (Excel's own limit)
XLSX_LAST_ROW = 1_048_576
_SCAN_CHUNK = 64 * 1024


def too_large(limit: str, value: object, zh: str, en: str) -> PayloadTooLarge:
    """413 naming the limit (as its ``REGISTRY_`` setting is named, lower case) and its value."""
    return PayloadTooLarge(
        f"{zh}（上限 {limit} = {value}）/ {en} (limit {limit} = {value})",
        extra={"limit": limit, "limit_value": value},
    )


def refused(limit: str, value: object, fld: str, code: str, zh: str, en: str) -> ValidationFailed:
    """422 naming the field, the rule, the limit and its value."""
    exc = ValidationFailed(
        [FieldProblem(fld, code, f"{zh}（上限 {limit} = {value}）", f"{en} (limit {limit} = {value})")]
    )
    exc.extra = {"limit": limit, "limit_value": value}
    return exc


def not_xlsx(why: str) -> UnsupportedMedia:
    return UnsupportedMedia(f"文件不是有效的 XLSX 电子表格 / the file is not a valid XLSX spreadsheet: {why}")


@dataclass(slots=True)
class Guard:
    """The limits of one read and its deadline, checked per row (a cooperative stop: the reading
    runs in a worker thread, which nothing else can interrupt)."""

    limits: UploadSettings
    deadline: float | None = field(default=None)
    rows: int = 0

    @classmethod
    def start(cls, limits: UploadSettings) -> Guard:
        seconds = limits.parse_seconds
        return cls(limits, time.monotonic() + seconds if seconds is not None else None)

    def tick(self) -> None:
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise too_large(
                "import_parse_seconds",
                self.limits.parse_seconds,
                "文件未能在时限内读完",
                "the file could not be read within the time limit",
            )

    def header(self, cells: list[str]) -> None:
        self._width(1, cells)

    def row(self, number: int, cells: list[str], *, spreadsheet: bool) -> bool:
        """False for a blank row (skipped, not counted); raises at the first limit the row breaks."""
        self.tick()
        if spreadsheet and number > XLSX_LAST_ROW:
            raise refused(
                "xlsx_last_row",
                XLSX_LAST_ROW,
                "file",
                "row_number",
                f"工作表行号 {number} 超出 XLSX 的最大行号",
                f"sheet row number {number} is beyond the last row an XLSX can have",
            )
        if not any(c.strip() for c in cells):
            return False
        self.rows += 1
        if self.limits.max_rows is not None and self.rows > self.limits.max_rows:
            raise too_large(
                "import_max_rows",
                self.limits.max_rows,
                f"文件超过 {self.limits.max_rows} 个数据行",
                f"the file has more than {self.limits.max_rows} data rows",
            )
        self._width(number, cells)
        return True

    def _width(self, number: int, cells: list[str]) -> None:
        width = len(cells)
        while width and not cells[width - 1].strip():
            width -= 1
        limits = self.limits
        if width > limits.max_columns:
            raise refused(
                "import_max_columns",
                limits.max_columns,
                f"row.{number}",
                "too_many_columns",
                f"第 {number} 行第 {width} 列有值，超过 {limits.max_columns} 列",
                f"row {number} has a value in column {width}, beyond {limits.max_columns} columns",
            )
        for column, cell in enumerate(cells[:width], start=1):
            if len(cell) > limits.max_cell_chars:
                raise refused(
                    "import_max_cell_chars",
                    limits.max_cell_chars,
                    f"row.{number}",
                    "cell_too_long",
                    f"第 {number} 行第 {column} 列超过 {limits.max_cell_chars} 个字符",
                    f"row {number} column {column} is longer than {limits.max_cell_chars} characters",
                )
            if "\x00" in cell:
                # PostgreSQL refuses NUL in text; a NUL is a sign of a binary or damaged file
                raise refused(
                    "control_characters",
                    "NUL",
                    f"row.{number}",
                    "nul_character",
                    f"第 {number} 行第 {column} 列含有空字符（NUL）",
                    f"row {number} column {column} contains a NUL character",
                )

    def line(self, number: int, line: str) -> None:
        self.tick()
        if len(line) > self.limits.max_line_chars:
            raise refused(
                "import_max_line_chars",
                self.limits.max_line_chars,
                f"row.{number}",
                "line_too_long",
                f"第 {number} 行超过 {self.limits.max_line_chars} 个字符",
                f"line {number} is longer than {self.limits.max_line_chars} characters",
            )


def check_xlsx(data: bytes, guard: Guard) -> None:
    """Refuse an archive whose parts unpack too large, too many parts, or XML with a DTD."""
    limits = guard.limits
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        parts = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise not_xlsx(str(exc)) from exc
    if len(parts) > limits.xlsx_max_parts:
        raise too_large(
            "xlsx_max_parts",
            limits.xlsx_max_parts,
            f"XLSX 含 {len(parts)} 个部件",
            f"the XLSX has {len(parts)} parts",
        )
    total = 0
    for part in parts:
        if part.file_size > limits.xlsx_max_unpacked_bytes:
            raise too_large(
                "xlsx_max_unpacked_bytes",
                limits.xlsx_max_unpacked_bytes,
                f"XLSX 部件 {part.filename} 解压后 {part.file_size} 字节",
                f"XLSX part {part.filename} unpacks to {part.file_size} bytes",
            )
        if part.file_size > _RATIO_FLOOR and part.file_size > limits.xlsx_max_ratio * max(part.compress_size, 1):
            raise too_large(
                "xlsx_max_ratio",
                limits.xlsx_max_ratio,
                f"XLSX 部件 {part.filename} 的压缩比超过 {limits.xlsx_max_ratio}:1",
                f"XLSX part {part.filename} is packed more than {limits.xlsx_max_ratio}:1",
            )
        total += part.file_size
    if total > limits.xlsx_max_unpacked_bytes:
        raise too_large(
            "xlsx_max_unpacked_bytes",
            limits.xlsx_max_unpacked_bytes,
            f"XLSX 解压后共 {total} 字节",
            f"the XLSX unpacks to {total} bytes",
        )
    for part in parts:
        if _has_dtd(archive, part, guard):
            raise refused(
                "xml_dtd",
                "forbidden",
                "file",
                "xml_dtd",
                f"XLSX 部件 {part.filename} 含有文档类型声明（DTD/实体定义），不予读取",
                f"XLSX part {part.filename} has a document type declaration (DTD, entity definitions); refused",
            )


class _Prolog(Exception):
    """Raised out of expat to stop at the first element (found) or the DTD (has_dtd)."""

    def __init__(self, has_dtd: bool) -> None:
        super().__init__()
        self.has_dtd = has_dtd


def _has_dtd(archive: zipfile.ZipFile, part: zipfile.ZipInfo, guard: Guard) -> bool:
    """Whether the part's prolog declares a document type. Parts that are not XML (images) fail
    expat at once and are left to openpyxl, which reads only XML parts."""
    parser = expat.ParserCreate()

    def doctype(*_: object) -> None:
        raise _Prolog(has_dtd=True)

    def element(*_: object) -> None:
        raise _Prolog(has_dtd=False)

    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = doctype
    parser.StartElementHandler = element
    try:
        with archive.open(part) as stream:
            while chunk := stream.read(_SCAN_CHUNK):
                guard.tick()
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
    except _Prolog as stop:
        return stop.has_dtd
    except expat.ExpatError:
        return False
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
        raise not_xlsx(f"{part.filename}: {exc}") from exc
    return False


class _TickingPart:
    """A part being read that checks the deadline at every read: openpyxl reads each part through
    ``ZipFile.open`` in 16 KiB steps, so even one long step (a shared-strings table of millions of
    tiny strings costs about 100 us a string) ends soon after the deadline."""

    def __init__(self, inner: IO[bytes], guard: Guard) -> None:
        self._inner = inner
        self._guard = guard

    def read(self, n: int = -1) -> bytes:
        self._guard.tick()
        return self._inner.read(n)

    def close(self) -> None:
        self._inner.close()

    def __enter__(self) -> _TickingPart:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class GuardedZip(zipfile.ZipFile):
    """The archive openpyxl reads from, with every part's reads checking the guard's deadline."""

    def __init__(self, data: bytes, guard: Guard) -> None:
        super().__init__(io.BytesIO(data))
        self._guard = guard

    def open(self, *args: Any, **kwargs: Any) -> Any:
        return _TickingPart(super().open(*args, **kwargs), self._guard)

"""Reading registration spreadsheets from outside without trusting them.

Measured before this module existed: a 2.2 KB .xlsx with one cell at XFD1048576 made the reader
try to allocate 549 GB and abort the process; a 4 MB deflate bomb asked for 3.9 GB; a
2,000,000-row sheet was refused only after 26 s and 1.9 GB. So, before any unbounded work:

1. `check_xlsx` reads the zip's central directory: every member's declared size, and the sum,
   must stay under limits that a real 200,000-row export fits in; then it streams the first
   sheet's XML (never more than the declared size, which zipfile enforces) and stops at the
   first cell beyond column MAX_COLUMNS or row MAX_LINE, or at the row cap. Each refusal is a
   Chinese message, within seconds, in constant memory.
2. `iter_rows` runs the reader (calamine) in a child process
   (medexam.candidates.sheet_reader) with an address-space limit and a CPU limit, and a wall
   clock limit here; rows come back one JSON line at a time and the caller stops reading at the
   row cap. Whatever the file does to the reader ends the child only: the worker gets a
   refusal to show.

CSV needs none of this: Python's csv module reads it line by line here, with a cap on a field's
length.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import resource
import signal
import subprocess
import sys
import threading
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any
from xml.etree import ElementTree

from django.conf import settings

from medexam.candidates import sheet_reader

MAX_COLUMNS = 64  # A..BL; the import format has 22 columns
MAX_DATA_ROWS = 200_000  # a province is ~40 thousand a year; more means a wrong file
MAX_LINE = MAX_DATA_ROWS + 10_000  # a row number beyond this is not a registration file
# Uncompressed sizes. A 200,000-row export written with inline strings (openpyxl's way) has
# a 252 MB sheet; with a shared-string table (Excel's way) ~110 MB of sheet and ~50 MB of
# strings. An Excel cell holds at most 32,767 characters.
MAX_SHEET_BYTES = 512 * 1024 * 1024  # one worksheet
MAX_STRINGS_BYTES = 128 * 1024 * 1024  # the shared-string table
MAX_TOTAL_BYTES = 640 * 1024 * 1024  # all parts together
MAX_SMALL_PART_BYTES = 4 * 1024 * 1024  # workbook.xml, styles, relationships, content types
MAX_CELL_CHARS = 32_767
CSV_FIELD_LIMIT = 64 * 1024
MAX_LINE_BYTES = MAX_COLUMNS * (MAX_CELL_CHARS * 6 + 64)  # JSON of one row, \u-escaped worst case
CHUNK = 1024 * 1024


class SpreadsheetRefused(Exception):
    """The file cannot be imported as it is: a stable code and a Chinese message saying why
    and what to do."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


UNREADABLE = (
    "无法读取该 Excel 文件（文件已损坏、加密或并非 Excel 文件），"
    "请在 Excel 中重新“另存为”.xlsx 后再导入。"
)


def _too_many_rows() -> SpreadsheetRefused:
    return SpreadsheetRefused(
        "too_many_rows",
        f"文件超过 {MAX_DATA_ROWS} 行，请确认选择了正确的文件，或分批导入。",
    )


def column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + (ord(letter) - 64)
    return number


def column_letters(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


# --- .xlsx: the zip and the sheet's XML, checked before the reader sees them ----------------
# Literal-led patterns, so a 250 MB sheet scans in about a second. A cell reference whose
# column is past BL (64): three letters, C?-Z?, or BM-BZ. Excel, LibreOffice and openpyxl write
# `r` first in <row>; a writer that does not is still held by the reader's limits below.
_CELL_BEYOND = re.compile(rb' r="((?:[A-Z]{3}|[C-Z][A-Z]|B[M-Z])\d+)"')
_ROW_NUMBER = re.compile(rb'row r="(\d{6,})"')
_ROW_TAGS = (b"<row ", b"<row>", b":row ", b":row>")
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\b[^>]*?\bref="([A-Z]*)(\d*)(?::([A-Z]+)(\d+))?"')
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _small_xml(data: bytes) -> ElementTree.Element:
    """One of the workbook's small index parts (at most MAX_SMALL_PART_BYTES, checked before).
    No spreadsheet declares a DTD, so one with a DOCTYPE is refused: with no entity
    declarations there is nothing to expand, and ElementTree never fetches external ones."""
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise ElementTree.ParseError("a DTD in a workbook part")
    return ElementTree.fromstring(data)  # noqa: S314 - DTD refused above; size capped


def _first_sheet_member(archive: zipfile.ZipFile) -> str:
    """The zip member calamine reads as sheet index 0: the workbook's first <sheet>."""
    names = set(archive.namelist())
    try:
        workbook = _small_xml(archive.read("xl/workbook.xml"))
        rels = _small_xml(archive.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ElementTree.ParseError, zipfile.BadZipFile, OSError) as exc:
        raise SpreadsheetRefused("bad_xlsx", UNREADABLE) from exc
    sheet = next((el for el in workbook.iter() if el.tag.endswith("}sheet")), None)
    if sheet is None:
        raise SpreadsheetRefused("empty_file", "文件中没有工作表，请检查文件后重新导入。")
    rel_id = sheet.get(f"{{{_REL_NS}}}id")
    for rel in rels:
        if rel.get("Id") == rel_id:
            target = (rel.get("Target") or "").lstrip("/")
            member = target if target.startswith("xl/") else f"xl/{target}"
            if member in names:
                return member
    raise SpreadsheetRefused("bad_xlsx", UNREADABLE)


def check_xlsx(path: Path) -> int:
    """Refuses a workbook whose sizes or first sheet are beyond an import's; returns the number
    of <row> elements of the first sheet (the progress bar's total, header included)."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise SpreadsheetRefused("bad_xlsx", UNREADABLE) from exc
    with archive:
        infos = archive.infolist()
        total = sum(info.file_size for info in infos)
        for info in infos:
            if info.filename.startswith("xl/worksheets/"):
                limit = MAX_SHEET_BYTES
            elif info.filename == "xl/sharedStrings.xml":
                limit = MAX_STRINGS_BYTES
            else:
                limit = MAX_SMALL_PART_BYTES
            if info.file_size > limit:
                raise SpreadsheetRefused(
                    "too_large_uncompressed",
                    f"文件解压后过大（其中「{info.filename[:60]}」为 "
                    f"{info.file_size / 1024 / 1024:.0f} MB，上限 {limit // 1024 // 1024} MB），"
                    "不像是报名数据导出文件。请从报名系统重新导出后再导入。",
                )
        if total > MAX_TOTAL_BYTES:
            raise SpreadsheetRefused(
                "too_large_uncompressed",
                f"文件解压后共 {total / 1024 / 1024:.0f} MB，超过 {MAX_TOTAL_BYTES // 1024 // 1024} MB 的上限，"
                "不像是报名数据导出文件。请从报名系统重新导出后再导入，或分批导入。",
            )
        member = _first_sheet_member(archive)
        try:
            with archive.open(member) as stream:
                return _scan_sheet(stream)
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError) as exc:
            raise SpreadsheetRefused("bad_xlsx", UNREADABLE) from exc


def _refuse_cell(reference: bytes) -> SpreadsheetRefused:
    ref = reference.decode("ascii", "replace")
    letters = ref.rstrip("0123456789")
    return SpreadsheetRefused(
        "too_many_columns",
        f"工作表的单元格 {ref} 有内容，位于第 {column_number(letters)} 列，"
        f"超出导入文件的范围（最多 {MAX_COLUMNS} 列，即 A 到 {column_letters(MAX_COLUMNS)} 列）。"
        "请删除多余的列（或整张表另存为新文件）后再导入。",
    )


def _refuse_line(number: int) -> SpreadsheetRefused:
    return SpreadsheetRefused(
        "too_many_rows",
        f"工作表第 {number} 行有内容，超出导入文件的范围（最多 {MAX_DATA_ROWS} 行考生）。"
        "请删除表格末尾多余的行后再导入，或分批导入。",
    )


def _scan_sheet(stream: IO[bytes]) -> int:
    rows = 0
    tail = b""
    first = True
    while True:
        chunk = stream.read(CHUNK)
        if not chunk:
            return rows
        # A tag may straddle two reads: search the previous read's tail with this one.
        window = tail + chunk
        if first:
            first = False
            dimension = _DIMENSION.search(window)
            if dimension and dimension.group(3):
                if column_number(dimension.group(3).decode()) > MAX_COLUMNS:
                    raise _refuse_cell(dimension.group(3) + dimension.group(4))
                if int(dimension.group(4)) > MAX_LINE:
                    raise _refuse_line(int(dimension.group(4)))
        beyond = _CELL_BEYOND.search(window)
        if beyond:
            raise _refuse_cell(beyond.group(1))
        for number in _ROW_NUMBER.findall(window):
            if int(number) > MAX_LINE:
                raise _refuse_line(int(number))
        # Tags wholly inside the tail were counted with the previous read; one cut in two by
        # the previous read's end is complete only now, and counted once.
        rows += sum(window.count(tag) - tail.count(tag) for tag in _ROW_TAGS)
        if rows > MAX_DATA_ROWS + 1:
            raise _too_many_rows()
        tail = window[-256:]


# --- the reader in its own process -----------------------------------------------------------
def _limits() -> None:  # pragma: no cover - runs in the child, between fork and exec
    memory = settings_value("IMPORT_READER_MEMORY_MB") * 1024 * 1024
    seconds = settings_value("IMPORT_READER_SECONDS")
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 5))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


_LIMITS: dict[str, int] = {}


def settings_value(name: str) -> int:
    return _LIMITS.get(name) or int(getattr(settings, name))


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if "$date" in value:
            return dt.date.fromisoformat(value["$date"])
        if "$datetime" in value:
            return dt.datetime.fromisoformat(value["$datetime"])
    return value


def _read_sheet(path: Path) -> Iterator[tuple[int, list[Any]]]:
    # The limits are read here, in the parent, so the child between fork and exec only calls
    # setrlimit (no Django settings access there).
    _LIMITS["IMPORT_READER_MEMORY_MB"] = int(settings.IMPORT_READER_MEMORY_MB)
    _LIMITS["IMPORT_READER_SECONDS"] = int(settings.IMPORT_READER_SECONDS)
    wall = float(settings.IMPORT_READER_SECONDS)
    child = subprocess.Popen(  # noqa: S603 - our own interpreter and module, a path we chose
        [sys.executable, "-m", "medexam.candidates.sheet_reader", str(path)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        preexec_fn=_limits,  # noqa: PLW1509 - setrlimit only, before exec
        close_fds=True,
    )
    timed_out = threading.Event()

    def stop() -> None:
        timed_out.set()
        child.kill()

    timer = threading.Timer(wall, stop)
    timer.start()
    finished = False
    code: int | None = None
    try:
        assert child.stdout is not None
        while True:
            # A line holds one row: at most 64 cells of at most 32,767 characters each.
            raw = child.stdout.readline(MAX_LINE_BYTES)
            if not raw:
                break
            if not raw.endswith(b"\n"):
                raise SpreadsheetRefused("bad_xlsx", UNREADABLE)
            line, cells = json.loads(raw)
            yield line, [_decode(value) for value in cells]
        finished = True
    finally:
        if not finished:
            child.kill()  # the caller stopped early (row cap, a bad header): stop reading
        code = child.wait()
        timer.cancel()
    if code in (0, None) or not finished:
        return
    if code in (-signal.SIGKILL, -signal.SIGXCPU) and (
        timed_out.is_set() or code == -signal.SIGXCPU
    ):
        raise SpreadsheetRefused(
            "reader_timeout",
            f"读取该 Excel 文件超过 {int(wall)} 秒仍未完成，已停止。文件可能已损坏或过于复杂，"
            "请在 Excel 中“另存为”.xlsx（或导出为 .csv）后再导入。",
        )
    if code in (-signal.SIGABRT, -signal.SIGSEGV, sheet_reader.EXIT_MEMORY):
        # calamine aborts when an allocation fails; Python raises MemoryError.
        raise SpreadsheetRefused(
            "reader_memory",
            f"读取该 Excel 文件需要的内存超过上限（{_LIMITS['IMPORT_READER_MEMORY_MB']} MB），已停止。"
            "文件中可能有异常巨大的内容或范围。请在 Excel 中删除多余内容后“另存为”.xlsx，或导出为 .csv 后再导入。",
        )
    if code == sheet_reader.EXIT_CELL_TOO_LONG:
        raise SpreadsheetRefused(
            "cell_too_long",
            f"文件中有单元格超过 {MAX_CELL_CHARS} 个字符（Excel 单元格的上限），不像是报名数据。"
            "请检查文件后重新导入。",
        )
    raise SpreadsheetRefused("bad_xlsx", UNREADABLE)


# --- .csv ---------------------------------------------------------------------------------
def _read_csv(path: Path) -> Iterator[tuple[int, list[Any]]]:
    data = path.read_bytes()  # at most the upload limit (50 MB)
    # Excel on Chinese Windows saves CSV as GB18030 (GBK); everything else as UTF-8.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes every byte sequence
        raise SpreadsheetRefused(
            "encoding", "无法识别 CSV 文件的编码，请另存为 UTF-8 编码的 CSV 后再导入。"
        )
    del data
    csv.field_size_limit(CSV_FIELD_LIMIT)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        yield from enumerate(reader, start=1)
    except csv.Error as exc:
        raise SpreadsheetRefused(
            "bad_csv",
            f"CSV 文件第 {reader.line_num} 行无法读取（某个单元格超过 {CSV_FIELD_LIMIT // 1024} KB，"
            "或引号不成对）。请在 Excel 中打开并另存为 CSV 后再导入。",
        ) from exc


SPREADSHEET_SUFFIXES = (".xlsx", ".xls")


def count_lines(path: Path, filename: str) -> int:
    """Checks an .xlsx before reading it (see module docstring) and returns its line count
    for the progress bar; 0 where the count is unknown without reading (.xls)."""
    name = filename.lower()
    if name.endswith(".xlsx"):
        return check_xlsx(path)
    if name.endswith(".csv"):
        with open(path, "rb") as fh:
            return sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(CHUNK), b""))
    return 0


def iter_rows(path: Path, filename: str) -> Iterator[tuple[int, list[Any]]]:
    """(line number, cells) for every line of the file, header first; the caller stops
    reading whenever it likes (the reader process is ended then)."""
    name = filename.lower()
    if name.endswith(SPREADSHEET_SUFFIXES):
        return _read_sheet(path)
    if name.endswith(".csv"):
        return _read_csv(path)
    raise SpreadsheetRefused(
        "file_type", "只能导入 .xlsx、.xls 或 .csv 文件，请从报名系统导出为其中一种格式。"
    )

"""Hostile registration spreadsheets, made on the fly (none is stored in the repository):
each is a real .xlsx zip that a careless reader would choke on.

* `one_far_cell`: 2 KB, one cell at XFD1048576 (a reader that allocates the used range asks
  for 16384 x 1048576 cells);
* `deflate_bomb`: a few MB that declare GBs of sheet XML;
* `lying_bomb`: the same, but the zip's directory claims the sheet is 1 KB;
* `many_rows`: 2,000,000 minimal rows;
* `huge_shared_string`: one shared string of 500 MB.
"""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="报名数据" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
    "</Relationships>"
)
SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
SHEET_TAIL = "</sheetData></worksheet>"
EMPTY_STRINGS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="0" uniqueCount="0"/>'
)
HEADER_ROW = (
    '<row r="1"><c r="A1" t="inlineStr"><is><t>报名号</t></is></c>'
    '<c r="B1" t="inlineStr"><is><t>姓名</t></is></c></row>'
)


def _book(path: Path, sheet: str | None = None, strings: str | None = EMPTY_STRINGS) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        if strings is not None:
            archive.writestr("xl/sharedStrings.xml", strings)
        if sheet is not None:
            archive.writestr("xl/worksheets/sheet1.xml", sheet)
    return path


def one_far_cell(folder: Path) -> Path:
    sheet = SHEET_HEAD + HEADER_ROW + '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    return _book(folder / "far-cell.xlsx", sheet + SHEET_TAIL)


def _streamed_member(
    archive_path: Path,
    name: str,
    head: bytes,
    repeat: bytes,
    times: int,
    tail: bytes,
    declared: int | None = None,
) -> None:
    """Appends a deflated member `head + repeat*times + tail` to a zip written by _book, in
    seconds and little memory: one megabyte of `repeat` is compressed once, ending on a full
    flush (a byte boundary with no back-references), and that compressed piece is written as
    many times as needed, which decompresses to the megabyte repeated. `declared` overrides
    the size the zip's directory states (a lying bomb)."""
    block = repeat * max(1, (1 << 20) // len(repeat))
    per_block = len(block) // len(repeat)
    full, rest = divmod(times, per_block)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    opening = compressor.compress(head) + compressor.flush(zlib.Z_FULL_FLUSH)
    piece = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    closing = compressor.compress(repeat * rest + tail) + compressor.flush(zlib.Z_FINISH)
    crc = zlib.crc32(head)
    block_crc_runs = full
    for _ in range(block_crc_runs):
        crc = zlib.crc32(block, crc)
    crc = zlib.crc32(repeat * rest + tail, crc)
    size = len(head) + full * len(block) + rest * len(repeat) + len(tail)
    stated = size if declared is None else declared
    with zipfile.ZipFile(archive_path, "a") as archive:
        info = zipfile.ZipInfo(name, date_time=(2022, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        # The member is written by hand: zipfile would want the uncompressed data.
        archive.fp.seek(archive.start_dir)
        info.header_offset = archive.fp.tell()
        info.CRC = crc
        info.compress_size = len(opening) + full * len(piece) + len(closing)
        info.file_size = stated
        archive.fp.write(info.FileHeader(zip64=max(stated, size) > 0xFFFFFFFF))
        archive.fp.write(opening)
        for _ in range(full):
            archive.fp.write(piece)
        archive.fp.write(closing)
        archive.start_dir = archive.fp.tell()
        archive.filelist.append(info)
        archive.NameToInfo[name] = info
        archive._didModify = True


def deflate_bomb(folder: Path, gigabytes: float = 3.9) -> Path:
    path = _book(folder / "bomb.xlsx")
    row = b'<row><c t="inlineStr"><is><t>AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA</t></is></c></row>'
    times = int(gigabytes * (1 << 30)) // len(row)
    _streamed_member(
        path,
        "xl/worksheets/sheet1.xml",
        (SHEET_HEAD + HEADER_ROW).encode(),
        row,
        times,
        SHEET_TAIL.encode(),
    )
    return path


def lying_bomb(folder: Path, megabytes: int = 1024) -> Path:
    path = _book(folder / "lying-bomb.xlsx")
    row = b'<row><c t="inlineStr"><is><t>AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA</t></is></c></row>'
    _streamed_member(
        path,
        "xl/worksheets/sheet1.xml",
        (SHEET_HEAD + HEADER_ROW).encode(),
        row,
        (1 << 30) // len(row),
        SHEET_TAIL.encode(),
        declared=1024,
    )
    return path


def many_rows(folder: Path, rows: int = 2_000_000) -> Path:
    path = _book(folder / "many-rows.xlsx")
    _streamed_member(
        path,
        "xl/worksheets/sheet1.xml",
        (SHEET_HEAD + HEADER_ROW).encode(),
        b'<row><c t="inlineStr"><is><t>22210000001</t></is></c></row>',
        rows,
        SHEET_TAIL.encode(),
    )
    return path


def wide_far_rows(folder: Path) -> Path:
    """Passes the checks that read the sheet's text (64 columns, rows numbered without a
    leading `r`), yet asks the reader for 1,048,576 x 64 cells: the reader's own limits must
    stop it."""
    sheet = (
        SHEET_HEAD
        + HEADER_ROW
        + '<row spans="1:64" r="1048576"><c r="BL1048576"><v>1</v></c></row>'
        + SHEET_TAIL
    )
    return _book(folder / "wide-far.xlsx", sheet)


def huge_shared_string(folder: Path, megabytes: int = 500) -> Path:
    path = _book(
        folder / "huge-string.xlsx",
        SHEET_HEAD + HEADER_ROW + '<row r="2"><c r="A2" t="s"><v>0</v></c></row>' + SHEET_TAIL,
        strings=None,
    )
    head = (
        b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/'
        b'spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>'
    )
    _streamed_member(
        path, "xl/sharedStrings.xml", head, b"A" * 1024, megabytes * 1024, b"</t></si></sst>"
    )
    return path

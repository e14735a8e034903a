"""The spreadsheet reader's own process: `python -m medexam.candidates.sheet_reader PATH`.

Reads the first sheet of an .xlsx/.xls with calamine and writes one JSON line per spreadsheet
row to stdout: `[line number, [cells...]]`, dates as {"$date": "YYYY-MM-DD"} and datetimes
as {"$datetime": ISO}. It imports nothing of Django and runs under the memory and CPU limits
its parent sets (medexam.candidates.spreadsheet): a malformed or hostile workbook that makes
the reader allocate without bound, abort (calamine's allocation failures are SIGABRT, which
no `except` can catch) or spin ends this process, never the worker's.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from typing import Any


def _cell(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    if isinstance(value, dt.time | dt.timedelta):
        return str(value)
    return value


def main(path: str) -> int:
    from python_calamine import CalamineWorkbook

    workbook = CalamineWorkbook.from_path(path)
    sheet = workbook.get_sheet_by_index(0)
    # The sheet's range starts at its first used cell; line numbers and columns are counted
    # from A1, as the operator sees them in Excel.
    first_row, first_col = sheet.start or (0, 0)
    out = sys.stdout
    for index, row in enumerate(sheet.iter_rows()):
        cells = [None] * first_col + [_cell(value) for value in row]
        out.write(json.dumps([first_row + index + 1, cells], ensure_ascii=False))
        out.write("\n")
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))

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

EXIT_MEMORY = 3
EXIT_CELL_TOO_LONG = 4
MAX_CELL_CHARS = 32_767  # Excel's own limit for a cell
MAX_COLUMNS = 64


class CellTooLong(Exception):
    pass


def _cell(value: Any) -> Any:
    if isinstance(value, str) and len(value) > MAX_CELL_CHARS:
        raise CellTooLong
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
    # calamine's rows start at row 1 but its columns at the first used one: pad the columns,
    # so line numbers and columns are the ones the operator sees in Excel.
    _first_row, first_col = sheet.start or (0, 0)
    out = sys.stdout
    for index, row in enumerate(sheet.iter_rows()):
        # Columns past the import's are dropped here (the parent refused wider sheets).
        kept = row[: max(0, MAX_COLUMNS - first_col)]
        cells = [None] * min(first_col, MAX_COLUMNS) + [_cell(value) for value in kept]
        out.write(json.dumps([index + 1, cells], ensure_ascii=False))
        out.write("\n")
    out.flush()
    return 0


def run(path: str) -> int:
    try:
        return main(path)
    except MemoryError:
        return EXIT_MEMORY
    except CellTooLong:
        return EXIT_CELL_TOO_LONG
    except Exception:  # noqa: BLE001 - any reader error: the parent says "unreadable"
        return 1


if __name__ == "__main__":
    sys.exit(run(sys.argv[1]))

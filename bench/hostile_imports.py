"""How fast and in how much memory hostile registration files are refused.

    .venv/bin/python bench/hostile_imports.py

Makes each hostile workbook of tests/candidates/hostile.py in a scratch folder, then runs the
import's reading side on it (medexam.candidates.spreadsheet: the size and sheet checks, then
the reader process) and prints the refusal's code, the seconds until it, the peak of this
process's Python allocations (tracemalloc) and the reader process's peak RSS when one ran.
For contrast it reads a valid 20,000-row file the same way. No database is needed.
"""

from __future__ import annotations

import os
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    os.environ.setdefault("MEDEXAM_DEBUG", "1")
    os.environ.setdefault("MEDEXAM_VAR_DIR", tempfile.mkdtemp(prefix="medexam-hostile-var-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "medexam.settings")
    import django

    django.setup()
    from medexam.candidates import spreadsheet
    from tests.candidates import hostile

    folder = Path(tempfile.mkdtemp(prefix="medexam-hostile-"))
    os.system("uptime")  # noqa: S605,S607
    cases = [
        ("one cell at XFD1048576", hostile.one_far_cell),
        ("deflate bomb (3.9 GB declared)", hostile.deflate_bomb),
        ("lying bomb (1 GB, declares 1 KB)", hostile.lying_bomb),
        ("2,000,000 rows", hostile.many_rows),
        ("500 MB shared string", hostile.huge_shared_string),
        ("1,048,576 x 64 cells, r not first", hostile.wide_far_rows),
    ]
    for label, make in cases:
        path = make(folder)
        children_before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        tracemalloc.start()
        started = time.perf_counter()
        try:
            spreadsheet.count_lines(path, path.name)
            rows = sum(1 for _ in spreadsheet.iter_rows(path, path.name))
            outcome = f"read {rows} rows (NOT refused)"
        except spreadsheet.SpreadsheetRefused as exc:
            outcome = f"refused: {exc.code}"
        seconds = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        reader = f", reader peak {child / 1024:.0f} MB" if child > children_before else ""
        print(
            f"{label:<36} {path.stat().st_size / 1e6:6.2f} MB file  {outcome:<32} "
            f"{seconds:6.2f} s  python peak {peak / 1e6:5.1f} MB{reader}",
            flush=True,
        )
        path.unlink()


if __name__ == "__main__":
    main()

"""Benchmark: import 100,000 candidates into a fresh SQLite database, then re-import the
same file (which must change nothing). Prints the times; the issue's target is about a
minute for the first import on this machine.

    .venv/bin/python bench/import_candidates.py [--rows 100000] [--format csv|xlsx]
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--format", choices=["csv", "xlsx"], default="xlsx")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="medexam-bench-"))
    os.environ["MEDEXAM_DEBUG"] = "1"
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ["MEDEXAM_VAR_DIR"] = str(workdir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "medexam.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)

    from medexam.candidates.importing import gb11643_check_char, parse_file
    from medexam.candidates.models import Candidate
    from medexam.candidates.services import import_candidates
    from tests.candidates.helpers import HEADER, csv_bytes, make_exam, row, xlsx_bytes

    exam = make_exam(slug="bench-2022")
    sites = ["沈阳市", "大连市"]
    rows = []
    for n in range(1, args.rows + 1):
        first17 = f"{110000 + n // 1000:06d}19{60 + n % 40:02d}{1 + n % 12:02d}{1 + n % 28:02d}{n % 1000:03d}"
        rows.append(
            row(
                n,
                证件号码=first17 + gb11643_check_char(first17),
                考点=sites[n % 2],
                手机号码=f"13{n:09d}",
            )
        )
    started = time.perf_counter()
    data = csv_bytes(rows, HEADER) if args.format == "csv" else xlsx_bytes(rows, HEADER)
    print(
        f"wrote {args.rows} rows as .{args.format} ({len(data) / 1e6:.1f} MB) "
        f"in {time.perf_counter() - started:.1f} s"
    )

    # CPU time next to wall time: on a shared 2-core machine the wall time says as much
    # about the neighbours as about the import.
    started, cpu = time.perf_counter(), time.process_time()
    parse_file(exam=exam, data=data, filename=f"bench.{args.format}")
    print(
        f"reading + validating only: {time.perf_counter() - started:.1f} s wall, "
        f"{time.process_time() - cpu:.1f} s CPU"
    )
    for label in ("first import", "re-import (no changes)"):
        started, cpu = time.perf_counter(), time.process_time()
        report = import_candidates(exam=exam, data=data, filename=f"bench.{args.format}")
        elapsed = time.perf_counter() - started
        assert not report.errors, report.errors[:5]
        print(
            f"{label}: {elapsed:.1f} s wall, {time.process_time() - cpu:.1f} s CPU "
            f"(created {report.created}, updated {report.updated}, unchanged "
            f"{report.unchanged}; {args.rows / elapsed:,.0f} rows/s)"
        )
    assert Candidate.objects.count() == args.rows


if __name__ == "__main__":
    main()

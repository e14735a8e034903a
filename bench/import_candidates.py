"""Benchmark: import 100,000 candidates into a fresh database, then re-import the same file
(which must change nothing). Prints the times.

    .venv/bin/python bench/import_candidates.py [--rows 100000] [--format csv|xlsx] \
        [--postgres postgres://postgres@127.0.0.1:5432/scale_import]

With --postgres (dropped and created fresh, with a second database `<name>_copy` of the same
schema) it also measures the baseline of issue 15 in the same run: a raw COPY of the very
rows the import wrote (candidate accounts, candidates, applications, the site counters),
dumped from the first database and loaded into the second, with the same indexes. Prints
`ratio: X` = first import (reading, validating and writing the file) / that COPY.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--format", choices=["csv", "xlsx"], default="xlsx")
    parser.add_argument("--postgres", default="", help="URL of a database to (re)create")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="medexam-bench-"))
    os.environ["MEDEXAM_DEBUG"] = "1"
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    if args.postgres:
        from bench.population import recreate_database, with_db

        copy_url = with_db(args.postgres, urlsplit(args.postgres).path.lstrip("/") + "_copy")
        recreate_database(args.postgres)
        recreate_database(copy_url)
        os.environ["DATABASE_URL"] = args.postgres
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
    first = 0.0
    for label in ("first import", "re-import (no changes)"):
        checkpoint(args.postgres)
        started, cpu = time.perf_counter(), time.process_time()
        report = import_candidates(exam=exam, data=data, filename=f"bench.{args.format}")
        elapsed = time.perf_counter() - started
        first = first or elapsed
        assert not report.errors, report.errors[:5]
        print(
            f"{label}: {elapsed:.1f} s wall, {time.process_time() - cpu:.1f} s CPU "
            f"(created {report.created}, updated {report.updated}, unchanged "
            f"{report.unchanged}; {args.rows / elapsed:,.0f} rows/s)"
        )
    assert Candidate.objects.count() == args.rows
    if args.postgres:
        copy = raw_copy(args.postgres, copy_url)
        print(f"raw COPY of the same rows: {copy:.1f} s wall")
        print(f"ratio: {first / copy:.2f}")


# The tables the first import writes, in foreign-key order (and what of them it wrote).
WRITTEN = [
    ("rules_exam", ""),
    ("rules_examsite", ""),
    ("accounts_user", "WHERE role = 'candidate'"),
    ("candidates_candidate", ""),
    ("materials_application", ""),
    ("materials_sitetally", ""),
]


def checkpoint(url: str) -> None:
    """Both sides start with no dirty pages of the other's: the import's WAL would otherwise
    be flushed by a checkpoint inside the baseline's timing (seen: 6.1 to 12.3 s for the
    same COPY), or the setup's inside the import's."""
    if not url:
        return
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CHECKPOINT")


def raw_copy(source: str, target: str) -> float:
    """Dump what the import wrote (COPY TO, untimed) and time loading it with COPY FROM into
    the same schema (migrated, so the same indexes and constraints), in one transaction."""
    import psycopg

    env = {**os.environ, "DATABASE_URL": target}
    subprocess.run(
        [sys.executable, "-m", "django", "migrate", "-v0"], check=True, env=env, cwd=ROOT
    )
    dumps = []
    with psycopg.connect(source) as conn, conn.cursor() as cursor:
        for table, where in WRITTEN:
            data = bytearray()
            with cursor.copy(f"COPY (SELECT * FROM {table} {where}) TO STDOUT") as out:  # noqa: S608
                for chunk in out:
                    data += chunk
            dumps.append((table, bytes(data)))
    checkpoint(target)
    with psycopg.connect(target) as conn, conn.cursor() as cursor:
        timed = 0.0
        for table, data in dumps:
            started = time.perf_counter()
            with cursor.copy(f"COPY {table} FROM STDIN") as into:
                into.write(data)
            if table not in ("rules_exam", "rules_examsite"):  # the exam exists beforehand
                timed += time.perf_counter() - started
        started = time.perf_counter()
        conn.commit()
        timed += time.perf_counter() - started
    return timed


if __name__ == "__main__":
    main()

"""Import throughput through the job, as a worker runs it, with the reading side separated.

    .venv/bin/python bench/import_job.py --postgres postgres://postgres@127.0.0.1:5432/DB \
        [--rows 100000] [--file registration.xlsx]

Creates DB afresh (it must not exist, or --replace), loads Liaoning 2022, makes (or takes)
a registration file, then in the same run:
* baseline: calamine reading the file in this process, every row turned into Python values,
  nothing else (the fastest read the file allows);
* reading side: the import's own reading (size and sheet checks, the limited reader process,
  rows streamed back as JSON) plus validation of every row, without writing;
* the whole job: `request_import` + `run_leased(ImportJob, …, perform_import)` exactly as the
  worker runs it: stored upload, checks, reader, validation, the write, problems, the result.
Each side prints rows, seconds, rows/s and CPU (this process, its children, PostgreSQL).
The job's outcome is checked: every row created.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from medexam.env import DEV_ID_HMAC_KEY, DEV_ID_KEYS  # noqa: E402 - the public development keys


def cpu() -> float:
    import resource

    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--postgres", required=True)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--file", default="")
    parser.add_argument("--replace", action="store_true")
    args = parser.parse_args()
    base, name = args.postgres.rsplit("/", 1)
    if args.replace:
        subprocess.run(["dropdb", "--if-exists", "-h", "127.0.0.1", "-U", "postgres", name])
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", name], check=True)
    folder = Path(tempfile.mkdtemp(prefix="medexam-import-bench-"))
    os.environ.update(
        DATABASE_URL=args.postgres,
        MEDEXAM_DEBUG="0",  # production settings: with DEBUG on, every statement is kept
        MEDEXAM_SECRET_KEY=os.environ.get("MEDEXAM_SECRET_KEY", "bench-only-not-secret"),
        MEDEXAM_ID_KEYS=os.environ.get("MEDEXAM_ID_KEYS", DEV_ID_KEYS),
        MEDEXAM_ID_HMAC_KEY=os.environ.get("MEDEXAM_ID_HMAC_KEY", DEV_ID_HMAC_KEY),
        MEDEXAM_PRIVATE_MEDIA_ROOT=str(folder / "private"),
        MEDEXAM_TASKS="immediate",
        MEDEXAM_SMS_FILE_BACKEND_ALLOWED="1",  # a benchmark: no SMS gateway
        DJANGO_SETTINGS_MODULE="medexam.settings",
    )
    import django

    django.setup()
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command

    from medexam.accounts.models import User
    from medexam.candidates import spreadsheet
    from medexam.candidates.import_jobs import perform_import, request_import
    from medexam.candidates.importing import parse_file
    from medexam.candidates.models import ImportJob
    from medexam.candidates.sample import sample_xlsx
    from medexam.candidates.tasks import run_import
    from medexam.jobs.leases import run_leased
    from medexam.rules.loading import default_exam_path, load_exam_file

    call_command("migrate", verbosity=0)
    exam = load_exam_file(default_exam_path())
    admin = User.objects.create(username="bench-admin", role=User.Role.ADMIN)
    path = Path(args.file) if args.file else folder / "registration.xlsx"
    if not args.file:
        path.write_bytes(sample_xlsx(exam=exam, count=args.rows))
    os.system("uptime")  # noqa: S605,S607

    from python_calamine import CalamineWorkbook

    t0, c0 = time.perf_counter(), cpu()
    rows = sum(1 for _ in CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).iter_rows())
    show("baseline calamine read", rows - 1, time.perf_counter() - t0, cpu() - c0)

    t0, c0 = time.perf_counter(), cpu()
    checked = spreadsheet.count_lines(path, path.name)
    show("  of which sheet checks", checked - 1, time.perf_counter() - t0, cpu() - c0)
    t0, c0 = time.perf_counter(), cpu()
    parsed = parse_file(exam=exam, path=path, filename=path.name)
    bad = sum(1 for row in parsed if row.errors)  # the made-up file repeats a few ID numbers
    show("reading side (checks+read+validate)", len(parsed), time.perf_counter() - t0, cpu() - c0)

    t0, c0 = time.perf_counter(), cpu()
    job = request_import(
        user=admin,
        exam=exam,
        upload=SimpleUploadedFile(path.name, path.read_bytes()),
        mode=ImportJob.Mode.GOOD_ONLY,
    )
    run_leased(ImportJob, job.pk, perform_import, task=run_import)
    seconds = time.perf_counter() - t0
    job.refresh_from_db()
    assert job.status == "done" and job.report.get("created") == len(parsed) - bad, job.message
    show("whole job (first import)", len(parsed), seconds, cpu() - c0)
    print(f"  {len(parsed) - bad:,} created, {bad} rows refused (repeated ID numbers)")


def show(label: str, rows: int, seconds: float, cpu_seconds: float) -> None:
    print(
        f"{label:<38} {rows:>8,} rows {seconds:7.1f} s {rows / seconds:>8,.0f} rows/s "
        f"CPU {cpu_seconds:6.1f} s (this process and its children; PostgreSQL not counted)",
        flush=True,
    )


if __name__ == "__main__":
    main()

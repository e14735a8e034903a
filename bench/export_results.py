"""Export throughput: the province's results as the export job writes them, against a raw
PostgreSQL COPY of the same rows, measured in the same run.

    .venv/bin/python bench/export_results.py --postgres postgres://postgres@127.0.0.1:5432/DB \
        [--formats csv,xlsx] [--site CODE]

DB is a population made by bench/population.py (a million candidates: `--candidates 1000000`).
Product side: an ExportJob for a province reviewer (or a site reviewer with --site), run in
this process through the job's lease exactly as a worker runs it (`run_leased` +
`perform_export`), into a scratch local storage. Baseline: `COPY (SELECT …) TO STDOUT` of the
same columns (the latest decision's note standing in for the reasons) written to a file: the
database's own fastest way out, without the product's keyset pages, reasons, formatting and
spreadsheet writer. Reported per side: rows, seconds, rows/s, CPU of this process and of the
PostgreSQL backends (from /proc), and this process's peak memory growth during the export.
Each product file is checked: its row count equals the population's.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from medexam.env import DEV_ID_HMAC_KEY, DEV_ID_KEYS  # noqa: E402 - the public development keys


def cpu_of(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime + stime, in clock ticks
    return total / os.sysconf("SC_CLK_TCK")


def postgres_pids(dbname: str) -> list[int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", [dbname])
        return [row[0] for row in cursor.fetchall()]


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def xlsx_rows(path: Path) -> int:
    with zipfile.ZipFile(path) as archive, archive.open("xl/worksheets/sheet1.xml") as sheet:
        count, tail = 0, b""
        while chunk := sheet.read(1 << 20):
            window = tail + chunk
            count += window.count(b"<row") - tail.count(b"<row")
            tail = window[-8:]
    return count - 1


BASELINE_SQL = """
COPY (
  SELECT c.registration_no, c.name, s.name, c.exam_category, a.state, a.state, a.route,
         a.rule_code, coalesce(d.reason, ''), a.first_submitted_at, a.submitted_at, a.decided_at
  FROM materials_application a
  JOIN candidates_candidate c ON c.id = a.candidate_id
  JOIN rules_examsite s ON s.id = c.exam_site_id
  LEFT JOIN LATERAL (
    SELECT reason FROM review_decision WHERE application_id = a.id
    ORDER BY created_at DESC, id DESC LIMIT 1
  ) d ON true
  WHERE c.exam_id = %(exam)s {site}
  ORDER BY c.registration_no
) TO STDOUT WITH (FORMAT csv, HEADER true)
"""


def baseline(exam_id: int, site_id: int | None, dbname: str, folder: Path) -> dict:
    from django.db import connection

    path = folder / "baseline.csv"
    pids = postgres_pids(dbname)
    cpu0, db0, t0 = time.process_time(), cpu_of(pids), time.perf_counter()
    site = "AND c.exam_site_id = %(site)s" if site_id else ""
    with connection.cursor() as cursor, open(path, "wb") as out:
        raw = cursor.cursor  # psycopg 3's cursor: COPY without Django in between
        with raw.copy(BASELINE_SQL.format(site=site), {"exam": exam_id, "site": site_id}) as copy:
            for data in copy:
                out.write(data)
    seconds = time.perf_counter() - t0
    rows = sum(1 for _ in open(path, "rb")) - 1
    return {
        "rows": rows,
        "seconds": seconds,
        "cpu": time.process_time() - cpu0,
        "db_cpu": cpu_of(pids) - db0,
        "memory": 0.0,
    }


def product(user, exam, fmt: str, dbname: str, folder: Path) -> dict:
    from medexam.jobs.leases import run_leased
    from medexam.review.export_jobs import perform_export
    from medexam.review.models import ExportJob
    from medexam.review.tasks import run_export

    job = ExportJob.objects.create(requested_by=user, kind="results", fmt=fmt, exam=exam)
    pids = postgres_pids(dbname)
    before = rss_mb()
    peak = [before]
    cpu0, db0, t0 = time.process_time(), cpu_of(pids), time.perf_counter()
    import threading

    done = threading.Event()

    def watch() -> None:
        while not done.wait(0.2):
            peak[0] = max(peak[0], rss_mb())

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    run_leased(ExportJob, job.pk, perform_export, task=run_export)
    done.set()
    watcher.join()
    seconds = time.perf_counter() - t0
    pids = sorted(set(pids) | set(postgres_pids(dbname)))
    job.refresh_from_db()
    assert job.status == "done", job.message
    path = folder / job.file
    rows = xlsx_rows(path) if fmt == "xlsx" else sum(1 for _ in open(path, "rb")) - 1
    assert rows == job.done_count, (rows, job.done_count)
    return {
        "rows": rows,
        "seconds": seconds,
        "cpu": time.process_time() - cpu0,
        "db_cpu": cpu_of(pids) - db0,
        "memory": peak[0] - before,
        "bytes": path.stat().st_size,
    }


def show(label: str, side: dict) -> None:
    print(
        f"{label:<22} {side['rows']:>9,} rows  {side['seconds']:7.1f} s  "
        f"{side['rows'] / side['seconds']:>8,.0f} rows/s  CPU {side['cpu']:6.1f} s + db "
        f"{side['db_cpu']:5.1f} s  memory +{side['memory']:.0f} MB",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--postgres", required=True)
    parser.add_argument("--formats", default="csv,xlsx")
    parser.add_argument("--site", default="", help="a site code: that site's reviewer exports")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="medexam-export-bench-"))
    os.environ["DATABASE_URL"] = args.postgres
    # Production settings: with DEBUG on, Django keeps every statement in memory.
    os.environ["MEDEXAM_DEBUG"] = "0"
    os.environ.setdefault("MEDEXAM_SECRET_KEY", "bench-only-not-secret")
    os.environ.setdefault("MEDEXAM_ID_KEYS", DEV_ID_KEYS)  # the public development keys
    os.environ.setdefault("MEDEXAM_ID_HMAC_KEY", DEV_ID_HMAC_KEY)
    os.environ["MEDEXAM_STORAGE"] = "local"
    os.environ["MEDEXAM_PRIVATE_MEDIA_ROOT"] = str(folder)
    os.environ["MEDEXAM_TASKS"] = "immediate"
    os.environ["MEDEXAM_SMS_FILE_BACKEND_ALLOWED"] = "1"  # a benchmark: no SMS gateway
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "medexam.settings")
    import django

    django.setup()
    from medexam.accounts.models import User
    from medexam.rules.models import Exam

    dbname = re.sub(r"\?.*$", "", args.postgres.rsplit("/", 1)[1])
    exam = Exam.objects.get(slug="liaoning-2022")
    if args.site:
        site = exam.sites.get(code=args.site)
        user = User.objects.filter(role="site_reviewer", exam_site=site).first()
    else:
        site = None
        user = User.objects.filter(role="province_reviewer", province=exam.province).first()
    os.system("uptime")  # noqa: S605,S607
    print(f"scope: {'site ' + args.site if site else 'province'}, exam {exam.slug}")
    base = baseline(exam.pk, site.pk if site else None, dbname, folder)
    show("baseline COPY csv", base)
    for fmt in args.formats.split(","):
        side = product(user, exam, fmt, dbname, folder)
        show(f"product export {fmt}", side)
        print(
            f"  file {side['bytes'] / 1e6:.0f} MB; ratio (product rows/s / baseline rows/s): "
            f"{(side['rows'] / side['seconds']) / (base['rows'] / base['seconds']):.3f}"
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"process peak RSS {peak:.0f} MB")


if __name__ == "__main__":
    main()

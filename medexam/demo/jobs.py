"""The demo's background work: the worker processes `bin/start` runs beside the web server,
and one import and one export queued at setup, so the demo shows both completing."""

from __future__ import annotations

import ctypes
import io
import os
import signal
import subprocess
import sys

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from medexam.accounts.models import User
from medexam.rules.models import Exam

DEMO_IMPORT_ROWS = 2000


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    # PR_SET_PDEATHSIG: the worker ends when the demo process ends, however it ends.
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)
    except OSError:
        pass


def start_workers() -> list[subprocess.Popen[bytes]]:
    """Two worker processes of the embedded engine: one for exports and imports, one for
    everything else (thumbnails, SMS) and the schedules, so a long import never holds back
    a thumbnail."""
    command = [sys.executable, "-m", "medexam", "worker"]
    env = {
        **os.environ,
        "MEDEXAM_TASK_LOG_LEVEL": os.environ.get("MEDEXAM_TASK_LOG_LEVEL", "WARNING"),
    }
    return [
        subprocess.Popen(  # noqa: S603
            [*command, "--queues", "heavy"], env=env, preexec_fn=_die_with_parent
        ),
        subprocess.Popen(  # noqa: S603
            [*command, "--queues", "default", "--beat"], env=env, preexec_fn=_die_with_parent
        ),
    ]


def stop_workers(workers: list[subprocess.Popen[bytes]]) -> None:
    for process in workers:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in workers:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def demo_registration_file(exam: Exam) -> bytes:
    """A made-up registration export whose sites are written the ways real exports write
    them: the full name, the short name (沈阳), 沈阳市考点, the code."""
    from openpyxl import Workbook

    from medexam.candidates.importing import COLUMNS
    from medexam.candidates.sample import sample_rows

    aliases = {site["name"]: site.get("aliases", []) for site in exam.rules.get("sites", [])}
    codes = {site["name"]: site["code"] for site in exam.rules.get("sites", [])}
    book = Workbook(write_only=True)
    sheet = book.create_sheet("报名数据")
    header = list(COLUMNS)
    sheet.append(header)
    for n, row in enumerate(sample_rows(exam=exam, count=DEMO_IMPORT_ROWS, seed=14)):
        name = str(row["考点"])
        spellings = [name, *aliases.get(name, []), codes.get(name, name)]
        row["考点"] = spellings[n % len(spellings)]
        sheet.append([row.get(column, "") for column in header])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def queue_demo_jobs(exam: Exam) -> None:
    """At the first setup: an import of DEMO_IMPORT_ROWS made-up candidates by the
    administrator, and the province's results export; later runs queue nothing new unless
    the export expired."""
    from medexam.candidates.import_jobs import request_import
    from medexam.candidates.models import ImportJob
    from medexam.review.export_jobs import request_export
    from medexam.review.models import ExportJob

    admin = User.objects.get(username="admin")
    province = User.objects.get(username="province")
    if not ImportJob.objects.filter(exam=exam).exists():
        request_import(
            user=admin,
            exam=exam,
            upload=SimpleUploadedFile("示例报名数据.xlsx", demo_registration_file(exam)),
            mode=ImportJob.Mode.GOOD_ONLY,
        )
    fresh_export = ExportJob.objects.filter(
        requested_by=province, expires_at__gt=timezone.now()
    ) | ExportJob.objects.filter(requested_by=province, status__in=["queued", "running"])
    if not fresh_export.exists():
        request_export(user=province, kind=ExportJob.Kind.RESULTS, fmt="xlsx", exam=exam)


def embedded_engine() -> bool:
    from django.conf import settings

    return settings.TASKS_ENGINE == "database" and not os.environ.get("MEDEXAM_NO_WORKER")

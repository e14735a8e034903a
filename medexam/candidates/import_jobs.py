"""Imports as jobs: the page stores the file and returns at once; a worker imports it.

`request_import` (in the request) writes the upload to the private storage under a
server-chosen name, creates the ImportJob and enqueues `run_import` on commit.
`perform_import` (in the worker, under the job's lease) copies the file to a scratch folder,
imports it through `services.import_candidates` with progress (lines read of lines counted,
problems so far), and keeps every refused row as an ImportProblem for the result page. The
upload is deleted from the storage once read: it holds ID numbers.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import tempfile
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from medexam.audit.services import record
from medexam.candidates.models import ImportJob, ImportProblem, ImportRun
from medexam.candidates.services import import_candidates
from medexam.jobs import enqueue_on_commit
from medexam.jobs.leases import JobRefused, Lease, LostLease
from medexam.materials.models import private_storage
from medexam.materials.services import discard_files

if TYPE_CHECKING:
    from django.http import HttpRequest

    from medexam.accounts.models import User
    from medexam.rules.models import Exam

ROOT = "imports"
CHANGES_SHOWN = 1000
MSG_WRITING = "已读完并校验全部行，正在写入（10 万行约需 1 分钟）…"
S = ImportJob.Status


def request_import(
    *,
    user: User,
    exam: Exam,
    upload: UploadedFile[bytes],
    mode: str,
    request: HttpRequest | None = None,
    source: str = ImportRun.Source.PAGE,
) -> ImportJob:
    from medexam.candidates.tasks import run_import

    storage = private_storage()
    suffix = Path((upload.name or "").lower()).suffix
    stem = uuid.uuid4().hex
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    name = storage.save(f"{ROOT}/{stem[:2]}/{stem}{suffix}", upload)
    try:
        with transaction.atomic():
            job = ImportJob.objects.create(
                requested_by=user,
                exam=exam,
                mode=mode,
                source=source,
                file=name,
                filename=(upload.name or "")[:200],
                file_sha256=digest.hexdigest(),
                enqueued_at=timezone.now(),
            )
            record(
                action="import.requested",
                actor=user,
                request=request,
                target=f"import:{job.uuid}",
                summary=f"上传报名数据文件，等待导入（{job.get_mode_display()}）",
                data={"exam": exam.slug, "mode": mode, "sha256": job.file_sha256},
            )
            enqueue_on_commit(run_import, job.pk)
    except BaseException:
        discard_files(storage, [name])
        raise
    return job


def perform_import(job: ImportJob, lease: Lease) -> None:
    storage = private_storage()
    if not job.file or not storage.exists(job.file):
        raise JobRefused("上传的文件已不存在（可能已被处理或清理），请重新上传后再导入。")

    def progress(lines: int, total: int, problems: int) -> None:
        if total and lines >= total:  # reading is over; the write follows, in one transaction
            lease.progress(
                done=lines, total=total, problems=problems, message=MSG_WRITING, force=True
            )
        else:
            lease.progress(done=lines, total=max(total, lines), problems=problems)

    def guard() -> None:
        # Inside the import's transaction: only the lease holder writes.
        if (
            not ImportJob.objects.select_for_update()
            .filter(pk=job.pk, lease_token=lease.token, status=S.RUNNING)
            .exists()
        ):
            raise LostLease

    with tempfile.TemporaryDirectory(prefix="medexam-import-") as folder:
        path = Path(folder) / ("upload" + Path(job.file).suffix)
        with storage.open(job.file, "rb") as source, open(path, "wb") as target:
            shutil.copyfileobj(source, target, 1024 * 1024)
        report = import_candidates(
            exam=job.exam,
            path=path,
            filename=job.filename or path.name,
            actor=job.requested_by,
            source=job.source,
            dry_run=job.mode == ImportJob.Mode.DRY_RUN,
            good_only=job.mode == ImportJob.Mode.GOOD_ONLY,
            progress=progress,
            guard=guard,
        )
    with transaction.atomic():
        guard()
        ImportProblem.objects.filter(job=job).delete()  # an earlier attempt's, if any
        ImportProblem.objects.bulk_create(
            [
                ImportProblem(
                    job=job,
                    line=error.line,
                    column=error.column[:64],
                    code=error.code[:48],
                    message=error.message,
                )
                for error in report.errors
            ],
            batch_size=2000,
        )
        summary = report.as_dict()
        summary.pop("errors")
        # The page lists the first updated candidates; the audit log has every change.
        summary["changes"] = dict(list(report.changes.items())[:CHANGES_SHOWN])
        lease.finish(
            run_id=report.run_id,
            report=summary,
            message=report.summary(),
            problem_count=len(report.errors),
            done_count=report.total_rows,
            total_count=report.total_rows,
            file="",
        )
        name = job.file
        transaction.on_commit(lambda: discard_files(storage, [name]))


def sweep_import_files(*, older_than: dt.timedelta = dt.timedelta(hours=1)) -> int:
    """Uploaded import files no waiting job points at: left by a request that died between
    storing the file and committing its job, or by a job that died after reading it."""
    storage = private_storage()
    if not storage.exists(ROOT):
        return 0
    waiting = set(ImportJob.objects.exclude(file="").values_list("file", flat=True))
    cutoff = timezone.now() - older_than
    removed = 0
    for folder in storage.listdir(ROOT)[0]:
        for name in storage.listdir(f"{ROOT}/{folder}")[1]:
            path = f"{ROOT}/{folder}/{name}"
            if path not in waiting and storage.get_modified_time(path) < cutoff:
                discard_files(storage, [path])
                removed += 1
    return removed

"""Exports as jobs: a request only records what was asked; a worker writes the file.

`request_export` (in the request) creates the ExportJob row and enqueues `run_export` on
commit. `perform_export` (in the worker, under the job's lease) streams the rows into a
temporary file (constant memory, see medexam.exports.write_table_file), stores the finished
file in the private storage (never a node-local path: any app machine serves the download)
and marks the job done, only if its lease is still its own. `download_response` checks that the
person asking is the requester, records the download in the audit log as an image view is,
and refuses expired files; `delete_expired_exports` (scheduled) deletes them.
"""

from __future__ import annotations

import datetime as dt
import logging
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.files import File
from django.core.files.storage import Storage
from django.db import transaction
from django.http import FileResponse, QueryDict
from django.utils import timezone

from medexam import exports
from medexam.audit.services import record
from medexam.errors import DomainError
from medexam.files.responses import private_file_response
from medexam.files.storage import FileMissing
from medexam.jobs import enqueue_on_commit
from medexam.jobs.leases import Lease
from medexam.materials.models import private_storage
from medexam.review.models import ExportJob

if TYPE_CHECKING:
    from django.http import HttpRequest

    from medexam.accounts.models import User
    from medexam.rules.models import Exam

logger = logging.getLogger(__name__)
ROOT = "exports"
S = ExportJob.Status


class ExportUnavailable(Exception):
    """The file cannot be downloaded (yet, or any more): a Chinese message and a status."""

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.message = message
        self.status = status


def request_export(
    *,
    user: User,
    kind: str,
    fmt: str,
    exam: Exam,
    params: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
    source: str = "page",
) -> ExportJob:
    from medexam.review.tasks import run_export

    if fmt not in exports.FORMATS:
        raise DomainError("BAD_FORMAT", "导出格式只能是 xlsx 或 csv，请重新选择。")
    with transaction.atomic():
        job = ExportJob.objects.create(
            requested_by=user,
            kind=kind,
            fmt=fmt,
            exam=exam,
            params=params or {},
            source=source,
            enqueued_at=timezone.now(),
        )
        record(
            action="export.requested",
            actor=user,
            request=request,
            target=f"export:{job.uuid}",
            summary=f"申请导出{job.get_kind_display()}（{fmt}）",
            data={"kind": kind, "format": fmt, "exam": exam.slug, "source": source},
        )
        enqueue_on_commit(run_export, job.pk)
    return job


def _rows(job: ExportJob) -> tuple[int, Iterator[dict[str, Any]], list[tuple[str, str]], str]:
    """(row count, rows, columns, sheet title) of the job, in its requester's scope."""
    from medexam.review import exports as queue_exports
    from medexam.review import selectors

    user = job.requested_by
    if user is None:  # the requester's account was removed: nobody's scope to export
        raise DomainError("NO_REQUESTER", "该导出任务的申请人账号已不存在，请重新导出。")
    if job.kind == ExportJob.Kind.QUEUE:
        query = QueryDict(mutable=True)
        for key, value in job.params.items():
            query[key] = value
        filters = selectors.QueueFilters.from_query(query, q=str(job.params.get("q", "")))
        applications = selectors.queue(user, filters)
        return (
            applications.count(),
            queue_exports.queue_rows(applications),
            queue_exports.COLUMNS,
            "审核队列",
        )
    states = list(job.params.get("states") or [])
    scoped = exports.applications_for(exam=job.exam, user=user)
    if states:
        scoped = scoped.filter(state__in=states)
    rows = exports.result_rows(exam=job.exam, user=user, states=states)
    return scoped.count(), rows, exports.COLUMNS, "审核结果"


def perform_export(job: ExportJob, lease: Lease) -> None:
    storage = private_storage()
    total, rows, columns, title = _rows(job)
    lease.progress(done=0, total=total, force=True)
    with tempfile.TemporaryDirectory(prefix="medexam-export-") as folder:
        path = Path(folder) / f"export.{job.fmt}"
        count = exports.write_table_file(
            rows,
            path=path,
            columns=columns,
            fmt=job.fmt,
            sheet_title=title,
            on_row=lambda done: lease.progress(done=done),
        )
        # One name per attempt: an attempt that lost its lease never touches the file of
        # the attempt that won.
        wanted = f"{ROOT}/{job.uuid.hex[:2]}/{job.uuid.hex}-{job.attempts}.{job.fmt}"
        with open(path, "rb") as fh:
            name = storage.save(wanted, File(fh))
        size = path.stat().st_size
    filename = (
        exports.results_filename(job.exam, job.fmt)
        if job.kind == ExportJob.Kind.RESULTS
        else f"queue-{timezone.localtime():%Y%m%d-%H%M}.{job.fmt}"
    )
    finished = lease.finish(
        file=name,
        size=size,
        done_count=count,
        total_count=count,
        filename=filename,
        expires_at=timezone.now() + dt.timedelta(hours=settings.EXPORT_TTL_HOURS),
        message=f"已导出 {count} 行",
    )
    if not finished:
        _delete(storage, [name])
        return
    record(
        action="results.exported" if job.kind == ExportJob.Kind.RESULTS else "queue.exported",
        actor=job.requested_by,
        target=f"export:{job.uuid}",
        summary=f"导出{job.get_kind_display()}（{job.fmt}，{count} 行）",
        data={"format": job.fmt, "rows": count, "source": job.source, **job.params},
    )


def job_for(*, user: User, job_uuid: Any) -> ExportJob:
    """The requester's own export; anyone else's looks like nothing (DoesNotExist)."""
    return ExportJob.objects.select_related("exam").get(uuid=job_uuid, requested_by=user)


def download_response(
    *, user: User, job_uuid: Any, request: HttpRequest | None = None
) -> FileResponse:
    """The job's file for its requester, streamed from storage in chunks (never whole in
    memory, on S3 too), after the checks and the audit entry: pages and the API alike."""
    job = job_for(user=user, job_uuid=job_uuid)
    if job.status == S.EXPIRED or (job.expires_at is not None and job.expires_at <= timezone.now()):
        raise ExportUnavailable(
            f"该导出文件已过期（导出文件保留 {settings.EXPORT_TTL_HOURS} 小时后自动删除），请重新导出。",
            410,
        )
    if job.status != S.DONE or not job.file:
        raise ExportUnavailable("导出尚未完成，请稍候刷新页面。", 409)
    try:
        response = private_file_response(
            private_storage(),
            job.file,
            content_type=exports.FORMATS[job.fmt],
            download_as=job.filename,
        )
    except FileMissing:
        logger.error("export file missing", extra={"event": "storage.file_missing"})
        raise ExportUnavailable("导出文件已不存在，请重新导出。", 410) from None
    record(
        action="export.downloaded",
        actor=user,
        request=request,
        target=f"export:{job.uuid}",
        summary=f"下载导出文件：{job.get_kind_display()}（{job.fmt}，{job.done_count} 行）",
        data={"kind": job.kind, "format": job.fmt, "rows": job.done_count},
    )
    return response


def _delete(storage: Storage, names: list[str]) -> None:
    for name in names:
        try:
            storage.delete(name)
        except Exception:  # the next run tries again
            logger.exception("could not delete an export file")


def delete_expired_exports(*, now: dt.datetime | None = None) -> int:
    """Delete the files of expired exports (the rows stay, marked expired, as the record),
    and export files no finished job points at (an attempt that died after storing)."""
    now = now or timezone.now()
    storage = private_storage()
    count = 0
    for pk, name in ExportJob.objects.filter(status=S.DONE, expires_at__lte=now).values_list(
        "pk", "file"
    )[:1000]:
        # Conditional: two schedulers at once delete each file once.
        if ExportJob.objects.filter(pk=pk, status=S.DONE).update(status=S.EXPIRED, file=""):
            if name:
                _delete(storage, [name])
            count += 1
    if storage.exists(ROOT):
        kept = set(
            ExportJob.objects.filter(status=S.DONE).exclude(file="").values_list("file", flat=True)
        )
        cutoff = now - dt.timedelta(hours=1)
        folders, _ = storage.listdir(ROOT)
        for folder in folders:
            for name in storage.listdir(f"{ROOT}/{folder}")[1]:
                path = f"{ROOT}/{folder}/{name}"
                if path not in kept and storage.get_modified_time(path) < cutoff:
                    _delete(storage, [path])
    return count

"""Running a long job under a lease on its own row, so that it completes exactly once.

A task that runs an export or an import calls `run_leased(Model, pk, work, task=...)`:

1. it claims the row (a row lock, skipping rows locked by a transaction in progress, then one
   UPDATE): a queued job, or a running one whose
   heartbeat is older than JOB_STALE_SECONDS (its worker died). Anything else is not ours: a finished job
   is left alone (a duplicate delivery does nothing); a job another worker is running right now
   is looked at again, by the engine, once its lease could have gone stale;
2. while `work` runs, a thread renews the heartbeat every JOB_HEARTBEAT_SECONDS on its own
   database connection (the work may sit inside one long transaction), and progress updates
   renew it too;
3. every write of the outcome is conditional on the lease token: a worker that lost its lease
   (paused past the stale time, then woke up) cannot overwrite the result of the one that took over.

A job that keeps killing its worker stops after MAX_ATTEMPTS, with a message.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone
from django_tasks.base import Task

from medexam.jobs import enqueue_now
from medexam.jobs.models import JobRecord

logger = logging.getLogger(__name__)

J = TypeVar("J", bound=JobRecord)
S = JobRecord.Status


def stale() -> dt.timedelta:
    """A lease whose heartbeat is older than this belongs to a dead worker (settings)."""
    return dt.timedelta(seconds=settings.JOB_STALE_SECONDS)


def heartbeat_seconds() -> float:
    return float(settings.JOB_HEARTBEAT_SECONDS)


PROGRESS_EVERY = 0.5  # seconds between progress writes
MAX_ATTEMPTS = 3
MSG_INTERNAL = "后台任务出现内部错误，未完成。请稍后重新提交；如果再次失败，请联系系统管理员。"
MSG_TOO_MANY_ATTEMPTS = (
    "该任务已被中断 {n} 次（处理它的后台进程多次意外退出），已停止重试。"
    "请联系系统管理员检查后台进程，或稍后重新提交。"
)


class JobRefused(Exception):
    """The job cannot be done for a reason the person who asked can fix (a bad file, say):
    it fails with this Chinese message, and is not retried."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class LostLease(Exception):
    """Another worker took the job over; this one stops without writing anything."""


class Lease:
    """The running job's handle: progress and the final, conditional writes."""

    def __init__(self, model: type[JobRecord], pk: int, token: str):
        self.model = model
        self.pk = pk
        self.token = token
        self._last_progress = 0.0

    def _mine(self) -> QuerySet[JobRecord]:
        return self.model._default_manager.filter(
            pk=self.pk, lease_token=self.token, status=S.RUNNING
        )

    def progress(
        self,
        *,
        done: int,
        total: int | None = None,
        problems: int | None = None,
        message: str | None = None,
        force: bool = False,
    ) -> None:
        """Record rows done so far (throttled); raises LostLease if the job is no longer ours."""
        now = time.monotonic()
        if not force and now - self._last_progress < PROGRESS_EVERY:
            return
        self._last_progress = now
        fields: dict[str, Any] = {"done_count": done, "heartbeat_at": timezone.now()}
        if total is not None:
            fields["total_count"] = total
        if problems is not None:
            fields["problem_count"] = problems
        if message is not None:
            fields["message"] = message
        if not self._mine().update(**fields):
            raise LostLease

    def finish(self, *, status: str = S.DONE, **fields: Any) -> bool:
        """Write the outcome if the lease is still ours; False if it is not (then the caller
        undoes whatever it made outside the database, such as an uploaded file)."""
        return bool(
            self._mine().update(status=status, finished_at=timezone.now(), lease_token="", **fields)
        )


def _heartbeat(lease: Lease, stop: threading.Event) -> None:
    try:
        while not stop.wait(heartbeat_seconds()):
            try:
                lease._mine().update(heartbeat_at=timezone.now())
            except Exception:  # a busy SQLite writer, a database blip: try again later
                logger.warning("job heartbeat failed; retrying", exc_info=True)
    finally:
        connection.close()


def run_leased(
    model: type[J], pk: int, work: Callable[[J, Lease], None], *, task: Task[Any, Any]
) -> None:
    now = timezone.now()
    token = secrets.token_hex(16)
    manager = model._default_manager
    with transaction.atomic():
        # SKIP LOCKED: a row locked by a transaction in progress (an import writing, which
        # holds its job's row) has a live worker, however old its heartbeat looks.
        free = (
            manager.select_for_update(skip_locked=True)
            .filter(pk=pk)
            .filter(Q(status=S.QUEUED) | Q(status=S.RUNNING, heartbeat_at__lt=now - stale()))
            .values_list("pk", flat=True)
        )
        claimed = bool(list(free)) and bool(
            manager.filter(pk=pk).update(
                status=S.RUNNING,
                lease_token=token,
                heartbeat_at=now,
                attempts=F("attempts") + 1,
                started_at=Coalesce("started_at", now),
            )
        )
    if not claimed:
        job = manager.filter(pk=pk).first()
        if job is not None and job.status == S.RUNNING and job.heartbeat_at is not None:
            # Someone holds a fresh lease. If that worker has just died, this delivery is the
            # engine's retry: look again, through the engine, once the lease could be stale.
            retry_at = job.heartbeat_at + stale() + dt.timedelta(seconds=1)
            enqueue_now(task.using(run_after=retry_at), pk)
        return
    job = model._default_manager.get(pk=pk)
    lease = Lease(model, pk, token)
    if job.attempts > MAX_ATTEMPTS:
        lease.finish(status=S.FAILED, message=MSG_TOO_MANY_ATTEMPTS.format(n=job.attempts - 1))
        return
    stop = threading.Event()
    beat = threading.Thread(target=_heartbeat, args=(lease, stop), daemon=True)
    beat.start()
    try:
        work(job, lease)
    except LostLease:
        logger.warning("%s %s: lease lost to another worker; stopped", model.__name__, pk)
    except JobRefused as exc:
        lease.finish(status=S.FAILED, message=exc.message)
    except Exception:
        logger.exception("%s %s failed", model.__name__, pk)
        lease.finish(status=S.FAILED, message=MSG_INTERNAL)
    finally:
        stop.set()
        beat.join(timeout=heartbeat_seconds() + 5)


def resume_stalled(model: type[JobRecord], task: Task[Any, Any]) -> int:
    """Enqueue again the jobs of `model` that nobody is working on: running with a stale
    heartbeat (the worker died and the engine did not bring the message back), or queued for
    long with no worker having claimed them (the enqueue after the commit failed)."""
    now = timezone.now()
    lost = model._default_manager.filter(
        Q(status=S.RUNNING, heartbeat_at__lt=now - stale())
        | Q(status=S.QUEUED, enqueued_at__lt=now - dt.timedelta(minutes=10))
        | Q(status=S.QUEUED, enqueued_at__isnull=True, created_at__lt=now - dt.timedelta(minutes=2))
    )
    count = 0
    for pk in lost.values_list("pk", flat=True)[:100]:
        model._default_manager.filter(pk=pk, status=S.QUEUED).update(enqueued_at=now)
        if enqueue_now(task, pk):
            count += 1
    return count

"""Running queued tasks inside a test.

`drain()` runs every ready task of the database engine in this process with django-tasks-db's
own worker code (claim, run, record), the way `python -m medexam worker` does, but inside the
test's transaction. Use it for what a task does; delivery by a real worker process is tested in
tests/jobs/test_worker.py. Tasks enqueued on commit need the commit callbacks run first:
`with committed():` does both.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.test import TestCase
from django_tasks.base import TaskResultStatus
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult


def drain(*, limit: int = 1000) -> int:
    worker = Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-drain",
        excluded_queue_names=[],
    )
    ran = 0
    for _ in range(limit):
        result = DBTaskResult.objects.ready().order_by("enqueued_at").first()
        if result is None:
            return ran
        result.claim("test-drain")
        worker.run_task(result)
        result.refresh_from_db()
        if result.status == TaskResultStatus.FAILED:
            raise AssertionError(f"task {result.task_path} failed:\n{result.traceback}")
        ran += 1
    raise AssertionError("tasks keep enqueueing tasks")


@contextmanager
def committed() -> Iterator[None]:
    """Runs the block, then its on-commit callbacks (the enqueues), then the queued tasks."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        yield
    drain()

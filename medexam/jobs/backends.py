"""A Django tasks backend that hands tasks to Celery (MEDEXAM_TASKS=celery).

Only what the tasks API needs: enqueue (with `run_after` as Celery's ETA). Results are not
kept by the engine: each task writes its outcome to its own domain row (an export, an import,
an outbox message), which is what pages and the API read.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django_tasks.backends.base import BaseTaskBackend
from django_tasks.base import Task, TaskResult, TaskResultStatus
from django_tasks.signals import task_enqueued
from django_tasks.utils import get_random_id, normalize_json
from typing_extensions import ParamSpec

T = TypeVar("T")
P = ParamSpec("P")


class CeleryBackend(BaseTaskBackend):
    supports_defer = True
    supports_async_task = False
    supports_get_result = False
    supports_priority = False

    def enqueue(
        self,
        task: Task[P, T],
        args: P.args,  # type: ignore[valid-type]
        kwargs: P.kwargs,  # type: ignore[valid-type]
    ) -> TaskResult[T]:
        from medexam.jobs.engine import RUN_TASK, app, queue_name

        self.validate_task(task)
        result: TaskResult[T] = TaskResult(
            task=task,
            id=get_random_id(),
            status=TaskResultStatus.READY,
            enqueued_at=None,
            started_at=None,
            last_attempted_at=None,
            finished_at=None,
            args=list(args),
            kwargs=dict(kwargs),
            backend=self.alias,
            errors=[],
            worker_ids=[],
        )
        payload: list[Any] = [task.module_path, normalize_json(list(args)), normalize_json(kwargs)]
        app.send_task(
            RUN_TASK,
            args=payload,
            task_id=result.id,
            queue=queue_name(task.queue_name),
            eta=task.run_after,
        )
        task_enqueued.send(type(self), task_result=result)
        return result

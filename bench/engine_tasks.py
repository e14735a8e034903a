"""The task the engine crash benchmark runs (bench/task_engines.py): it leaves a file when it
starts and another when it ends, so the benchmark can count how often each task ran and
finished, whichever engine ran it."""

from __future__ import annotations

import os
import time
from pathlib import Path


def mark(kind: str, task_id: str) -> None:
    folder = Path(os.environ["BENCH_MARKS"])
    (folder / f"{kind}-{task_id}-{os.getpid()}-{time.time_ns()}").touch()


def slow(task_id: str, seconds: float) -> None:
    mark("start", task_id)
    time.sleep(seconds)
    mark("end", task_id)


if os.environ.get("DJANGO_SETTINGS_MODULE"):  # the database and Celery engines
    from django_tasks import task

    @task()
    def slow_task(task_id: str, seconds: float) -> None:
        slow(task_id, seconds)

"""The Celery application that runs medexam's tasks on many machines (MEDEXAM_TASKS=celery).

Celery is only the engine: code declares and enqueues tasks with Django's tasks API, and
`medexam.jobs.backends.CeleryBackend` hands each one to Celery as a call of the single
Celery task `medexam.run_task(module_path, args, kwargs)`, which imports the Django task by
its path and calls it. The settings that give the crash behaviour measured in the README:

* `task_acks_late` + `task_reject_on_worker_lost`: the broker forgets a message only after the
  task returned; a worker killed mid-task (kill -9, OOM, power) leaves it unacknowledged and
  RabbitMQ hands it to another worker as soon as the dead one's connection drops;
* `worker_prefetch_multiplier=1`: a worker holds one message per process, so a long export does
  not sit on messages other workers could run;
* durable queues and persistent messages (Celery's defaults on RabbitMQ): a broker restart keeps
  what was queued;
* `worker_cancel_long_running_tasks_on_connection_loss`: when the broker goes away mid-task the
  message comes back anyway, so the worker stops its copy instead of finishing a duplicate
  (every task is idempotent, so either way nothing happens twice).
"""

from __future__ import annotations

import os
from typing import Any

from celery import Celery
from django.conf import settings
from django.utils.module_loading import import_string

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "medexam.settings")

app = Celery("medexam")
app.config_from_object("django.conf:settings", namespace="CELERY")

RUN_TASK = "medexam.run_task"


@app.task(name=RUN_TASK, acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def run_task(module_path: str, args: list[Any], kwargs: dict[str, Any]) -> None:
    """Run the Django task at `module_path`. Only Django tasks can be named: a message that
    points anywhere else is refused, so the broker cannot be used to call arbitrary code."""
    from django_tasks.base import Task

    task = import_string(module_path)
    if not isinstance(task, Task):
        raise TypeError(f"{module_path} is not a task")
    task.call(*args, **kwargs)


def queue_name(django_queue: str) -> str:
    """The broker queue of a Django task queue: prefixed, so that two deployments (or two test
    runs) on one broker never take each other's messages."""
    backend: dict[str, Any] = dict(settings.TASKS["default"])
    prefix = str(backend.get("OPTIONS", {}).get("queue_prefix", "medexam"))
    return f"{prefix}.{django_queue}"


def configure_beat() -> None:
    """Celery beat's table, from the one list of schedules (medexam.jobs.schedules)."""
    from celery.schedules import crontab

    from medexam.jobs.schedules import SCHEDULES

    table: dict[str, dict[str, Any]] = {}
    for entry in SCHEDULES:
        minute, hour, day, month, weekday = entry.cron.split()
        table[entry.name] = {
            "task": RUN_TASK,
            "schedule": crontab(
                minute=minute,
                hour=hour,
                day_of_month=day,
                month_of_year=month,
                day_of_week=weekday,
            ),
            "args": [entry.task, [], {}],
            # A run that could not start within the period is dropped: the next one does
            # the same work (every scheduled task looks at what is due, not at a count).
            "options": {"queue": queue_name("default"), "expires": entry.expires_seconds},
        }
    app.conf.beat_schedule = table

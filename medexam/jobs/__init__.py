"""Background work through one API: Django's tasks framework (the `django-tasks` backport of
Django 6's `django.tasks`).

How a module declares a task and enqueues it (the whole contract):

* declare it in the app's `tasks.py` with `@task()` from `django_tasks` (`queue_name="heavy"`
  for work that takes more than a second or two: exports, imports, OCR). A task takes ids and
  plain JSON values, never model instances; it loads what it needs and calls a service; it is
  idempotent (a second run of the same arguments changes nothing twice);
* enqueue it with `enqueue_on_commit(my_task, obj.pk)` from inside the service's transaction:
  nothing is sent if the transaction rolls back, and the task never runs before the rows it
  reads are committed. A failed enqueue (broker down) is logged and the transaction's effect
  stays; the domain row is the record, and a schedule picks up what was never delivered
  (`medexam.jobs.schedules`);
* work that runs longer than a few seconds keeps a lease on its own row
  (`medexam.jobs.leases.run_leased`), so a worker killed mid-task is noticed and the job is
  taken over, and a duplicate delivery cannot write the result twice.

Which engine runs the tasks is configuration (`MEDEXAM_TASKS`, see settings and README):
the database backend for one machine, Celery on RabbitMQ for many.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from django.db import transaction
from django_tasks.base import Task

logger = logging.getLogger(__name__)

__all__ = ["enqueue_now", "enqueue_on_commit"]


def enqueue_now(task: Task[Any, Any], *args: Any, **kwargs: Any) -> bool:
    """Enqueue outside any transaction (schedules, retries). False when the engine refused
    it: the caller's domain row still says what is due, and a schedule retries."""
    try:
        task.enqueue(*args, **kwargs)
    except Exception:
        # The message may name the broker's address but never personal data: tasks take ids.
        logger.exception("could not enqueue %s", task.module_path)
        return False
    return True


def enqueue_on_commit(task: Task[Any, Any], *args: Any, **kwargs: Any) -> None:
    """Enqueue `task(*args, **kwargs)` once the current transaction commits; never if it
    rolls back. Outside a transaction it is enqueued at once."""
    transaction.on_commit(partial(enqueue_now, task, *args, **kwargs))

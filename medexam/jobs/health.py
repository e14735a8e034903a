"""The task engine's readiness check and Prometheus metrics, for medexam.health and
medexam.metrics (settings MEDEXAM_READINESS_CHECKS and MEDEXAM_TASK_METRICS).

* `check_tasks`: can a task be enqueued now? Celery: the broker answers a passive declare of
  each queue (it exists and is reachable); the database engine: its table answers.
* `task_metrics`: queue depth per queue (Celery: the broker's ready messages and its
  consumers; the database engine: rows ready and running), failed runs of the last 24 hours
  (the database engine keeps them; Celery keeps none), and the long jobs by status (exports,
  imports: queued, running, failed in the last 24 hours), which every engine has.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db.models import Count
from django.utils import timezone

from medexam.jobs.models import JobRecord


def _celery() -> bool:
    return str(settings.TASKS["default"]["BACKEND"]).endswith("CeleryBackend")


def _broker_depths() -> dict[str, tuple[int, int]]:
    """queue -> (messages ready, consumers) from the broker, by passive declares."""
    from medexam.jobs.engine import app, queue_name

    depths: dict[str, tuple[int, int]] = {}
    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=3)
        channel = conn.default_channel
        for queue in settings.TASK_QUEUES:
            _name, ready, consumers = channel.queue_declare(queue_name(queue), passive=True)
            depths[queue] = (int(ready), int(consumers))
    return depths


def check_tasks() -> None:
    if _celery():
        _broker_depths()
        return
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.filter(status="READY").exists()


def task_metrics() -> Iterator[Any]:
    from prometheus_client.core import GaugeMetricFamily

    depth = GaugeMetricFamily(
        "medexam_task_queue_depth", "Tasks waiting in each queue", labels=["queue"]
    )
    running = GaugeMetricFamily(
        "medexam_task_queue_running",
        "Tasks taken by a worker (database engine)",
        labels=["queue"],
    )
    consumers = GaugeMetricFamily(
        "medexam_task_queue_consumers", "Workers consuming each queue (Celery)", labels=["queue"]
    )
    since = timezone.now() - dt.timedelta(hours=24)
    if _celery():
        for queue, (ready, workers) in _broker_depths().items():
            depth.add_metric([queue], ready)
            consumers.add_metric([queue], workers)
        yield consumers
    else:
        from django_tasks_db.models import DBTaskResult

        counts = dict(
            ((queue, status), n)
            for queue, status, n in DBTaskResult.objects.filter(status__in=["READY", "RUNNING"])
            .values_list("queue_name", "status")
            .annotate(n=Count("id"))
        )
        for queue in settings.TASK_QUEUES:
            depth.add_metric([queue], counts.get((queue, "READY"), 0))
            running.add_metric([queue], counts.get((queue, "RUNNING"), 0))
        yield GaugeMetricFamily(
            "medexam_task_failures_24h",
            "Task runs that failed in the last 24 hours (database engine)",
            value=DBTaskResult.objects.filter(status="FAILED", finished_at__gte=since).count(),
        )
    yield depth
    if not _celery():
        yield running
    jobs = GaugeMetricFamily(
        "medexam_jobs", "Exports and imports by status", labels=["kind", "status"]
    )
    for model in apps.get_models():
        if not issubclass(model, JobRecord):
            continue
        live = dict(
            model._default_manager.filter(status__in=["queued", "running"])
            .values_list("status")
            .annotate(n=Count("id"))
        )
        failed = model._default_manager.filter(status="failed", finished_at__gte=since).count()
        name = model._meta.model_name or model.__name__.lower()
        for status in ("queued", "running"):
            jobs.add_metric([name, status], live.get(status, 0))
        jobs.add_metric([name, "failed_24h"], failed)
    yield jobs

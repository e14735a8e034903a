"""Prometheus metrics: the app's own counters, and what is read at scrape time.

Request rates and latency come from django-prometheus' middleware (per view and method).
Here: uploads by outcome code, failures of the database, cache and storage, files found
missing, and the depth of the queues (SMS outbox, files awaiting deletion) read from the
database when Prometheus scrapes.

Under gunicorn every worker is a process of its own: with PROMETHEUS_MULTIPROC_DIR set
(medexam/gunicorn_config.py does) the counters are kept in files there and the scrape adds
up all workers of the node. Each node is scraped on its own address; the load balancer
does not route /metrics (README, "Deploying")."""

from __future__ import annotations

import os

from prometheus_client import CollectorRegistry, Counter, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily

UPLOADS = Counter(
    "medexam_uploads_total",
    "Upload requests by outcome: ok, retry (an idempotent repeat), or the refusal code",
    ["outcome"],
)
DEPENDENCY_FAILURES = Counter(
    "medexam_dependency_failures_total",
    "Requests answered 503 because a dependency failed",
    ["component"],
)
FILES_MISSING = Counter(
    "medexam_stored_files_missing_total", "Image views whose stored file was not found"
)


class QueueCollector:
    """Queue depths, read from the database at scrape time (one cheap indexed count each)."""

    def collect(self):
        # Read apart from the counters: with the database down the scrape must still bring
        # the counters of that very outage.
        from django.db import DatabaseError

        try:
            families = list(self._queues())
        except DatabaseError:
            families = []
        yield from families
        yield GaugeMetricFamily(
            "medexam_queues_readable",
            "1 if the queue depths above could be read from the database",
            value=1 if families else 0,
        )

    def _queues(self):
        from django.db.models import Count

        from medexam.files.models import PendingDeletion
        from medexam.messaging.models import OutboxMessage

        sms = GaugeMetricFamily(
            "medexam_sms_outbox", "SMS in the outbox by status", labels=["status"]
        )
        by_status = dict(
            OutboxMessage.objects.filter(
                status__in=[
                    OutboxMessage.Status.PENDING,
                    OutboxMessage.Status.SENDING,
                    OutboxMessage.Status.FAILED,
                ]
            )
            .values_list("status")
            .annotate(n=Count("id"))
        )
        for status in ("pending", "sending", "failed"):
            sms.add_metric([status], by_status.get(status, 0))
        yield sms
        yield GaugeMetricFamily(
            "medexam_files_awaiting_deletion",
            "Stored files waiting out their deletion grace period",
            value=PendingDeletion.objects.count(),
        )
        yield from _task_metrics()


def _task_metrics():
    """The task engine's queue depth and failures, where the engine reports them."""
    from django.conf import settings
    from django.utils.module_loading import import_string

    path = getattr(settings, "MEDEXAM_TASK_METRICS", "")
    if path:
        yield from import_string(path)()


def render() -> bytes:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        from prometheus_client import REGISTRY as registry  # noqa: N811
    queues = CollectorRegistry(auto_describe=False)
    queues.register(QueueCollector())
    return generate_latest(registry) + generate_latest(queues)

"""The task engine in readiness and in the Prometheus scrape (issue 16's hooks)."""

from __future__ import annotations

import pytest
from django.test import TestCase
from django.urls import reverse

from medexam.review.export_jobs import request_export
from tests.jobs.worker import celery_tasks_settings, delete_celery_queues, new_prefix

pytestmark = pytest.mark.django_db


def test_readiness_asks_the_task_engine(client):
    body = client.get(reverse("health-ready")).json()
    assert body["checks"]["tasks"]["ok"] is True


def test_the_scrape_shows_queue_depth_and_jobs(client, province_reviewer, exam):
    with TestCase.captureOnCommitCallbacks(execute=True):
        request_export(user=province_reviewer, kind="results", fmt="csv", exam=exam)
    text = client.get(reverse("metrics")).content.decode()
    assert 'medexam_task_queue_depth{queue="heavy"} 1.0' in text
    assert 'medexam_jobs{kind="exportjob",status="queued"} 1.0' in text


def test_with_celery_readiness_asks_the_broker_and_the_scrape_reads_its_queues(
    client, settings, province_reviewer, exam
):
    prefix = new_prefix()
    settings.TASKS = celery_tasks_settings(prefix)
    try:
        # The queues do not exist before a worker declared them: the broker says so.
        assert client.get(reverse("health-ready")).json()["checks"]["tasks"]["ok"] is False
        from medexam.jobs.engine import app, queue_name

        with app.connection_for_write() as conn:
            for queue in settings.TASK_QUEUES:
                conn.default_channel.queue_declare(
                    queue_name(queue), durable=True, auto_delete=False
                )
        with TestCase.captureOnCommitCallbacks(execute=True):
            request_export(user=province_reviewer, kind="results", fmt="csv", exam=exam)
        assert client.get(reverse("health-ready")).json()["checks"]["tasks"]["ok"] is True
        text = client.get(reverse("metrics")).content.decode()
        assert 'medexam_task_queue_depth{queue="heavy"} 1.0' in text
    finally:
        delete_celery_queues(prefix)

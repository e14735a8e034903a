"""Tasks of the task machinery itself: taking over stalled jobs, pruning run records."""

from __future__ import annotations

import datetime as dt

from django.apps import apps
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks import task

from medexam.jobs.leases import resume_stalled
from medexam.jobs.models import JobRecord


@task()
def resume_stalled_jobs() -> int:
    count = 0
    for model in apps.get_models():
        if issubclass(model, JobRecord) and model.task_path:
            count += resume_stalled(model, import_string(model.task_path))
    return count


@task()
def prune_task_results() -> int:
    """Finished run records of the database engine older than a week (no-op on Celery,
    which keeps none)."""
    if not apps.is_installed("django_tasks_db"):
        return 0
    from django_tasks_db.models import DBTaskResult

    cutoff = timezone.now() - dt.timedelta(days=7)
    deleted, _ = DBTaskResult.objects.finished().filter(finished_at__lt=cutoff).delete()
    return deleted

"""`python -m medexam worker [--queues default,heavy] [--beat] [--concurrency N]`

Runs the task worker of the configured engine: the database worker (django-tasks-db) on one
machine, a Celery worker on many. `--beat` also runs the schedules (medexam.jobs.schedules):
in this process with the embedded engine, as Celery beat inside the worker with Celery.
`--beat-only` (Celery) runs the scheduler alone: the production layout, on one machine.
"""

from __future__ import annotations

import logging
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.crypto import get_random_string
from django.utils.module_loading import import_string

from medexam.jobs import enqueue_now
from medexam.jobs.schedules import SCHEDULES

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "运行后台任务进程（导出、导入、缩略图、短信与定时任务）"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--queues", default="default,heavy")
        parser.add_argument("--beat", action="store_true", help="also run the schedules")
        parser.add_argument(
            "--beat-only",
            action="store_true",
            help="Celery: run only the scheduler (Celery beat), no worker",
        )
        parser.add_argument("--concurrency", type=int, default=0, help="Celery: processes")
        parser.add_argument("--interval", type=float, default=1.0, help="database: poll seconds")
        parser.add_argument("--worker-id", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        backend = str(settings.TASKS["default"]["BACKEND"])
        queues = [q.strip() for q in options["queues"].split(",") if q.strip()]
        if backend.endswith("CeleryBackend"):
            if options["beat_only"]:
                self._celery_beat()
                return
            self._celery(queues, beat=options["beat"], concurrency=options["concurrency"])
        elif backend.endswith("DatabaseBackend"):
            self._database(
                queues,
                beat=options["beat"],
                interval=options["interval"],
                worker_id=options["worker_id"] or get_random_string(32),
            )
        else:
            raise CommandError(f"no worker to run for the task backend {backend}")

    def _celery(self, queues: list[str], *, beat: bool, concurrency: int) -> None:
        from medexam.jobs.engine import app, configure_beat, queue_name

        argv = ["worker", "-Q", ",".join(queue_name(q) for q in queues), "--loglevel=INFO"]
        if concurrency:
            argv += ["-c", str(concurrency)]
        if beat:
            configure_beat()
            argv += ["-B", "-s", str(settings.VAR_DIR / "celerybeat-schedule")]
        app.worker_main(argv)

    def _celery_beat(self) -> None:
        from medexam.jobs.engine import app, configure_beat

        configure_beat()
        app.start(["beat", "-s", str(settings.VAR_DIR / "celerybeat-schedule"), "--loglevel=INFO"])

    def _database(self, queues: list[str], *, beat: bool, interval: float, worker_id: str) -> None:
        from django_tasks_db.management.commands.db_worker import Worker

        scheduler = start_embedded_scheduler() if beat else None
        worker = Worker(
            queue_names=queues,
            interval=interval,
            batch=False,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id=worker_id[:64],
            excluded_queue_names=[],
        )
        worker.configure_signals()
        try:
            worker.run()
        finally:
            if scheduler is not None:
                scheduler.shutdown(wait=False)


def start_embedded_scheduler() -> Any:
    """APScheduler in this process: at each schedule's time it enqueues the task through the
    tasks API; the worker runs it like any other. One per machine (the embedded default runs
    one machine); the tasks themselves are safe if two ever run at once."""
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.triggers.cron import CronTrigger

    scheduler = BackgroundScheduler(timezone=settings.TIME_ZONE)
    for entry in SCHEDULES:
        scheduler.add_job(
            enqueue_now,
            CronTrigger.from_crontab(entry.cron, timezone=settings.TIME_ZONE),
            args=[import_string(entry.task)],
            id=entry.name,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=entry.expires_seconds,
        )
    scheduler.start()
    return scheduler

"""A real worker process for tests: `python -m medexam worker` on the test's own database,
file folder and SMS file, with the engine of the test (the database engine, or Celery on
RabbitMQ with queues of its own)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.db import connection

REPO = Path(__file__).resolve().parents[2]
# Short leases, so a takeover after a kill happens within seconds in a test.
STALE_SECONDS = 4


class WorkerProcess:
    def __init__(self, *, engine: str, root: Path, sms_file: Path, log: Path, prefix: str):
        self.engine = engine
        self.root = root
        self.sms_file = sms_file
        self.log = log
        self.prefix = prefix
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, *, beat: bool = False) -> WorkerProcess:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.worker_settings",
            "MEDEXAM_TEST_DB_NAME": str(connection.settings_dict["NAME"]),
            "MEDEXAM_PRIVATE_MEDIA_ROOT": str(self.root),
            "MEDEXAM_SMS_FILE": str(self.sms_file),
            "MEDEXAM_TASKS": self.engine,
            "MEDEXAM_TASKS_QUEUE_PREFIX": self.prefix,
            "MEDEXAM_JOB_STALE_SECONDS": str(STALE_SECONDS),
            "MEDEXAM_JOB_HEARTBEAT_SECONDS": "1",
            "PYTHONPATH": str(REPO),
        }
        command = [sys.executable, "-m", "medexam", "worker", "--queues", "default,heavy"]
        command += ["--interval", "0.2"] if self.engine == "database" else ["--concurrency", "1"]
        if beat:
            command.append("--beat")
        with open(self.log, "ab") as log:
            # A session of its own: kill() ends the worker and its children at once (-9).
            self.process = subprocess.Popen(  # noqa: S603
                command, env=env, cwd=REPO, stdout=log, stderr=log, start_new_session=True
            )
        return self

    def kill(self) -> None:
        """kill -9 of the worker and every process it started."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.kill()

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


def wait_until(check: Callable[[], object], *, timeout: float, worker: WorkerProcess) -> object:
    """Polls `check` (a database read) until it is truthy; fails with the worker's log."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        if worker.process is not None and worker.process.poll() is not None:
            raise AssertionError("the worker exited:\n" + worker.output()[-4000:])
        time.sleep(0.1)
    raise AssertionError(f"not done within {timeout} s; worker log:\n{worker.output()[-4000:]}")


def celery_tasks_settings(prefix: str) -> dict:
    return {
        "default": {
            "BACKEND": "medexam.jobs.backends.CeleryBackend",
            "QUEUES": settings.TASK_QUEUES,
            "OPTIONS": {"queue_prefix": prefix},
        }
    }


def delete_celery_queues(prefix: str) -> None:
    from medexam.jobs.engine import app

    with app.connection_for_write() as conn:
        channel = conn.default_channel
        for queue in settings.TASK_QUEUES:
            channel.queue_delete(f"{prefix}.{queue}")


def new_prefix() -> str:
    return f"medexam-test-{uuid.uuid4().hex[:8]}"

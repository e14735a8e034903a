import pytest
from django.db import connection

from tests.jobs.worker import WorkerProcess, celery_tasks_settings, delete_celery_queues, new_prefix

ENGINES = ["database", "celery"]


@pytest.fixture(params=ENGINES)
def engine(request, settings):
    """Each end-to-end test runs on both engines: the embedded database one (SQLite and
    PostgreSQL) and Celery on RabbitMQ (PostgreSQL, the production database)."""
    name = request.param
    prefix = new_prefix()
    if name == "celery":
        if connection.vendor != "postgresql":
            pytest.skip("the Celery engine is tested on PostgreSQL, its production database")
        settings.TASKS = celery_tasks_settings(prefix)
    yield name, prefix
    if name == "celery":
        delete_celery_queues(prefix)


@pytest.fixture
def worker(engine, tmp_path, _private_storage, settings):
    name, prefix = engine
    started: list[WorkerProcess] = []

    def make() -> WorkerProcess:
        process = WorkerProcess(
            engine=name,
            root=_private_storage,
            sms_file=settings.SMS_FILE_PATH,
            log=tmp_path / "worker.log",
            prefix=prefix,
        )
        started.append(process)
        return process

    yield make
    for process in started:
        process.stop()

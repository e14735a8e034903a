"""The lease that makes a long job complete exactly once (medexam/jobs/leases.py), and the
schedules' safety when several workers run them at once (threads against PostgreSQL)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from medexam.audit.models import AuditEntry
from medexam.jobs.leases import LostLease, run_leased
from medexam.jobs.tasks import resume_stalled_jobs
from medexam.review import services as review
from medexam.review.export_jobs import delete_expired_exports, perform_export, request_export
from medexam.review.models import ExportJob
from medexam.review.tasks import run_export
from tests.jobs.helpers import committed, drain
from tests.races import needs_postgres, run_together
from tests.review.helpers import claimed, fresh, image, request_replacement, submitted_with_images

pytestmark = pytest.mark.django_db


@pytest.fixture
def export(province_reviewer, exam, candidate):
    with committed():
        return request_export(user=province_reviewer, kind="results", fmt="csv", exam=exam)


def test_a_second_delivery_of_a_finished_export_does_nothing(export, _private_storage):
    export.refresh_from_db()
    assert export.status == "done" and export.attempts == 1
    run_export.call(export.pk)  # the engine delivers the same message again
    export.refresh_from_db()
    assert export.attempts == 1
    assert AuditEntry.objects.filter(action="results.exported").count() == 1
    assert len(list((_private_storage / "exports").rglob("*.csv"))) == 1


def test_a_worker_that_lost_its_lease_writes_nothing(province_reviewer, exam, candidate):
    job = export_row(province_reviewer, exam)
    seen = {}

    def work(job, lease):
        lease.progress(done=1, force=True)
        # Another worker took over (this one was paused past the stale time).
        ExportJob.objects.filter(pk=job.pk).update(lease_token="someone-else")
        seen["finished"] = lease.finish(message="mine")
        lease.progress(done=2, force=True)

    run_leased(ExportJob, job.pk, work, task=run_export)
    job.refresh_from_db()
    assert seen["finished"] is False
    assert job.lease_token == "someone-else" and job.status == "running" and not job.message


def test_progress_raises_once_the_lease_is_gone(province_reviewer, exam):
    job = export_row(province_reviewer, exam)
    lease = _lease_for(job)
    lease.progress(done=1, force=True)
    ExportJob.objects.filter(pk=job.pk).update(status="done")  # finished by another worker
    with pytest.raises(LostLease):
        lease.progress(done=2, force=True)


def export_row(user, exam, **fields) -> ExportJob:
    return ExportJob.objects.create(
        requested_by=user, kind="results", fmt="csv", exam=exam, **fields
    )


def _lease_for(job):
    from medexam.jobs.leases import Lease

    ExportJob.objects.filter(pk=job.pk).update(status="running", lease_token="t")
    return Lease(ExportJob, job.pk, "t")


def test_a_job_running_elsewhere_is_looked_at_again_once_its_lease_could_be_stale(
    province_reviewer, exam, settings
):
    beat = timezone.now()
    job = export_row(
        province_reviewer,
        exam,
        status="running",
        lease_token="other",
        heartbeat_at=beat,
        attempts=1,
    )
    run_export.call(job.pk)
    job.refresh_from_db()
    assert job.lease_token == "other" and job.attempts == 1  # not taken
    retry = DBTaskResult.objects.get(task_path="medexam.review.tasks.run_export")
    expected = beat + dt.timedelta(seconds=settings.JOB_STALE_SECONDS + 1)
    assert abs((retry.run_after - expected).total_seconds()) < 1


def test_a_job_that_keeps_killing_its_worker_stops_with_a_message(province_reviewer, exam):
    job = export_row(
        province_reviewer,
        exam,
        status="running",
        attempts=3,
        heartbeat_at=timezone.now() - dt.timedelta(hours=1),
    )
    run_export.call(job.pk)
    job.refresh_from_db()
    assert job.status == "failed" and "已被中断 3 次" in job.message


def test_stalled_and_lost_jobs_are_enqueued_again_and_fresh_ones_are_not(province_reviewer, exam):
    old = timezone.now() - dt.timedelta(hours=1)
    common = {"requested_by": province_reviewer, "kind": "results", "fmt": "csv", "exam": exam}
    stalled = ExportJob.objects.create(status="running", heartbeat_at=old, **common)
    lost = ExportJob.objects.create(status="queued", enqueued_at=old, **common)
    ExportJob.objects.create(status="running", heartbeat_at=timezone.now(), **common)
    ExportJob.objects.create(status="queued", enqueued_at=timezone.now(), **common)

    assert resume_stalled_jobs.call() == 2
    queued = DBTaskResult.objects.filter(task_path="medexam.review.tasks.run_export")
    assert sorted(r.args_kwargs["args"][0] for r in queued) == sorted([stalled.pk, lost.pk])
    drain()
    assert ExportJob.objects.get(pk=stalled.pk).status == "done"
    assert ExportJob.objects.get(pk=lost.pk).status == "done"


# --- several workers at once (PostgreSQL row locks) ----------------------------------------


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_given_one_export_write_it_once(province_reviewer, exam, candidate):
    job = export_row(province_reviewer, exam)
    run_together([lambda: run_leased(ExportJob, job.pk, perform_export, task=run_export)] * 4)
    job.refresh_from_db()
    assert job.status == "done" and job.attempts == 1
    assert AuditEntry.objects.filter(action="results.exported").count() == 1


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_schedules_run_by_several_workers_at_once_act_once(
    site_reviewer, candidate, jpeg, province_reviewer, exam
):
    application = claimed(submitted_with_images(candidate, jpeg), site_reviewer)
    request_replacement(application, site_reviewer, image(application, slot="back"))
    deadline = timezone.localtime(fresh(application).supplement_deadline)
    morning = dt.datetime.combine(deadline.date(), dt.time(9), tzinfo=deadline.tzinfo)

    reminders = run_together([lambda: review.send_deadline_reminders(now=morning)] * 4)
    closed = run_together(
        [lambda: review.close_expired_supplements(now=deadline + dt.timedelta(minutes=1))] * 4
    )

    assert sorted(reminders) == [0, 0, 0, 1]
    assert sorted(closed) == [0, 0, 0, 1]
    assert fresh(application).state == "submitted"

    job = export_row(
        province_reviewer,
        exam,
        status="done",
        file="exports/none.csv",
        expires_at=timezone.now() - dt.timedelta(minutes=1),
    )
    deleted = run_together([delete_expired_exports] * 4)
    assert sorted(deleted) == [0, 0, 0, 1]
    assert ExportJob.objects.get(pk=job.pk).status == "expired"


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_a_job_whose_row_is_locked_by_its_writer_is_not_taken_over(province_reviewer, exam):
    """An import holds its job's row through the write; however old the heartbeat looks by
    then, a second worker must not start the same import."""
    import threading

    from django.db import connection, transaction

    job = export_row(
        province_reviewer,
        exam,
        status="running",
        lease_token="writer",
        attempts=1,
        heartbeat_at=timezone.now() - dt.timedelta(hours=1),
    )
    locked, release = threading.Event(), threading.Event()

    def writer() -> None:
        try:
            with transaction.atomic():
                ExportJob.objects.select_for_update().get(pk=job.pk)
                locked.set()
                release.wait(30)
        finally:
            connection.close()

    thread = threading.Thread(target=writer)
    thread.start()
    assert locked.wait(30)
    try:
        run_export.call(job.pk)
    finally:
        release.set()
        thread.join()
    job.refresh_from_db()
    assert job.lease_token == "writer" and job.attempts == 1

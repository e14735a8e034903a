"""Every kind of task end to end through a real worker process (`python -m medexam worker`),
on the embedded database engine and on Celery with RabbitMQ (PostgreSQL): delivered after the
commit, done once, and done again by another worker when one is killed mid-task."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from medexam.audit.models import AuditEntry
from medexam.candidates.import_jobs import request_import
from medexam.candidates.models import Candidate, ImportJob
from medexam.candidates.services import import_candidates
from medexam.jobs import enqueue_now
from medexam.jobs.tasks import resume_stalled_jobs
from medexam.materials.models import Application, UploadedImage
from medexam.messaging.models import OutboxMessage
from medexam.messaging.services import notify_candidate
from medexam.review.export_jobs import request_export
from medexam.review.models import ExportJob
from medexam.review.tasks import close_expired_supplements
from tests.candidates.helpers import HEADER, csv_bytes, make_exam, resident_id, row
from tests.jobs.worker import STALE_SECONDS, wait_until
from tests.materials.helpers import upload
from tests.review.helpers import (
    claimed,
    fresh,
    image,
    request_replacement,
    submitted_with_images,
)

pytestmark = pytest.mark.django_db(transaction=True)


def sms_lines(path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines() if path.exists() else []


def stored_export(root, job: ExportJob) -> list[list[str]]:
    return list(csv.reader(io.StringIO((root / job.file).read_text(encoding="utf-8-sig"))))


def test_uploads_messages_exports_imports_and_schedules_run_on_a_real_worker(
    worker,
    candidate,
    other_candidate,
    other_site_reviewer,
    province_reviewer,
    jpeg,
    settings,
    _private_storage,
):
    process = worker().start()

    # A thumbnail, made after the upload committed.
    photo = upload(candidate, jpeg(1), slot="front")
    wait_until(
        lambda: UploadedImage.objects.filter(pk=photo.pk).exclude(thumbnail="").exists(),
        timeout=60,
        worker=process,
    )

    # An SMS, sent once after its change committed.
    with transaction.atomic():
        notify_candidate(
            application=candidate.application, kind="approved", subject="审核通过", body="恭喜"
        )
    wait_until(
        lambda: OutboxMessage.objects.filter(status="sent").exists(), timeout=60, worker=process
    )
    assert len(sms_lines(settings.SMS_FILE_PATH)) == 1

    # An export of the province's results, written to the storage.
    job = request_export(
        user=province_reviewer, kind="results", fmt="csv", exam=candidate.exam, source="test"
    )
    wait_until(
        lambda: ExportJob.objects.filter(pk=job.pk, status="done").exists(),
        timeout=60,
        worker=process,
    )
    job.refresh_from_db()
    lines = stored_export(_private_storage, job)
    assert lines[0][0] == "报名号"
    assert sorted(line[0] for line in lines[1:]) == sorted(
        [candidate.registration_no, other_candidate.registration_no]
    )

    # An import whose sites are written the short way.
    exam = make_exam(slug="worker-import-2022")
    data = csv_bytes([row(1, 考点="沈阳"), row(2, 考点="大连市考点"), row(3, 考点="２１０２")])
    imported = request_import(
        user=province_reviewer,
        exam=exam,
        upload=SimpleUploadedFile("报名.csv", data),
        mode="all",
        source="api",
    )
    wait_until(
        lambda: ImportJob.objects.filter(pk=imported.pk, status="done").exists(),
        timeout=60,
        worker=process,
    )
    imported.refresh_from_db()
    assert imported.report["applied"] is True and imported.report["created"] == 3
    sites = Candidate.objects.filter(exam=exam).values_list("exam_site__code", flat=True)
    assert sorted(sites) == ["2101", "2102", "2102"]
    # The uploaded file (ID numbers) is gone from the storage once read.
    assert not imported.file and not list((_private_storage / "imports").rglob("*.csv"))

    # A scheduled task, enqueued the way the scheduler does: a supplement deadline passed.
    application = claimed(submitted_with_images(other_candidate, jpeg), other_site_reviewer)
    request_replacement(application, other_site_reviewer, image(application, slot="back"))
    Application.objects.filter(pk=application.pk).update(
        supplement_deadline=timezone.now() - dt.timedelta(minutes=1)
    )
    assert enqueue_now(close_expired_supplements)
    wait_until(
        lambda: fresh(application).state == Application.State.SUBMITTED,
        timeout=60,
        worker=process,
    )


def test_a_rolled_back_change_sends_nothing(worker, candidate, settings):
    with pytest.raises(RuntimeError), transaction.atomic():
        notify_candidate(
            application=candidate.application, kind="rejected", subject="不通过", body="x"
        )
        raise RuntimeError("the transition fails after queuing its message")
    with transaction.atomic():
        notify_candidate(
            application=candidate.application, kind="approved", subject="审核通过", body="y"
        )
    process = worker().start()
    wait_until(
        lambda: OutboxMessage.objects.filter(status="sent").exists(), timeout=60, worker=process
    )
    process.stop()  # let it finish anything else it had: there must be nothing else

    assert OutboxMessage.objects.count() == 1
    lines = sms_lines(settings.SMS_FILE_PATH)
    assert len(lines) == 1 and "审核通过" in lines[0]


@pytest.fixture
def population(province_reviewer):
    """A few thousand candidates, enough for an export that runs for a while."""
    exam = make_exam(slug="crash-2022")
    rows = [row(n, 证件号码=resident_id(n, born=f"{1960 + n // 1000}0712")) for n in range(1, 6001)]
    report = import_candidates(exam=exam, data=csv_bytes(rows, header=HEADER), filename="a.csv")
    assert report.applied
    return exam


def test_a_worker_killed_mid_export_is_taken_over_and_the_export_completes_once(
    worker, engine, population, province_reviewer, _private_storage
):
    name, _prefix = engine
    first = worker().start()
    job = request_export(
        user=province_reviewer, kind="results", fmt="xlsx", exam=population, source="test"
    )
    wait_until(
        lambda: ExportJob.objects.filter(pk=job.pk, done_count__gt=0).exists(),
        timeout=60,
        worker=first,
    )
    first.kill()  # kill -9 in the middle of the export
    assert ExportJob.objects.get(pk=job.pk).status == "running"

    second = worker().start()
    if name == "database":
        # The database engine leaves a killed worker's task as "running" for ever; the
        # stalled-job schedule (every minute) enqueues the job again once its lease is stale.
        wait_until(
            lambda: ExportJob.objects.filter(
                pk=job.pk,
                heartbeat_at__lt=timezone.now() - dt.timedelta(seconds=STALE_SECONDS),
            ).exists(),
            timeout=30,
            worker=second,
        )
        assert enqueue_now(resume_stalled_jobs)
    # Celery: RabbitMQ hands the unacknowledged message to the new worker by itself.
    wait_until(
        lambda: ExportJob.objects.filter(pk=job.pk, status="done").exists(),
        timeout=90,
        worker=second,
    )

    job.refresh_from_db()
    assert job.attempts == 2 and job.done_count == 6000
    from openpyxl import load_workbook

    sheet = load_workbook(_private_storage / job.file, read_only=True).active
    registration = [r[0] for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert len(registration) == 6000 and len(set(registration)) == 6000
    assert AuditEntry.objects.filter(action="results.exported").count() == 1
    assert [p.name for p in (_private_storage / "exports").rglob("*.xlsx")] == [
        job.file.rsplit("/", 1)[-1]
    ]

"""Every schedule of medexam/jobs/schedules.py, enqueued as the scheduler enqueues it, run by a
real worker process on both engines, with something due for each to do."""

from __future__ import annotations

import datetime as dt
import os
import time
import uuid
from pathlib import Path

import pytest
from django.utils import timezone
from django.utils.module_loading import import_string

from medexam.demo.seeding import open_upload_window
from medexam.jobs import enqueue_now
from medexam.jobs.schedules import SCHEDULES
from medexam.materials.models import Application, UploadedImage
from medexam.messaging.models import Message, OutboxMessage
from medexam.messaging.services import notify_candidate
from medexam.review.models import ExportJob
from medexam.rules.loading import default_exam_path, load_exam_file
from medexam.rules.models import Exam
from tests.factories import CandidateFactory
from tests.jobs.worker import wait_until
from tests.materials.helpers import upload
from tests.review.helpers import claimed, fresh, image, request_replacement, submitted_with_images

pytestmark = pytest.mark.django_db(transaction=True)


def test_every_schedule_runs_on_a_real_worker(
    worker,
    candidate,
    other_candidate,
    site_reviewer,
    other_site_reviewer,
    province_reviewer,
    jpeg,
    settings,
    _private_storage,
):
    long_ago = timezone.now() - dt.timedelta(hours=3)
    # deliver-due-sms: an SMS whose first attempt failed and is due again.
    notify_candidate(
        application=candidate.application, kind="approved", subject="审核通过", body="x"
    )
    sms = OutboxMessage.objects.get()
    OutboxMessage.objects.filter(pk=sms.pk).update(attempts=1, next_attempt_at=long_ago)
    # close-expired-supplements and supplement-reminders.
    late = claimed(submitted_with_images(other_candidate, jpeg), other_site_reviewer)
    request_replacement(late, other_site_reviewer, image(late, slot="back"))
    Application.objects.filter(pk=late.pk).update(supplement_deadline=long_ago)
    # supplement-reminders: a deadline within the hour (the morning's or the day before's).
    soon_candidate = CandidateFactory(exam=candidate.exam, exam_site=candidate.exam_site)
    soon = claimed(submitted_with_images(soon_candidate, jpeg), site_reviewer)
    request_replacement(soon, site_reviewer, image(soon, slot="back"))
    Application.objects.filter(pk=soon.pk).update(
        supplement_deadline=timezone.now() + dt.timedelta(hours=1)
    )
    # make-missing-thumbnails: an image row whose own task never existed (written directly).
    photo = upload(candidate, jpeg(1), slot="front")
    ghost = UploadedImage.objects.get(pk=photo.pk)
    ghost.pk, ghost.uuid, ghost.status, ghost.thumbnail = None, uuid.uuid4(), "replaced", ""
    ghost.save()
    UploadedImage.objects.filter(pk=ghost.pk).update(uploaded_at=long_ago)
    # delete-expired-exports and resume-stalled-jobs.
    common = {"requested_by": province_reviewer, "kind": "results", "fmt": "csv"}
    expired = ExportJob.objects.create(
        exam=candidate.exam, status="done", file="exports/x/old.csv", expires_at=long_ago, **common
    )
    stalled = ExportJob.objects.create(
        exam=candidate.exam, status="running", heartbeat_at=long_ago, attempts=1, **common
    )
    # sweep-orphan-files: a stored file no row points at, two hours old.
    orphan = _private_storage / "images" / "zz" / "orphan.jpg"
    orphan.parent.mkdir(parents=True)
    orphan.write_bytes(b"x")
    os.utime(orphan, (time.time() - 7200, time.time() - 7200))
    # purge-closed-exams: last year's exam, closed by an administrator, still holds images.
    last_year = load_exam_file(Path(default_exam_path()).with_name("liaoning-2023.yaml"))
    open_upload_window(last_year)
    old = CandidateFactory(exam=last_year, exam_site=last_year.sites.first())
    upload(old, jpeg(7), slot="front")
    Exam.objects.filter(pk=last_year.pk).update(is_active=False)

    process = worker().start()
    for entry in SCHEDULES:
        assert enqueue_now(import_string(entry.task)), entry.name

    checks = {
        "deliver-due-sms": lambda: OutboxMessage.objects.filter(pk=sms.pk, status="sent").exists(),
        "close-expired-supplements": lambda: fresh(late).state == Application.State.SUBMITTED,
        "supplement-reminders": lambda: Message.objects.filter(
            application=soon, kind="supplement_reminder"
        ).exists(),
        "resume-stalled-jobs": lambda: ExportJob.objects.filter(
            pk=stalled.pk, status="done"
        ).exists(),
        "make-missing-thumbnails": lambda: (
            UploadedImage.objects.filter(pk=ghost.pk).exclude(thumbnail="").exists()
        ),
        "delete-expired-exports": lambda: ExportJob.objects.filter(
            pk=expired.pk, status="expired"
        ).exists(),
        "sweep-orphan-files": lambda: not orphan.exists(),
        "purge-closed-exams": lambda: (
            not UploadedImage.objects.filter(application__candidate__exam=last_year).exists()
        ),
    }

    def pending() -> list[str]:
        return [name for name, check in checks.items() if not check()]

    try:
        wait_until(lambda: not pending(), timeout=120, worker=process)
    except AssertionError as exc:
        raise AssertionError(f"not done: {pending()}") from exc
    assert Message.objects.filter(kind="supplement_closed").count() == 1

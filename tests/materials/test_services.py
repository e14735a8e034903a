"""The candidate's materials: upload, delete, submit, locks and caps, and what a failure
half-way leaves behind."""

from __future__ import annotations

import errno
import io
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image

from medexam.audit.models import AuditEntry
from medexam.demo.images import document_image
from medexam.errors import DomainError
from medexam.files.services import delete_due_files, grace
from medexam.materials import services
from medexam.materials.models import Application, UploadedImage
from medexam.materials.states import transition
from medexam.messaging.models import Message
from tests.factories import CandidateFactory
from tests.materials.helpers import fill_required, stored_files, submit, upload

pytestmark = pytest.mark.django_db
S = Application.State


def test_it_stores_the_image_under_a_server_chosen_name(candidate, jpeg, _private_storage):
    image = upload(candidate, jpeg(1), slot="front", name="../../etc/passwd 张伟身份证.JPG")

    assert image.file.name.startswith("images/")
    assert "passwd" not in image.file.name and "张伟" not in image.file.name
    assert image.file.name.endswith(".jpg")
    files = stored_files(_private_storage)
    assert [f.name for f in files if not f.name.endswith(".thumb.jpg")] == [
        image.file.name.split("/")[-1]
    ]
    assert image.slot == "front" and image.position == 0


def test_it_refuses_a_non_image_and_leaves_nothing(candidate, _private_storage):
    with pytest.raises(DomainError) as refused:
        upload(candidate, b"%PDF-1.7\n" + b"x" * 5000, slot="front", name="diploma.jpg")

    assert refused.value.code == "UNSUPPORTED_FORMAT"
    assert "PDF" in refused.value.message
    assert UploadedImage.objects.count() == 0
    assert stored_files(_private_storage) == []


def test_it_refuses_a_second_image_in_a_taken_slot(candidate, jpeg):
    upload(candidate, jpeg(1), slot="front")

    with pytest.raises(DomainError) as refused:
        upload(candidate, jpeg(2), slot="front")

    assert refused.value.code == "SLOT_TAKEN"
    assert "正面" in refused.value.message and "删除" in refused.value.message
    assert candidate.application.images.count() == 1


def test_it_refuses_an_upload_beyond_the_item_cap(candidate, jpeg, _private_storage):
    for seed, slot in enumerate(("front", "back", "selfie")):
        upload(candidate, jpeg(seed), slot=slot)

    with pytest.raises(DomainError) as refused:
        upload(candidate, jpeg(9))

    assert refused.value.code == "ITEM_FULL"
    assert "最多上传 3 张" in refused.value.message
    assert candidate.application.images.count() == 3
    # The refused file was written before the lock was taken, and removed again.
    assert len(stored_files(_private_storage)) == 3


def test_deleting_in_draft_removes_the_row_and_the_files_after_the_grace_period(
    candidate, jpeg, _private_storage
):
    image = upload(candidate, jpeg(1), slot="front")
    services.ensure_thumbnail(image)
    assert len(stored_files(_private_storage)) == 2  # image + thumbnail

    services.delete_image(image_uuid=image.uuid, actor=candidate.user)

    assert not UploadedImage.objects.filter(pk=image.pk).exists()
    assert delete_due_files(now=timezone.now() + grace() - timedelta(minutes=1)) == 0
    assert len(stored_files(_private_storage)) == 2
    assert delete_due_files(now=timezone.now() + grace()) == 2
    assert stored_files(_private_storage) == []
    # and the place is free again
    assert upload(candidate, jpeg(2), slot="front").position == 0


def test_submitting_locks_every_image_and_tells_the_candidate(candidate, jpeg):
    fill_required(candidate, jpeg)
    image = candidate.application.images.first()

    application = submit(candidate)

    assert application.state == S.SUBMITTED and application.round == 1
    assert application.rule_code == "R7" and application.route == "online"
    with pytest.raises(DomainError) as refused_delete:
        services.delete_image(image_uuid=image.uuid, actor=candidate.user)
    assert refused_delete.value.code == "LOCKED"
    with pytest.raises(DomainError) as refused_upload:
        upload(candidate, jpeg(77), item="other")
    assert refused_upload.value.code == "LOCKED"
    assert UploadedImage.objects.filter(pk=image.pk).exists()
    message = Message.objects.get(recipient=candidate.user)
    assert message.subject == "上报完成，内容已锁定"


def test_submitting_is_refused_while_required_items_are_missing(candidate, jpeg):
    upload(candidate, jpeg(1), slot="front")

    with pytest.raises(DomainError) as refused:
        submit(candidate)

    assert refused.value.code == "INCOMPLETE"
    assert "身份证明" in refused.value.message and "已传 1 张" in refused.value.message
    assert Application.objects.get(pk=candidate.application.pk).state == S.DRAFT


def test_submitting_twice_is_refused(candidate, jpeg):
    fill_required(candidate, jpeg)
    submit(candidate)

    with pytest.raises(DomainError) as refused:
        submit(candidate)

    assert refused.value.code == "LOCKED"
    assert Application.objects.get(pk=candidate.application.pk).round == 1


def _request_replacement(candidate, reviewer, image, items=()):
    application = Application.objects.get(pk=candidate.application.pk)
    transition(application, "start_review", actor=reviewer)
    services.unlock_for_replacement(
        application, flagged={image.pk: ("unclear", "看不清")}, item_codes=list(items)
    )
    application.supplement_deadline = timezone.now() + timedelta(days=3)
    transition(application, "request_changes", actor=reviewer)
    return application


def test_a_replacement_request_unlocks_exactly_the_flagged_image(candidate, jpeg, site_reviewer):
    fill_required(candidate, jpeg)
    submit(candidate)
    front = candidate.application.images.get(item__code="id_proof", slot="front")
    back = candidate.application.images.get(item__code="id_proof", slot="back")
    _request_replacement(candidate, site_reviewer, front)

    with pytest.raises(DomainError) as refused:
        services.delete_image(image_uuid=back.uuid, actor=candidate.user)
    assert refused.value.code == "LOCKED"
    with pytest.raises(DomainError):
        upload(candidate, jpeg(50), item="other")

    services.delete_image(image_uuid=front.uuid, actor=candidate.user)
    new_front = upload(candidate, jpeg(51), slot="front")

    front.refresh_from_db()
    assert front.status == UploadedImage.Status.REPLACED  # kept for the reviewer
    assert new_front.replaces_id == front.pk
    application = submit(candidate)
    assert application.state == S.SUBMITTED and application.round == 2
    assert not application.images.filter(unlocked=True).exists()


def test_after_the_supplement_deadline_flagged_images_are_locked(candidate, jpeg, site_reviewer):
    fill_required(candidate, jpeg)
    submit(candidate)
    front = candidate.application.images.get(slot="front")
    application = _request_replacement(candidate, site_reviewer, front)
    Application.objects.filter(pk=application.pk).update(
        supplement_deadline=timezone.now() - timedelta(minutes=1)
    )

    with pytest.raises(DomainError) as refused:
        services.delete_image(image_uuid=front.uuid, actor=candidate.user)

    assert refused.value.code == "LOCKED"
    with pytest.raises(DomainError) as refused_upload:
        upload(candidate, jpeg(3), item="other")
    assert refused_upload.value.code == "DEADLINE_PASSED"


def test_uploads_are_refused_after_the_upload_window_closes(candidate, jpeg, exam):
    exam.upload_closes_at = timezone.now() - timedelta(hours=1)
    exam.save()

    with pytest.raises(DomainError) as refused:
        upload(candidate, jpeg(1), slot="front")

    assert refused.value.code == "WINDOW_CLOSED"
    assert "截止" in refused.value.message


def test_a_retried_upload_with_the_same_key_stores_one_image(candidate, jpeg, _private_storage):
    data = jpeg(1)
    first = services.upload_image(
        application_id=candidate.application.pk,
        item_code="other",
        data=data,
        client_name="a.jpg",
        actor=candidate.user,
        idempotency_key="k-123",
    )
    retry = services.upload_image(
        application_id=candidate.application.pk,
        item_code="other",
        data=data,
        client_name="a.jpg",
        actor=candidate.user,
        idempotency_key="k-123",
    )

    assert first.created and not retry.created
    assert retry.image.pk == first.image.pk
    assert candidate.application.images.count() == 1
    assert len(stored_files(_private_storage)) == 1


def test_a_crash_after_the_file_is_written_leaves_no_file_and_no_row(
    candidate, jpeg, monkeypatch, _private_storage
):
    def crash(**kwargs):
        raise RuntimeError("process died half-way")

    # Fault injection: the audit write is the last step inside the upload's transaction.
    monkeypatch.setattr(services, "record", crash)

    with pytest.raises(RuntimeError):
        upload(candidate, jpeg(1), slot="front")

    assert UploadedImage.objects.count() == 0
    assert stored_files(_private_storage) == []


def test_a_full_disk_gets_a_clear_answer_and_leaves_nothing(
    candidate, jpeg, monkeypatch, _private_storage
):
    def disk_full(self, name, content):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(FileSystemStorage, "_save", disk_full)

    with pytest.raises(DomainError) as refused:
        upload(candidate, jpeg(1), slot="front")

    assert refused.value.code == "STORAGE_FAILED"
    assert "稍后" in refused.value.message
    assert UploadedImage.objects.count() == 0


def test_a_disk_that_fills_during_the_write_leaves_no_part_of_the_file(
    candidate, jpeg, monkeypatch, _private_storage
):
    def fills_up(self, chunk_size=None):
        yield self.read(1000)
        raise OSError(errno.ENOSPC, "No space left on device")

    # The storage has created the file and written its first kilobyte when the disk fills.
    monkeypatch.setattr(ContentFile, "chunks", fills_up)

    with pytest.raises(DomainError) as refused:
        upload(candidate, jpeg(1), slot="front")

    assert refused.value.code == "STORAGE_FAILED"
    assert UploadedImage.objects.count() == 0
    assert stored_files(_private_storage) == []


def test_stored_images_carry_no_metadata(candidate):
    img = Image.open(io.BytesIO(document_image(seed=5)))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {2: (39.0, 54.0, 0.0)}  # GPS
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=85, exif=exif, comment=b"secret comment")
    image = upload(candidate, buf.getvalue() + b"TRAILING-DATA", slot="front")

    stored = image.file.open("rb").read()
    assert b"PhoneMaker" not in stored and b"secret comment" not in stored
    assert b"TRAILING-DATA" not in stored
    assert not Image.open(io.BytesIO(stored)).getexif()


def test_every_upload_and_delete_is_in_the_audit_log(candidate, jpeg):
    image = upload(candidate, jpeg(1), slot="front")
    services.delete_image(image_uuid=image.uuid, actor=candidate.user)

    actions = list(
        AuditEntry.objects.filter(application=candidate.application).values_list(
            "action", flat=True
        )
    )
    assert actions == ["image.uploaded", "image.deleted"]


def test_an_unknown_item_is_refused_and_leaves_no_file(candidate, jpeg, _private_storage):
    with pytest.raises(DomainError) as refused:
        upload(candidate, jpeg(1), item="no_such_item")

    assert (refused.value.code, refused.value.status) == ("UNKNOWN_ITEM", 404)
    assert "没有这项材料" in refused.value.message
    assert stored_files(_private_storage) == []
    assert UploadedImage.objects.count() == 0


def test_a_duplicate_names_each_other_use_once_and_in_the_right_list(
    candidate, other_candidate, jpeg
):
    data = jpeg(1)
    theirs = upload(other_candidate, data, item="other")
    first = upload(candidate, data, item="other")
    again = upload(candidate, data, item="other")

    (warning,) = [w for w in again.warnings if w["code"] == "DUPLICATE"]
    assert warning["same_application"] == [str(first.uuid)]
    assert warning["other_applications"] == [str(theirs.uuid)]
    (first_warning,) = [w for w in first.warnings if w["code"] == "DUPLICATE"]
    assert first_warning["same_application"] == []
    assert first_warning["other_applications"] == [str(theirs.uuid)]
    assert not [w for w in theirs.warnings if w["code"] == "DUPLICATE"]


def test_a_picture_used_widely_names_five_other_applications_never_the_candidates_own(
    candidate, exam, dalian, jpeg
):
    data = jpeg(1)
    own = [upload(candidate, data, item="other") for _ in range(3)]
    others = [
        upload(CandidateFactory(exam=exam, exam_site=dalian), data, item="other") for _ in range(7)
    ]

    latest = upload(candidate, data, item="other")

    (warning,) = [w for w in latest.warnings if w["code"] == "DUPLICATE"]
    assert sorted(warning["same_application"]) == sorted(str(i.uuid) for i in own)
    assert len(warning["other_applications"]) == 5
    assert set(warning["other_applications"]) <= {str(i.uuid) for i in others}


def test_an_exam_without_an_upload_deadline_costs_the_upload_no_extra_reads(
    candidate, exam, jpeg, django_assert_num_queries
):
    """The upload's one read brings the exam's deadline, present or absent: without one,
    neither the candidate nor the exam is read again."""
    # The first upload of a process reads which places the pre-check looks at (then cached).
    upload(candidate, jpeg(3), item="other")
    with CaptureQueriesContext(connection) as with_deadline:
        upload(candidate, jpeg(1), item="other")
    exam.upload_closes_at = None
    exam.save(update_fields=["upload_closes_at"])

    with django_assert_num_queries(len(with_deadline)):
        image = upload(candidate, jpeg(2), item="other")

    assert image.pk is not None

"""The pre-check as candidates and reviewers meet it: queued after each upload, stored with
the application's flag in step, shown on the item and in the reviewer's panel, confirmed or
replaced like a quality warning, in the queue filter, respected by bulk approval, audited
without the text read, purged with the images."""

from __future__ import annotations

import logging

import pytest
from django.test import TestCase
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from medexam.audit.models import AuditEntry
from medexam.candidates.models import mask_id_number
from medexam.errors import DomainError
from medexam.materials import services as materials
from medexam.materials.models import Application
from medexam.materials.retention import purge_exam_images
from medexam.precheck import corpus, idnumber
from medexam.precheck.checks import Check, Registration, cross_check
from medexam.precheck.models import PrecheckResult
from medexam.precheck.reader import Reading
from medexam.precheck.services import exam_date, store_result
from medexam.precheck.tasks import precheck_image
from medexam.review import bulk
from medexam.review.selectors import QueueFilters, queue
from tests.materials.helpers import fill_required, main_text, upload
from tests.review.helpers import confirm_all, fresh, mark_submitted, submitted_with_images

from .conftest import PERSON

pytestmark = pytest.mark.django_db

OTHER_ID = idnumber.make_number("210203", "19900101", 456)


def login(client, who, password=None):
    client.force_login(getattr(who, "user", who))


def stored(image, reading: Reading, expected: str) -> PrecheckResult | None:
    """A result as the task stores it, from a reading given here (no OCR)."""
    candidate = image.application.candidate
    found = cross_check(
        reading,
        expected_kind=expected,
        registration=Registration(candidate.name, candidate.id_number, candidate.major),
        exam_date=exam_date(candidate.exam),
    )
    return store_result(image_id=image.pk, expected=expected, reading=reading, found=found)


def someone_elses_front(candidate, jpeg):
    image = upload(candidate, jpeg(1), slot="front")
    reading = Reading("id_front", {"name": "李娜", "id_number": OTHER_ID}, 0.99)
    result = stored(image, reading, "id_front")
    candidate.application.refresh_from_db()
    return image, result


def test_an_upload_queues_the_precheck_only_where_it_reads(candidate, jpeg):
    with TestCase.captureOnCommitCallbacks(execute=True):
        front = upload(candidate, jpeg(1), slot="front")
        selfie = upload(candidate, jpeg(2), slot="selfie")
    queued = {
        (r.task_path, tuple(r.args_kwargs["args"]))
        for r in DBTaskResult.objects.filter(task_path__startswith="medexam.precheck")
    }
    assert queued == {("medexam.precheck.tasks.precheck_image", (front.pk,))}
    assert selfie.pk != front.pk


def test_an_expired_id_back_is_seen_on_the_item(client, candidate, password, caplog):
    data, _ = corpus.photo_of(
        "id_back", seed=7, valid_from="2008-03-22", valid_until="2018-03-22", **PERSON
    )
    image = upload(candidate, data, slot="back")
    with caplog.at_level(logging.DEBUG):
        assert precheck_image.call(image.pk) is True

    result = PrecheckResult.objects.get(image=image)
    assert (result.kind, result.has_issues, result.confirmed) == ("id_back", True, False)
    assert {"check": "validity", "outcome": "mismatch", "detail": "expired"} in result.checks
    assert fresh(candidate.application).precheck_issues is True
    login(client, candidate, password)
    page = main_text(client.get(reverse("materials:materials")))
    assert "身份证反面显示有效期至 2018 年 3 月 22 日，已过期，请使用有效证件" in page
    # Nothing read reaches the logs.
    assert "2018" not in caplog.text and "2008" not in caplog.text


def test_someone_elses_id_front_is_seen_and_the_number_is_kept_masked(client, candidate, password):
    data, _ = corpus.photo_of("id_front", seed=8, name="李娜", id_number=OTHER_ID)
    image = upload(candidate, data, slot="front")
    assert precheck_image.call(image.pk) is True

    result = PrecheckResult.objects.get(image=image)
    outcomes = {c["check"]: c["outcome"] for c in result.checks}
    assert outcomes == {
        "kind": "match",
        "name": "mismatch",
        "id_number": "mismatch",
        "checksum": "match",
    }
    assert result.fields == {"name": "李娜", "id_number": mask_id_number(OTHER_ID)}
    assert OTHER_ID not in str(PrecheckResult.objects.values().get(pk=result.pk))
    login(client, candidate, password)
    page = main_text(client.get(reverse("materials:materials")))
    assert "照片上的姓名与报名信息不一致，请确认上传的是本人证件" in page
    assert "照片上的身份证号码与报名信息不一致，请确认上传的是本人证件" in page


def test_the_candidates_own_card_raises_nothing(candidate):
    candidate.id_number = PERSON["id_number"]
    candidate.save()
    data, _ = corpus.photo_of("id_front", seed=9, **PERSON)
    image = upload(candidate, data, slot="front")
    assert precheck_image.call(image.pk) is True
    result = PrecheckResult.objects.get(image=image)
    assert not result.has_issues, result.checks
    assert fresh(candidate.application).precheck_issues is False


def test_the_audit_trail_has_kind_and_outcomes_never_the_text(candidate, jpeg):
    image, _ = someone_elses_front(candidate, jpeg)
    entry = AuditEntry.objects.get(action="precheck.read", target=f"image:{image.uuid}")
    assert entry.data == {
        "kind": "id_front",
        "expected": "id_front",
        "outcomes": {
            "kind": "match",
            "name": "mismatch",
            "checksum": "match",
            "id_number": "mismatch",
        },
    }
    assert "李娜" not in str(entry.data) + entry.summary
    assert OTHER_ID[-4:] not in str(entry.data) + entry.summary


def test_a_second_delivery_changes_nothing(candidate, jpeg):
    image, first = someone_elses_front(candidate, jpeg)
    again = stored(image, Reading("id_front", {"name": "张伟"}, 0.9), "id_front")
    assert again.pk == first.pk and again.has_issues
    assert precheck_image.call(image.pk) is False  # has a result: not read again
    assert AuditEntry.objects.filter(action="precheck.read").count() == 1


def test_confirming_unblocks_the_submission_and_the_reviewer_still_sees_it(candidate, jpeg):
    fill_required(candidate, jpeg)
    confirm_all(candidate)
    image = candidate.application.images.get(slot="front")
    stored(image, Reading("id_front", {"name": "李娜", "id_number": OTHER_ID}, 0.99), "id_front")
    with pytest.raises(DomainError) as refused:
        materials.submit_application(application_id=candidate.application.pk, actor=candidate.user)
    assert "身份证明”的提示尚未确认" in refused.value.message

    materials.confirm_warnings(image_uuid=image.uuid, actor=candidate.user)

    assert PrecheckResult.objects.get(image=image).confirmed
    assert fresh(candidate.application).precheck_issues is True  # still for the reviewer
    assert AuditEntry.objects.filter(action="precheck.confirmed").count() == 1
    submitted = materials.submit_application(
        application_id=candidate.application.pk, actor=candidate.user
    )
    assert submitted.state == Application.State.SUBMITTED


def test_deleting_or_replacing_the_image_drops_its_problems(candidate, jpeg):
    image, _ = someone_elses_front(candidate, jpeg)
    materials.delete_image(image_uuid=image.uuid, actor=candidate.user)
    assert not PrecheckResult.objects.exists()
    assert fresh(candidate.application).precheck_issues is False

    image, _ = someone_elses_front(candidate, jpeg)
    assert fresh(candidate.application).precheck_issues is True
    materials.upload_image(
        application_id=candidate.application.pk,
        item_code="id_proof",
        data=jpeg(5),
        client_name="new.jpg",
        actor=candidate.user,
        replaces=str(image.uuid),
    )
    assert fresh(candidate.application).precheck_issues is False


def test_a_result_for_an_image_deleted_while_it_was_read_is_dropped(candidate, jpeg):
    image = upload(candidate, jpeg(1), slot="front")
    materials.delete_image(image_uuid=image.uuid, actor=candidate.user)
    reading = Reading("id_front", {"name": "李娜"}, 0.9)
    assert store_result(image_id=image.pk, expected="id_front", reading=reading, found=[]) is None
    assert not PrecheckResult.objects.exists()


def test_the_queue_filter_finds_exactly_the_flagged(
    candidate, other_candidate, province_reviewer, jpeg
):
    someone_elses_front(candidate, jpeg)
    mark_submitted(candidate)
    mark_submitted(other_candidate)

    flagged = queue(province_reviewer, QueueFilters(flags=frozenset({"precheck"})))
    everyone = queue(province_reviewer, QueueFilters())
    assert [a.pk for a in flagged] == [candidate.application.pk]
    assert {a.pk for a in everyone} == {candidate.application.pk, other_candidate.application.pk}
    assert QueueFilters.from_query({"precheck": "1"}).precheck is True


def test_the_queue_page_offers_the_filter(client, candidate, site_reviewer, password, jpeg):
    someone_elses_front(candidate, jpeg)
    mark_submitted(candidate)
    login(client, site_reviewer, password)
    page = client.get(reverse("review:queue"), {"precheck": "1"}).content.decode()
    assert "预检发现问题" in page and candidate.name in page


def test_bulk_approval_leaves_a_flagged_application_to_a_person(
    exam, shenyang, site_reviewer, jpeg
):
    from tests.factories import CandidateFactory

    application = submitted_with_images(CandidateFactory(exam=exam, exam_site=shenyang), jpeg)
    application.images.update(warnings=[], warnings_confirmed=True)
    front = application.images.get(slot="front")
    reading = Reading("id_front", {"name": "李娜", "id_number": OTHER_ID}, 0.99)
    stored(front, reading, "id_front")
    # Confirmed by the candidate or not, a person looks (the confirmation test: the flag stays).
    PrecheckResult.objects.update(confirmed=True)

    result = bulk.bulk_approve(
        reviewer=site_reviewer, versions={application.pk: fresh(application).version}
    )

    assert not result.approved
    assert [reason for _, reason in result.skipped] == ["预检发现问题，请逐份审核"]
    assert fresh(application).state == Application.State.SUBMITTED


def test_the_reviewer_panel_shows_read_beside_registered_with_the_mismatch_marked(
    client, candidate, site_reviewer, password, jpeg
):
    someone_elses_front(candidate, jpeg)
    mark_submitted(candidate)
    login(client, site_reviewer, password)
    page = client.get(
        reverse("review:application", args=[candidate.application.pk])
    ).content.decode()
    panel = page.split('data-testid="precheck-panel"', 1)[1].split("</section>", 1)[0]
    assert "识别为“身份证正面（人像面）”" in panel and "发现问题" in panel
    name_row = panel.split('<th scope="row">姓名</th>', 1)
    assert 'class="precheck-mismatch"' in name_row[0].rsplit("<tr", 1)[1]
    assert "<td>李娜</td><td>张伟</td>" in name_row[1]
    # Both numbers masked: the one read and the registration's.
    assert mask_id_number(OTHER_ID) in panel and candidate.masked_id_number in panel
    assert OTHER_ID not in page and candidate.id_number not in page


def test_results_go_with_the_images_when_the_exam_is_purged(candidate, jpeg):
    someone_elses_front(candidate, jpeg)
    exam = candidate.exam
    exam.is_active = False
    exam.save()
    purge_exam_images(exam=exam)
    assert not PrecheckResult.objects.exists()


def test_only_the_fields_the_checks_need_are_kept(candidate, jpeg):
    image = upload(candidate, jpeg(1), item="edu_proof")
    reading = Reading(
        "chsi_record",
        {"name": "张伟", "id_number": OTHER_ID, "verification_code": "ABCD2345EFGH6789"},
        0.98,
    )
    result = stored(image, reading, "chsi_record")
    assert result.fields == {"name": "张伟", "id_number": mask_id_number(OTHER_ID)}
    assert isinstance(result.checks[0], dict) and Check(**result.checks[0]).check == "kind"


def test_a_precheck_whose_task_was_lost_is_queued_again(candidate, other_candidate, jpeg):
    import datetime as dt

    from django.utils import timezone

    from medexam.materials.models import UploadedImage
    from medexam.precheck.tasks import precheck_missing

    lost = upload(candidate, jpeg(1), slot="back")  # no on-commit here: its task never left
    upload(candidate, jpeg(2), slot="selfie")  # not a place the pre-check reads
    someone_elses_front(other_candidate, jpeg)  # has its result
    UploadedImage.objects.update(uploaded_at=timezone.now() - dt.timedelta(minutes=5))

    assert precheck_missing.call() == 1
    queued = DBTaskResult.objects.filter(task_path="medexam.precheck.tasks.precheck_image")
    assert [r.args_kwargs["args"] for r in queued] == [[lost.pk]]


def test_only_a_recent_image_says_it_is_being_read(client, candidate, jpeg):
    import datetime as dt

    from django.utils import timezone

    from medexam.materials.models import UploadedImage

    login(client, candidate)
    front = upload(candidate, jpeg(1), slot="front")
    assert "正在自动核对这张图片" in main_text(client.get(reverse("materials:materials")))
    # Uploaded before the pre-check existed: no result, and none coming.
    UploadedImage.objects.filter(pk=front.pk).update(
        uploaded_at=timezone.now() - dt.timedelta(days=3)
    )
    assert "正在自动核对" not in main_text(client.get(reverse("materials:materials")))

"""Candidate pages and the image view: who may see what, and what the candidate sees."""

from __future__ import annotations

import io
from urllib.parse import quote

import pytest
from django.db import transaction
from django.test import TestCase
from django.urls import reverse
from django_tasks_db.models import DBTaskResult
from PIL import Image

from medexam.audit.models import AuditEntry
from medexam.materials.models import Application, UploadedImage
from medexam.materials.tasks import make_thumbnail
from tests.jobs.helpers import drain
from tests.materials.helpers import fill_required, stored_files, submit, upload

pytestmark = pytest.mark.django_db


def login(client, candidate, password):
    assert client.login(username=candidate.id_number.lower(), password=password)


def test_a_candidate_logs_in_with_the_id_number_in_either_case(client, candidate, password):
    response = client.post(
        reverse("accounts:login"), {"username": candidate.id_number.lower(), "password": password}
    )

    assert response.status_code == 302
    page = client.get(reverse("materials:registration"))
    assert "报名信息" in page.content.decode() and candidate.name in page.content.decode()


def test_a_wrong_password_gets_a_chinese_answer(client, candidate):
    response = client.post(
        reverse("accounts:login"), {"username": candidate.id_number, "password": "wrong-password"}
    )

    assert "证件号码（或用户名）与密码不匹配" in response.content.decode()


def test_the_materials_page_lists_the_whole_catalog_with_counts(client, candidate, password, jpeg):
    upload(candidate, jpeg(1), slot="front")
    login(client, candidate, password)

    html = client.get(reverse("materials:materials")).content.decode()

    for name in ("身份证明", "毕业证书", "学位证书（本科及以上学历必传）", "乡医证", "其他"):
        assert name in html
    assert html.count('class="item card') == 19
    assert "1/3" in html
    assert "正面" in html and "反面" in html and "手持证件自拍" in html
    assert "未锁定" in html and "200 KB" in html


def test_an_upload_error_is_shown_and_keeps_the_other_images(client, candidate, password, jpeg):
    kept = upload(candidate, jpeg(1), slot="front")
    login(client, candidate, password)

    response = client.post(
        reverse("materials:upload", args=["id_proof"]),
        {"slot": "back", "image": _file(b"GIF89a" + b"\0" * 400, "back.jpg")},
        follow=True,
    )

    html = response.content.decode()
    assert "GIF" in html
    assert UploadedImage.objects.filter(pk=kept.pk).exists()
    assert str(kept.uuid) in html


def test_the_upload_endpoint_answers_json_for_scripts(client, candidate, password, jpeg):
    login(client, candidate, password)

    ok = client.post(
        reverse("materials:upload", args=["id_proof"]),
        {"slot": "front", "image": _file(jpeg(1), "front.jpg")},
        headers={"X-Requested-With": "fetch"},
    )
    refused = client.post(
        reverse("materials:upload", args=["id_proof"]),
        {"slot": "front", "image": _file(jpeg(2), "front.jpg")},
        headers={"X-Requested-With": "fetch"},
    )

    assert ok.status_code == 200 and ok.json()["ok"] is True
    image = ok.json()["image"]
    assert image["slot"] == "front"
    # The page shows the new picture from the URLs in the answer.
    assert image["url"] == reverse("materials:image", args=[image["id"]])
    assert image["thumbnail_url"] == reverse("materials:thumbnail", args=[image["id"]])
    shown = client.get(image["url"])
    assert shown.status_code == 200 and shown["Content-Type"] == "image/jpeg"
    # Until the thumbnail task has run, the thumbnail URL answers with a placeholder.
    pending = client.get(image["thumbnail_url"])
    assert pending.status_code == 200 and pending["Content-Type"] == "image/svg+xml"
    assert refused.status_code == 409
    assert refused.json() == {
        "ok": False,
        "code": "SLOT_TAKEN",
        "message": refused.json()["message"],
    }


def _raw(client, item, data, *, slot="", name="photo.jpg", key="", csrf=True, **extra):
    """An upload as the page's script sends it: the picture is the body."""
    url = reverse("materials:upload", args=[item]) + (f"?slot={slot}" if slot else "")
    headers = {"X-Requested-With": "fetch", "X-File-Name": quote(name)}
    if key:
        headers["Idempotency-Key"] = key
    if csrf:
        headers["X-CSRFToken"] = client.cookies["csrftoken"].value
    return client.generic(
        "POST", url, data, content_type="application/octet-stream", headers=headers, **extra
    )


def test_the_script_sends_the_picture_as_the_body(csrf_client, candidate, password, jpeg):
    login(csrf_client, candidate, password)
    csrf_client.get(reverse("materials:materials"))  # sets the CSRF cookie, as the page does

    ok = _raw(csrf_client, "id_proof", jpeg(1), slot="back", name="背面 照片.JPG", key="k-1")
    retry = _raw(csrf_client, "id_proof", jpeg(1), slot="back", name="背面 照片.JPG", key="k-1")
    bad_name = _raw(csrf_client, "other", jpeg(2), name="scan.webp")

    assert ok.status_code == 200 and ok.json()["image"]["slot"] == "back"
    assert retry.status_code == 200 and retry.json()["created"] is False
    assert retry.json()["image"]["id"] == ok.json()["image"]["id"]
    assert bad_name.status_code == 400 and bad_name.json()["code"] == "EXT_NOT_ALLOWED"
    image = UploadedImage.objects.get()
    assert "背面" not in image.file.name and image.file.name.endswith(".jpg")


def test_a_script_upload_without_the_token_is_refused(csrf_client, candidate, password, jpeg):
    login(csrf_client, candidate, password)
    csrf_client.get(reverse("materials:materials"))

    response = _raw(csrf_client, "other", jpeg(1), csrf=False)

    assert response.status_code == 403
    assert "刷新" in response.json()["message"]
    assert not UploadedImage.objects.exists()


def test_a_huge_script_upload_is_refused_before_it_is_read(
    csrf_client, candidate, password, _private_storage
):
    login(csrf_client, candidate, password)
    csrf_client.get(reverse("materials:materials"))

    response = _raw(csrf_client, "other", b"\xff\xd8" + b"\0" * 5_000_000)

    assert response.status_code == 413
    body = response.json()
    assert body["code"] == "FILE_TOO_LARGE" and "4.8 MB" in body["message"]
    assert stored_files(_private_storage) == []


def test_submitting_from_the_page_locks_and_hides_the_delete_buttons(
    client, candidate, password, jpeg
):
    fill_required(candidate, jpeg)
    login(client, candidate, password)
    check = client.get(reverse("materials:submit")).content.decode()
    assert "将被<strong>锁定</strong>" in check

    response = client.post(reverse("materials:submit"), follow=True)

    html = response.content.decode()
    assert "上报完成，内容已锁定" in html
    assert "已锁定" in html and "delete-form" not in html
    assert "提交审核</a>" not in html


def test_a_replayed_delete_after_submission_is_refused(client, candidate, password, jpeg):
    fill_required(candidate, jpeg)
    image = candidate.application.images.first()
    login(client, candidate, password)
    submit(candidate)

    response = client.post(
        reverse("materials:delete", args=[image.uuid]), headers={"X-Requested-With": "fetch"}
    )

    assert response.status_code == 409
    assert "已锁定" in response.json()["message"]
    assert UploadedImage.objects.filter(pk=image.pk).exists()


# --- access ----------------------------------------------------------------------------


def test_a_candidate_gets_404_for_another_candidates_image_and_actions(
    client, candidate, other_candidate, password, jpeg
):
    theirs = upload(other_candidate, jpeg(1), slot="front")
    login(client, candidate, password)

    for url in (
        reverse("materials:image", args=[theirs.uuid]),
        reverse("materials:thumbnail", args=[theirs.uuid]),
    ):
        assert client.get(url).status_code == 404
    delete = client.post(
        reverse("materials:delete", args=[theirs.uuid]), headers={"X-Requested-With": "fetch"}
    )
    assert delete.status_code == 404
    assert UploadedImage.objects.filter(pk=theirs.pk).exists()
    assert not AuditEntry.objects.filter(action="image.viewed").exists()


def test_reviewers_see_only_their_sites_images(
    client, candidate, site_reviewer, other_site_reviewer, province_reviewer, password, jpeg
):
    image = upload(candidate, jpeg(1), slot="front")
    url = reverse("materials:image", args=[image.uuid])
    client.force_login(site_reviewer)
    assert client.get(url).status_code == 404  # a draft is the candidate's alone
    Application.objects.filter(pk=image.application_id).update(state="submitted")

    client.force_login(other_site_reviewer)
    assert client.get(url).status_code == 404
    client.force_login(site_reviewer)
    assert client.get(url).status_code == 200
    client.force_login(province_reviewer)
    assert client.get(url).status_code == 200


def test_every_image_view_is_logged_and_served_privately(client, candidate, site_reviewer, jpeg):
    image = upload(candidate, jpeg(1), slot="front")
    Application.objects.filter(pk=image.application_id).update(state="submitted")
    client.force_login(site_reviewer)

    response = client.get(reverse("materials:image", args=[image.uuid]), REMOTE_ADDR="10.1.2.3")

    assert response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Content-Type-Options"] == "nosniff"
    entry = AuditEntry.objects.get(action="image.viewed")
    assert (entry.actor, entry.actor_role, entry.ip) == (site_reviewer, "site_reviewer", "10.1.2.3")
    assert entry.actor_site == "沈阳市" and entry.target == f"image:{image.uuid}"


def test_the_thumbnail_is_made_by_a_task_after_the_upload_commits(
    client, candidate, password, jpeg, _private_storage
):
    login(client, candidate, password)
    with TestCase.captureOnCommitCallbacks(execute=True):
        image = upload(candidate, jpeg(1), slot="selfie")
    url = reverse("materials:thumbnail", args=[image.uuid])

    placeholder = client.get(url)
    assert placeholder["Content-Type"] == "image/svg+xml"
    assert "缩略图生成中" in placeholder.content.decode()
    assert not UploadedImage.objects.get(pk=image.pk).thumbnail  # the view made nothing
    assert drain() == 1  # the task enqueued when the upload committed
    image.refresh_from_db()
    shown = b"".join(client.get(url).streaming_content)

    thumb = Image.open(io.BytesIO(shown))
    assert thumb.format == "JPEG" and 320 <= max(thumb.size) <= 480
    assert image.thumbnail.name.endswith(".thumb.jpg")
    assert len(stored_files(_private_storage)) == 2  # the picture and one thumbnail
    # The placeholder shows no picture; the thumbnail's view is recorded.
    assert (
        AuditEntry.objects.filter(action="image.viewed", target=f"image:{image.uuid}").count() == 1
    )


def test_a_second_run_of_the_thumbnail_task_changes_nothing(candidate, jpeg, _private_storage):
    image = upload(candidate, jpeg(1), slot="front")
    assert make_thumbnail.call(image.pk) is True
    image.refresh_from_db()
    first = image.thumbnail.name

    assert make_thumbnail.call(image.pk) is False
    image.refresh_from_db()
    assert image.thumbnail.name == first and len(stored_files(_private_storage)) == 2


def test_a_rolled_back_upload_queues_no_thumbnail(candidate, jpeg):
    with TestCase.captureOnCommitCallbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            upload(candidate, jpeg(1), slot="front")
            raise RuntimeError("the caller's transaction fails after the upload")
    assert callbacks == [] and DBTaskResult.objects.count() == 0


def test_a_damaged_file_leaves_the_placeholder_and_the_schedule_tries_again_later(
    client, candidate, password, jpeg, _private_storage
):
    image = upload(candidate, jpeg(1), slot="front")
    stored = _private_storage / image.file.name
    stored.write_bytes(stored.read_bytes()[:3000])  # damaged on disk after the upload
    login(client, candidate, password)

    with pytest.raises(OSError):
        make_thumbnail.call(image.pk)

    response = client.get(reverse("materials:thumbnail", args=[image.uuid]))
    assert response.status_code == 200 and response["Content-Type"] == "image/svg+xml"
    image.refresh_from_db()
    assert not image.thumbnail
    assert len(stored_files(_private_storage)) == 1


def test_candidate_pages_are_not_for_reviewers(client, site_reviewer):
    client.force_login(site_reviewer)

    assert client.get(reverse("materials:materials")).status_code == 404


def test_anonymous_visitors_are_sent_to_login(client, candidate, jpeg):
    image = upload(candidate, jpeg(1), slot="front")

    response = client.get(reverse("materials:image", args=[image.uuid]))

    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_inbox_counts_unread_messages(client, candidate, password, jpeg):
    fill_required(candidate, jpeg)
    submit(candidate)
    login(client, candidate, password)

    html = client.get(reverse("messaging:inbox")).content.decode()
    assert "1 条未读" in html
    message = candidate.user.messages.get()
    client.get(reverse("messaging:detail", args=[message.pk]))
    assert "条未读" not in client.get(reverse("messaging:inbox")).content.decode()


def _file(data: bytes, name: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="image/jpeg")

"""The private storage on a real S3-speaking server (moto's, started by the tests) and on
local disk: the same behaviour on both, from upload to deletion."""

from __future__ import annotations

import datetime as dt
import tracemalloc

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from medexam.audit.models import AuditEntry
from medexam.files.services import delete_due_files, grace
from medexam.files.storage import FileMissing, is_s3, list_files, open_stream
from medexam.materials import services
from medexam.materials.models import UploadedImage
from medexam.materials.sweep import sweep_orphan_files
from medexam.materials.tasks import make_thumbnail
from tests.materials.helpers import upload

pytestmark = pytest.mark.django_db


def names(storage) -> list[str]:
    return [f.name for f in list_files(storage, "")]


def test_the_s3_fixture_really_is_s3(s3_storage):
    assert is_s3(s3_storage)
    assert s3_storage.endpoint_url.startswith("http://127.0.0.1:")


def test_an_upload_stores_one_object_under_a_server_chosen_name(any_storage, candidate, jpeg):
    image = upload(candidate, jpeg(1), slot="front", name="我的身份证.jpg")

    assert names(any_storage) == [image.file.name]
    assert image.file.name.startswith(f"images/{image.file.name[7:9]}/")
    assert "身份证" not in image.file.name
    stream, size = open_stream(any_storage, image.file.name)
    assert size == image.size and stream.read()[:2] == b"\xff\xd8"


def test_the_image_is_served_through_the_app_after_the_check_and_logged(
    any_storage, client, candidate, other_candidate, password, jpeg
):
    image = upload(candidate, jpeg(1), slot="front")
    url = reverse("materials:image", args=[image.uuid])

    client.login(username=other_candidate.id_number, password=password)
    assert client.get(url).status_code == 404
    client.login(username=candidate.id_number, password=password)
    response = client.get(url)

    body = b"".join(response.streaming_content)
    assert response.status_code == 200 and len(body) == image.size
    assert response["Content-Length"] == str(image.size)
    assert response["Cache-Control"] == "private, no-store"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    # No redirect to the bucket: the object's address never reaches the browser.
    assert "X-Amz" not in str(response.headers) and "Location" not in response
    assert (
        AuditEntry.objects.filter(action="image.viewed", target=f"image:{image.uuid}").count() == 1
    )


def test_a_thumbnail_is_made_and_kept_in_the_same_storage(
    any_storage, client, candidate, password, jpeg
):
    image = upload(candidate, jpeg(1), slot="front")
    client.login(username=candidate.id_number, password=password)
    url = reverse("materials:thumbnail", args=[image.uuid])
    # Until the thumbnail task has run, a placeholder; the task makes it in the storage.
    assert client.get(url)["Content-Type"] == "image/svg+xml"
    assert make_thumbnail.call(image.pk) is True

    response = client.get(url)

    assert response.status_code == 200 and b"".join(response.streaming_content)[:2] == b"\xff\xd8"
    image.refresh_from_db()
    assert sorted(names(any_storage)) == sorted([image.file.name, image.thumbnail.name])


def test_a_deleted_image_keeps_its_objects_for_the_grace_period_then_loses_them(
    any_storage, candidate, jpeg
):
    image = upload(candidate, jpeg(1), slot="front")
    services.ensure_thumbnail(image)

    services.delete_image(image_uuid=image.uuid, actor=candidate.user)

    assert len(names(any_storage)) == 2
    assert delete_due_files(now=timezone.now()) == 0
    assert delete_due_files(now=timezone.now() + grace()) == 2
    assert names(any_storage) == []


def test_a_rolled_back_upload_leaves_no_object(any_storage, candidate, jpeg, monkeypatch):
    from medexam.materials import upload_reads

    def fail(**kwargs):
        raise RuntimeError("crash inside the transaction")

    monkeypatch.setattr(upload_reads, "lock_upload_target", fail)
    with pytest.raises(RuntimeError):
        upload(candidate, jpeg(1), slot="front")

    assert names(any_storage) == []


def test_the_sweep_lists_the_bucket_and_removes_only_old_unreferenced_objects(
    any_storage, candidate, jpeg
):
    kept = upload(candidate, jpeg(1), slot="front")
    deleted = upload(candidate, jpeg(2), slot="back")
    services.delete_image(image_uuid=deleted.uuid, actor=candidate.user)  # awaits its grace
    any_storage.save("images/ab/abandoned.jpg", ContentFile(b"left by a crash"))

    # Everything is young: nothing goes.
    assert sweep_orphan_files() == []
    later = dt.timedelta(hours=-2)  # "older than minus two hours": all of it counts as old
    assert sweep_orphan_files(older_than=later) == ["images/ab/abandoned.jpg"]

    assert sorted(names(any_storage)) == sorted([kept.file.name, deleted.file.name])


def test_check_storage_finds_rows_without_files_and_files_without_rows(
    any_storage, candidate, jpeg, capsys
):
    image = upload(candidate, jpeg(1), slot="front")
    lost = upload(candidate, jpeg(2), slot="back")
    any_storage.delete(lost.file.name)
    any_storage.save("images/ff/stray.jpg", ContentFile(b"x"))

    with pytest.raises(SystemExit) as exit_status:
        call_command("check_storage")

    out = capsys.readouterr().out
    assert exit_status.value.code == 1
    assert "rows without files: 1" in out and lost.file.name in out
    assert "files without rows: 1" in out and "images/ff/stray.jpg" in out
    assert image.file.name not in out


def test_check_storage_passes_when_everything_matches(any_storage, candidate, jpeg, capsys):
    upload(candidate, jpeg(1), slot="front")

    call_command("check_storage", "--json")

    assert '"rows_without_files": 0' in capsys.readouterr().out


def test_an_image_whose_file_is_gone_answers_a_chinese_page_and_a_log_line(
    any_storage, client, candidate, password, jpeg, caplog
):
    image = upload(candidate, jpeg(1), slot="front")
    any_storage.delete(image.file.name)
    client.login(username=candidate.id_number, password=password)

    response = client.get(reverse("materials:image", args=[image.uuid]))

    assert response.status_code == 404
    assert "图片文件暂时无法显示" in response.content.decode()
    missing = [r for r in caplog.records if getattr(r, "event", "") == "storage.file_missing"]
    assert len(missing) == 1 and missing[0].image == str(image.uuid)
    assert candidate.id_number not in caplog.text


def test_open_stream_says_missing_before_anything_is_sent(any_storage):
    with pytest.raises(FileMissing):
        open_stream(any_storage, "images/00/nothing.jpg")


def test_a_large_file_is_streamed_not_read_whole(any_storage):
    size = 24 * 1024 * 1024
    any_storage.save("exports/big.bin", ContentFile(b"\x01" * size))
    from medexam.files.responses import private_file_response

    tracemalloc.start()
    try:
        response = private_file_response(
            any_storage, "exports/big.bin", content_type="application/octet-stream"
        )
        total = sum(len(chunk) for chunk in response.streaming_content)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        response.close()

    assert total == size
    assert peak < 4 * 1024 * 1024, f"peak {peak} bytes for a {size}-byte file"


def test_an_upload_when_storage_is_down_answers_503_and_stores_nothing(
    s3_storage, client, candidate, password, jpeg, settings
):
    # The endpoint of a server that is not there (a port nothing listens on).
    from tests.servers import free_port

    dead = dict(settings.STORAGES["default"])
    dead["OPTIONS"] = {**dead["OPTIONS"], "endpoint_url": f"http://127.0.0.1:{free_port()}"}
    settings.STORAGES = {**settings.STORAGES, "default": dead, "private": dead}
    client.login(username=candidate.id_number, password=password)

    response = client.post(
        reverse("materials:upload", args=["id_proof"]) + "?slot=front",
        data=jpeg(1),
        content_type="image/jpeg",
        headers={"X-Requested-With": "fetch", "Idempotency-Key": "k1", "X-File-Name": "a.jpg"},
    )

    assert response.status_code == 503, response.json()
    assert (
        response.json()["code"] == "STORAGE_FAILED" and "请稍后重试" in response.json()["message"]
    )
    assert response["Retry-After"]
    assert not UploadedImage.objects.exists()


def test_small_and_large_files_arrive_whole_with_their_type_and_private(s3_storage):
    client = s3_storage.connection.meta.client
    small = s3_storage.save("images/aa/small.jpg", ContentFile(b"\xff\xd8" + b"x" * 1000))
    large = s3_storage.save("exports/large.csv", ContentFile(b"a,b\n" * (3 * 1024 * 1024)))

    for name, size, content_type in (
        (small, 1002, "image/jpeg"),
        (large, 12 * 1024 * 1024, "text/csv"),
    ):
        head = client.head_object(Bucket=s3_storage.bucket_name, Key=name)
        assert head["ContentLength"] == size and head["ContentType"] == content_type
        grants = client.get_object_acl(Bucket=s3_storage.bucket_name, Key=name)["Grants"]
        assert all(g["Grantee"].get("URI", "").endswith("AllUsers") is False for g in grants)

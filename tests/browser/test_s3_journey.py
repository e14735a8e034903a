"""The candidate's upload on S3 storage (moto's server), in the browser: the first attempt
meets the storage endpoint gone and is answered 503 "please retry"; the page says so,
retries with the same idempotency key once the storage is back, and the thumbnail is
served through the app from the bucket."""

from __future__ import annotations

import re

import pytest

from medexam.files.storage import list_files
from medexam.materials.models import UploadedImage
from tests import servers
from tests.browser.support import login, screenshot

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_upload_through_a_storage_outage_lands_once_in_the_bucket(
    page, live_server, candidate, password, jpeg, tmp_path, s3_storage, settings
):
    photo = tmp_path / "front.jpg"
    photo.write_bytes(jpeg(3))
    working = settings.STORAGES["default"]
    dead = {
        **working,
        "OPTIONS": {
            **working["OPTIONS"],
            "endpoint_url": f"http://127.0.0.1:{servers.free_port()}",
        },
    }
    login(page, live_server, candidate.id_number, password)
    page.goto(f"{live_server.url}/candidate/materials/")
    settings.STORAGES = {**settings.STORAGES, "default": dead, "private": dead}

    answers: list[tuple[int, str]] = []

    def on_response(response):
        if re.search(r"/candidate/materials/id_proof/upload/", response.url):
            answers.append((response.status, response.request.headers.get("idempotency-key", "")))
            if response.status == 503:  # the storage comes back before the page retries
                settings.STORAGES = {**settings.STORAGES, "default": working, "private": working}

    page.on("response", on_response)
    form = page.locator('#item-id_proof form.upload-form[data-slot="front"]')
    form.locator('input[type="file"]').set_input_files(str(photo))
    form.locator(".fit-result.is-ok").wait_for(timeout=60_000)
    form.get_by_role("button", name="上传这张图片").click()
    page.get_by_text(re.compile("系统暂时繁忙，.*自动重试")).first.wait_for(timeout=20_000)
    screenshot(page, "s3-upload-retrying")
    page.locator("#slot-id_proof-front figure.thumb img").wait_for(timeout=30_000)
    screenshot(page, "s3-upload-done")

    assert [status for status, _ in answers] == [503, 200]
    assert answers[0][1] and answers[0][1] == answers[1][1]
    image = UploadedImage.objects.get(application=candidate.application)
    thumb = page.locator("#slot-id_proof-front figure.thumb img")
    assert thumb.evaluate("img => img.complete && img.naturalWidth > 0")
    stored = [f.name for f in list_files(s3_storage, "")]
    assert image.file.name in stored and len([n for n in stored if ".thumb." not in n]) == 1

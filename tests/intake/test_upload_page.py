"""The upload endpoint gives the same answer as check_image for the same file, stores exactly
the normalised bytes, and leaves nothing behind for a refused file."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from medexam.materials.intake import inspect_image
from medexam.materials.models import UploadedImage

FETCH = {"X-Requested-With": "fetch"}
SAMPLE = [
    "ok_photo.jpg",
    "norm_png_text_trailing.png",
    "sideways.jpg",
    "small.jpg",
    "faint.jpg",
    "too_large.jpg",
    "webp_as.jpg",
    "iphone_renamed.jpg",
    "truncated.jpg",
    "bomb.png",
    "animated.png",
    "blurry.jpg",
    "dark.jpg",
    "ok_but.jfif",
]


@pytest.fixture
def logged_in(client, candidate, password):
    client.post(reverse("accounts:login"), {"username": candidate.id_number, "password": password})
    return client


def _post(client, data: bytes, name: str):
    return client.post(
        reverse("materials:upload", args=["other"]),
        {"image": SimpleUploadedFile(name, data, content_type="application/octet-stream")},
        headers=FETCH,
    )


@pytest.mark.django_db
def test_the_upload_page_answers_like_check_image(logged_in, case_bytes, _private_storage):
    expected, actual = [], []
    for file in SAMPLE:
        data = case_bytes(file)
        result = inspect_image(data, file)
        response = _post(logged_in, data, file)
        body = response.json()
        if result.verdict == "reject":
            expected.append((file, False, result.code, result.message))
            actual.append((file, body["ok"], body.get("code"), body.get("message")))
        else:
            codes = [w["code"] for w in body["image"]["warnings"]] if body["ok"] else body
            expected.append((file, True, [w.code for w in result.warnings]))
            actual.append((file, body["ok"], codes))
    assert actual == expected


@pytest.mark.django_db
def test_the_stored_file_is_the_normalised_one_and_refusals_leave_nothing(
    logged_in, case_bytes, _private_storage
):
    refused = _post(logged_in, case_bytes("truncated.jpg"), "photo.jpg")
    assert refused.status_code >= 400
    assert not [p for p in _private_storage.rglob("*") if p.is_file()]
    assert not UploadedImage.objects.exists()

    original = case_bytes("norm_exif_gps.jpg")
    response = _post(logged_in, original, "../../我的身份证.jpg")
    assert response.json()["ok"] is True
    image = UploadedImage.objects.get()
    with image.file.open("rb") as fh:
        stored = fh.read()
    assert stored == inspect_image(original, "x.jpg").content
    assert "身份证" not in image.file.name and ".." not in image.file.name
    assert image.original_size == len(original)
    assert image.size == len(stored)


@pytest.mark.django_db
def test_a_re_saved_copy_of_an_uploaded_picture_is_flagged_as_duplicate(logged_in, case_bytes):
    first = _post(logged_in, case_bytes("ok_photo.jpg"), "a.jpg").json()
    again = _post(logged_in, case_bytes("norm_exif_gps.jpg"), "b.jpg").json()
    assert first["ok"] is True and first["image"]["warnings"] == []
    assert again["ok"] is True
    assert [w["code"] for w in again["image"]["warnings"]] == ["DUPLICATE"]

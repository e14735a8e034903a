"""What is stored: the normalised picture, without metadata, trailing bytes or the client's
name; re-encoded only where pixels had to change; plus an upright review thumbnail."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from medexam.materials.intake import inspect_image, make_thumbnail


def _open(data: bytes) -> Image.Image:
    im = Image.open(io.BytesIO(data))
    im.load()
    return im


def test_accepted_files_are_stored_without_metadata_or_trailing_bytes(corpus, case_bytes):
    for case in corpus:
        if case.verdict == "reject":
            continue
        original = case_bytes(case.file)
        result = inspect_image(original, case.name or case.file)
        stored = result.content
        im = _open(stored)
        assert im.format == result.format, case.file
        assert (im.width, im.height) == (result.width, result.height), case.file
        assert im.mode in ("L", "RGB"), case.file
        assert not im.getexif(), case.file
        assert set(im.info) <= {
            "jfif",
            "jfif_version",
            "jfif_unit",
            "jfif_density",
            "dpi",
            "adobe",
            "adobe_transform",
            "progressive",
            "progression",
        }, (case.file, set(im.info))
        if result.format == "JPEG":
            assert stored.endswith(b"\xff\xd9") and stored.count(b"\xff\xd9") >= 1
            assert result.extension == ".jpg"
        else:
            assert stored.endswith(b"IEND\xaeB`\x82")
            assert result.extension == ".png"
        for secret in (
            b"Zhang San",
            b"secret note",
            b"PhoneMaker",
            b"PK\x03\x04",
            b"<script",
            b"fake profile",
            "身份证".encode(),
        ):
            assert secret not in stored, (case.file, secret)
        name = (case.name or case.file).encode("utf-8", "replace")
        assert name not in stored


def test_metadata_is_removed_losslessly_when_pixels_need_not_change(case_bytes):
    original = case_bytes("norm_exif_gps.jpg")
    result = inspect_image(original, "photo.jpg")
    assert "reencoded" not in result.normalisations
    assert np.array_equal(np.asarray(_open(original)), np.asarray(_open(result.content)))
    assert len(result.content) < len(original)


def test_a_sensor_landscape_photo_is_stored_upright(case_bytes):
    result = inspect_image(case_bytes("norm_exif_rotated.jpg"), "IMG_1234.JPG")
    assert (result.width, result.height) == (1000, 1400)
    again = inspect_image(result.content, "stored.jpg")
    assert again.code == "OK"
    assert again.metrics["line_ratio"] > 3  # text lines run across the page


def test_a_multi_picture_jpeg_keeps_only_its_first_picture(case_bytes):
    original = case_bytes("norm_mpo.jpg")
    result = inspect_image(original, "mpo.jpg")
    assert (result.width, result.height) == (700, 980)
    assert result.content.count(b"\xff\xd8\xff") == 1
    stored = _open(result.content)
    assert stored.format == "JPEG" and getattr(stored, "n_frames", 1) == 1
    first = _open(original)  # an MPO opens on its first frame
    assert np.array_equal(np.asarray(first), np.asarray(stored))


def test_transparency_is_flattened_on_white(case_bytes):
    result = inspect_image(case_bytes("norm_alpha.png"), "scan.png")
    im = _open(result.content)
    assert im.mode in ("L", "RGB")
    corner = im.convert("L").getpixel((5, 5))
    assert corner == 255


def test_sixteen_bit_grey_becomes_eight_bit_grey(case_bytes):
    result = inspect_image(case_bytes("norm_16bit.png"), "scan.png")
    im = _open(result.content)
    assert im.mode == "L"
    assert np.asarray(im).max() > 200  # scaled down, not clipped to black/white


def test_cmyk_becomes_rgb(case_bytes):
    result = inspect_image(case_bytes("norm_cmyk.jpg"), "scan.jpg")
    assert _open(result.content).mode == "RGB"


def test_the_thumbnail_is_a_small_upright_jpeg_of_the_normalised_picture(case_bytes):
    result = inspect_image(case_bytes("norm_exif_rotated.jpg"), "IMG_1234.JPG")
    thumb = _open(make_thumbnail(result.content))
    assert thumb.format == "JPEG"
    assert 320 <= max(thumb.size) <= 480
    assert thumb.height > thumb.width  # portrait like the stored picture


def test_rejected_files_leave_nothing_to_store(corpus, case_bytes):
    for case in corpus:
        if case.verdict != "reject":
            continue
        result = inspect_image(case_bytes(case.file), case.name or case.file)
        assert (result.content, result.extension, result.phash) == (None, None, None), case.file


def test_the_original_size_and_hash_are_of_the_upload_itself(case_bytes):
    import hashlib

    original = case_bytes("norm_trailing_zip.jpg")
    result = inspect_image(original, "photo.jpg")
    assert result.bytes == len(original)
    assert result.sha256 == hashlib.sha256(original).hexdigest()
    assert len(result.content) < len(original)


def test_the_thumbnail_keeps_the_pictures_colours(case_bytes):
    original = case_bytes("ok_photo.jpg")
    result = inspect_image(original, "photo.jpg")
    thumb = np.asarray(_open(make_thumbnail(result.content)).convert("RGB"), dtype=np.float64)
    full = np.asarray(_open(original).convert("RGB"), dtype=np.float64)
    assert np.abs(thumb.reshape(-1, 3).mean(0) - full.reshape(-1, 3).mean(0)).max() < 3


def test_a_stale_quarter_turn_tag_does_not_turn_an_upright_page_on_its_side(case_bytes):
    original = case_bytes("stale_exif_tag.jpg")
    result = inspect_image(original, "scan.jpg")
    assert (result.width, result.height) == (1000, 1400)
    assert "reencoded" not in result.normalisations
    assert np.array_equal(np.asarray(_open(original)), np.asarray(_open(result.content)))

"""Every file of the generated corpus gets the verdict and code it was designed for, from the
module and from `check_image`, with a Chinese message that says what to do."""

from __future__ import annotations

import io
import json
import re

from django.core.management import call_command

from medexam.formats import human_size
from medexam.materials.intake import MESSAGES, inspect_image

NORMALISATIONS = {
    "metadata_removed",
    "trailing_data_removed",
    "extra_frames_removed",
    "exif_orientation",
    "exif_orientation_ignored",
    "colour_converted",
    "transparency_flattened",
    "reencoded",
}
CJK = re.compile(r"[\u4e00-\u9fff]")


def test_the_corpus_covers_every_code_and_normalisation(corpus, duplicates):
    codes = {case.code for case in corpus} | {case.code for case in duplicates}
    assert codes == set(MESSAGES)
    assert {n for case in corpus for n in case.normalisations} == NORMALISATIONS
    assert len(corpus) + len(duplicates) >= 40


def test_inspect_image_answers_every_case_as_designed(corpus, case_bytes):
    expected, actual = [], []
    for case in corpus:
        result = inspect_image(case_bytes(case.file), case.name or case.file)
        expected.append((case.file, case.verdict, case.code, True))
        actual.append(
            (
                case.file,
                result.verdict,
                result.code,
                set(case.normalisations) <= set(result.normalisations),
            )
        )
    assert actual == expected


def test_check_image_prints_the_same_answers_as_json_lines(corpus, corpus_dir):
    expected, actual = [], []
    for case in corpus:
        out = io.StringIO()
        args = [str(corpus_dir / case.file), "--json"]
        if case.name is not None:
            args += ["--name", case.name]
        call_command("check_image", *args, stdout=out)
        lines = out.getvalue().splitlines()
        assert len(lines) == 1
        row = json.loads(lines[0])
        expected.append((case.file, case.verdict, case.code))
        actual.append((row["file"].rsplit("/", 1)[-1], row["verdict"], row["code"]))
        assert {
            "file",
            "verdict",
            "code",
            "message",
            "format",
            "width",
            "height",
            "bytes",
            "sha256",
        } <= set(row)
        assert CJK.search(row["message"])
    assert actual == expected


def test_check_image_flags_a_file_that_repeats_an_earlier_one(duplicates, corpus_dir):
    out = io.StringIO()
    paths = [str(corpus_dir / "duplicates" / case.file) for case in duplicates]
    call_command("check_image", *paths, "--json", stdout=out)
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [(r["verdict"], r["code"]) for r in rows] == [
        (case.verdict, case.code) for case in duplicates
    ]
    assert "dup_first.jpg" in rows[1]["message"]


def test_every_message_is_chinese_and_says_what_to_do():
    for code, message in MESSAGES.items():
        assert CJK.search(message), code
        if code not in ("OK",):
            assert re.search("请|可", message), code


def test_a_too_large_file_is_told_its_own_size_and_the_limit(case_bytes):
    result = inspect_image(case_bytes("too_large.jpg"), "photo.jpg")
    assert result.code == "FILE_TOO_LARGE"
    assert "204,801 字节，比 200 KB（204,800 字节）略大" in result.message
    big = inspect_image(case_bytes("too_large_photo.jpg"), "photo.jpg")
    assert human_size(big.bytes) in big.message and "字节" not in big.message
    assert "（上限为" not in big.message and "。（" not in big.message


def test_a_renamed_file_is_told_what_it_really_is(case_bytes):
    named = {
        "webp_as.jpg": "WebP",
        "gif_as.jpg": "GIF",
        "tiff_as.png": "TIFF",
        "bmp_as.jpg": "BMP",
        "pdf_as.jpg": "PDF",
        "svg_as.png": "SVG",
        "html_as.jpg": "HTML",
        "zip_as.jpg": "ZIP",
        "avif_as.jpg": "AVIF",
    }
    for file, label in named.items():
        assert label in inspect_image(case_bytes(file), file).message, file


def test_an_iphone_photo_is_told_how_to_send_jpeg(case_bytes):
    result = inspect_image(case_bytes("iphone_renamed.jpg"), "IMG_0001.jpg")
    assert result.code == "UNSUPPORTED_FORMAT_HEIC"
    assert "兼容性最佳" in result.message


def test_check_image_refuses_its_own_usage_errors(tmp_path, corpus_dir):
    import pytest
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("check_image", str(tmp_path / "missing.jpg"))
    with pytest.raises(CommandError):
        call_command(
            "check_image",
            str(corpus_dir / "ok_photo.jpg"),
            str(corpus_dir / "ok_rgb.png"),
            "--name",
            "a.jpg",
        )

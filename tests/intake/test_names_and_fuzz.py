"""The client's file name only chooses between "allowed extension" and not; and no byte
sequence makes intake crash instead of answering."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from medexam.materials.intake import MESSAGES, client_extension, inspect_image


@pytest.mark.parametrize(
    ("name", "extension"),
    [
        ("photo.JPG", "jpg"),
        ("scan.Jpeg", "jpeg"),
        ("a.png", "png"),
        ("../../etc/passwd.png", "png"),
        ("C:\\Users\\me\\scan.PNG", "png"),
        ("diploma.php.jpg", "jpg"),
        ("scan.jpg.exe", "exe"),
        ("evil.php\x00.jpg", "jpg"),
        ("scan.jpg\x00.exe", "exe"),
        ("photo\u202egpj.exe", "exe"),
        ("noextension", ""),
        ("", ""),
        (".png", "png"),
        ("trailingdot.", ""),
        ("x" * 10_000 + ".jpeg", "jpeg"),
    ],
)
def test_only_the_last_extension_of_the_last_path_part_counts(name, extension):
    assert client_extension(name) == extension


def test_a_nul_or_bidi_trick_cannot_smuggle_a_wrong_extension(case_bytes):
    data = case_bytes("name_traversal.jpg")
    assert inspect_image(data, "scan.jpg\x00.exe").code == "EXT_NOT_ALLOWED"
    assert inspect_image(data, "scan\u202egpj.exe").code == "EXT_NOT_ALLOWED"
    # The name is never a path: these are judged on content alone.
    assert inspect_image(data, "evil.php\x00.jpg").verdict == "accept"
    assert inspect_image(data, "/" * 5000 + "../" * 300 + "a.jpg").verdict == "accept"


def test_the_refusal_quotes_the_extension_printably(case_bytes):
    result = inspect_image(case_bytes("name_traversal.jpg"), "scan.ex\x00e")
    assert result.code == "EXT_NOT_ALLOWED"
    assert "\x00" not in result.message


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(st.data())
def test_mutated_images_always_get_an_answer(case_bytes, data):
    source = data.draw(
        st.sampled_from(
            ["ok_progressive.jpg", "ok_scan_grey.png", "norm_exif_gps.jpg", "norm_mpo.jpg"]
        )
    )
    raw = bytearray(case_bytes(source))
    for _ in range(data.draw(st.integers(1, 6))):
        position = data.draw(st.integers(0, len(raw) - 1))
        raw[position] = data.draw(st.integers(0, 255))
    if data.draw(st.booleans()):
        raw = raw[: data.draw(st.integers(0, len(raw)))]
    result = inspect_image(bytes(raw), "photo.jpg")
    assert result.verdict in ("accept", "warn", "reject")
    assert result.code in MESSAGES
    assert result.message


@settings(max_examples=40, deadline=None)
@given(st.binary(max_size=4096), st.sampled_from(["a.jpg", "b.png", "c.jpeg"]))
def test_arbitrary_bytes_always_get_an_answer(blob, name):
    result = inspect_image(blob, name)
    assert result.code in MESSAGES
    if result.verdict != "reject":
        assert result.content

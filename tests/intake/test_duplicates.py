"""Perceptual hash: a re-saved copy of one picture is "the same"; another filled-in copy of
the same printed form is not."""

from __future__ import annotations

import io

from medexam.materials.intake import PHASH_DUPLICATE_DISTANCE, inspect_image, phash_distance
from tests.intake.make_corpus import add_noise, document, jpeg_bytes


def _hash(data: bytes) -> str:
    result = inspect_image(data, "a.jpg")
    assert result.phash is not None, result.code
    return result.phash


def test_recompressed_resized_or_brightened_copies_count_as_the_same_picture():
    doc = document(41)
    base = _hash(jpeg_bytes(doc, 70))
    copies = [
        jpeg_bytes(doc, 40),
        jpeg_bytes(doc.resize((800, 1120)), 75),
        jpeg_bytes(add_noise(doc, 6), 50),
        jpeg_bytes(doc.point(lambda v: min(255, int(v * 1.1))), 70),
    ]
    assert [phash_distance(base, _hash(c)) <= PHASH_DUPLICATE_DISTANCE for c in copies] == [
        True
    ] * len(copies)


def test_other_candidates_copies_of_the_same_form_are_not_duplicates():
    hashes = [_hash(jpeg_bytes(document(seed), 70)) for seed in (42, 43, 44, 45)]
    distances = [phash_distance(a, b) for i, a in enumerate(hashes) for b in hashes[i + 1 :]]
    assert min(distances) > PHASH_DUPLICATE_DISTANCE


def test_the_hash_is_hex_of_at_most_32_digits_and_the_distance_is_hamming():
    h = _hash(jpeg_bytes(document(46), 70))
    assert len(h) == 32 and int(h, 16) >= 0
    assert phash_distance(h, h) == 0
    flipped = f"{int(h, 16) ^ 0b1011:032x}"
    assert phash_distance(h, flipped) == 3


def test_the_hash_is_of_the_upright_picture(case_bytes):
    rotated = inspect_image(case_bytes("norm_exif_rotated.jpg"), "a.jpg").phash
    from PIL import Image

    im = Image.open(io.BytesIO(case_bytes("norm_exif_rotated.jpg")))
    upright = im.transpose(Image.Transpose.ROTATE_270)
    assert phash_distance(rotated, _hash(jpeg_bytes(upright, 70))) <= PHASH_DUPLICATE_DISTANCE

"""A handful of photographed documents, made once per test session (the OCR engine, loaded
once per process, is shared the same way). The accuracy on the whole corpus is
bench/precheck.py's job; these tests read a few documents each so the suite stays fast."""

from __future__ import annotations

import pytest

from medexam.precheck import corpus, idnumber

PERSON = {
    "name": "张伟",
    "id_number": idnumber.make_number("210102", "19950302", 123),
    "birth": "1995-03-02",
    "major": "临床医学",
    "school": "中国医科大学",
}


@pytest.fixture(scope="session")
def photos():
    """kind -> (jpeg bytes, truth fields) for documents about PERSON, plus decoys."""
    made = {}
    for seed, kind in enumerate(
        ["id_front", "id_back", "chsi_record", "diploma", "student_status_record", "degree"]
    ):
        extra = (
            {"valid_from": "2008-03-22", "valid_until": "2018-03-22"} if kind == "id_back" else {}
        )
        data, doc = corpus.photo_of(kind, seed=40 + seed, **PERSON, **extra)
        made[kind] = (data, doc.fields)
    return made

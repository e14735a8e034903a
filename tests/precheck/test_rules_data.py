"""The pre-check's part of the exam's data file: where each document belongs and the exam's
date. A typo is refused with its line, like every other key of the file."""

from __future__ import annotations

import datetime as dt

import pytest

from medexam.precheck.services import exam_date, expected_kind
from medexam.rules.loading import RulesFileError, default_exam_path, parse_rules


def text() -> str:
    return default_exam_path().read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("old", "new", "reason"),
    [
        ("id_proof.back: id_back", "id_proof.rear: id_back", "没有材料条目或位置 'id_proof.rear'"),
        ("diploma: diploma\n", "diploma: diplom\n", "材料类型 'diplom' 不是"),
        ('exam_date: "2022-08-19"', 'exam_date: "2022-13-01"', "exam_date"),
    ],
)
def test_a_wrong_precheck_entry_is_refused_by_line(old, new, reason):
    broken = text().replace(old, new, 1)
    assert broken != text()
    with pytest.raises(RulesFileError) as caught:
        parse_rules(broken, filename="liaoning-2022.yaml")
    assert reason in str(caught.value)
    assert caught.value.line == next(
        i for i, line in enumerate(broken.splitlines(), 1) if new.strip() in line
    )


def test_the_shipped_year_says_where_each_document_belongs(exam):
    assert exam_date(exam) == dt.date(2022, 8, 19)
    assert expected_kind(exam, "id_proof", "front") == "id_front"
    assert expected_kind(exam, "id_proof", "back") == "id_back"
    assert expected_kind(exam, "id_proof", "selfie") is None  # not read at all
    assert expected_kind(exam, "edu_proof", "") == "chsi_record"
    assert expected_kind(exam, "degree", "") == "other"
    assert expected_kind(exam, "trial_assessment", "") is None

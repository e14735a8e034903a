"""Every cross-check rule, table-driven, on readings as the reader returns them (no OCR here:
tests/precheck/test_reader.py reads real photographs)."""

from __future__ import annotations

import datetime as dt

import pytest

from medexam.precheck import idnumber
from medexam.precheck.checks import (
    MATCH,
    MISMATCH,
    UNREADABLE,
    Registration,
    candidate_message,
    cross_check,
    has_issues,
)
from medexam.precheck.reader import Reading

EXAM_DAY = dt.date(2022, 8, 19)
OWN_ID = idnumber.make_number("210102", "19950302", 123)
OTHER_ID = idnumber.make_number("210203", "19900101", 456)
ME = Registration(name="张伟", id_number=OWN_ID, major="临床医学")


def outcomes(reading: Reading, expected: str, registration: Registration = ME):
    found = cross_check(
        reading, expected_kind=expected, registration=registration, exam_date=EXAM_DAY
    )
    return {c.check: (c.outcome, c.detail) for c in found}


def front(name="张伟", number=OWN_ID) -> Reading:
    return Reading("id_front", {"name": name, "id_number": number}, 0.99)


def back(start, until) -> Reading:
    return Reading("id_back", {"valid_from": start, "valid_until": until}, 0.99)


@pytest.mark.parametrize(
    ("reading", "check", "outcome", "detail"),
    [
        (back("2012-03-22", "2022-03-22"), "validity", MISMATCH, "expired"),
        (back("2012-08-20", "2022-08-18"), "validity", MISMATCH, "expired"),
        (back("2012-08-19", "2022-08-19"), "validity", MATCH, ""),  # valid on the exam day
        (back("2022-09-01", "2042-09-01"), "validity", MISMATCH, "not_yet_valid"),
        (back("2001-05-01", "long-term"), "validity", MATCH, ""),
        (Reading("id_back", {}, 0.0), "validity", UNREADABLE, ""),
        (front(name="李娜"), "name", MISMATCH, ""),
        (front(name="张 伟"), "name", MATCH, ""),
        (front(number=OTHER_ID), "id_number", MISMATCH, ""),
        (front(number=OTHER_ID), "checksum", MATCH, ""),  # someone else's, but a real number
        (front(number=OWN_ID[:-1] + ("0" if OWN_ID[-1] != "0" else "1")), "checksum", MISMATCH, ""),
        (front(number=OWN_ID), "id_number", MATCH, ""),
        (Reading("id_front", {"name": "张伟"}, 0.9), "id_number", UNREADABLE, ""),
    ],
)
def test_each_rule_gives_its_outcome(reading, check, outcome, detail):
    expected = reading.kind
    assert outcomes(reading, expected)[check] == (outcome, detail)


@pytest.mark.parametrize(
    ("read_kind", "looks_like", "expected", "outcome", "detail"),
    [
        ("diploma", "", "diploma", MATCH, ""),
        ("id_back", "", "id_front", MISMATCH, "wrong_item"),  # an ID back under 正面
        ("diploma", "", "other", MISMATCH, "wrong_item"),  # a diploma under 学位证书
        ("unknown", "degree", "other", MATCH, ""),  # the degree certificate under 学位证书
        (
            "unknown",
            "student_status_record",
            "chsi_record",
            MISMATCH,
            "looks_like:student_status_record",
        ),
        ("unknown", "", "chsi_record", UNREADABLE, ""),  # another proof: a person looks
    ],
)
def test_the_kind_must_fit_the_item(read_kind, looks_like, expected, outcome, detail):
    reading = Reading(read_kind, {}, 0.9, looks_like)
    assert outcomes(reading, expected)["kind"] == (outcome, detail)


def test_a_checksum_proven_reading_forgives_an_ocr_confusion():
    misread = OWN_ID[:5] + "O" + OWN_ID[6:] if OWN_ID[5] == "0" else OWN_ID.replace("1", "I", 1)
    number, proven = idnumber.proven_reading(misread)
    assert (number, proven) == (OWN_ID, True)


def test_a_confusion_the_checksum_does_not_prove_stays_as_read():
    wrong_digit = OWN_ID[:3] + str((int(OWN_ID[3]) + 1) % 10) + OWN_ID[4:]
    assert idnumber.proven_reading(wrong_digit) == (wrong_digit, False)
    # Letter for digit AND a wrong digit: no correction passes, nothing is forgiven.
    garbled = "O" + wrong_digit[1:] if wrong_digit[0] == "0" else wrong_digit[:17] + "Q"
    assert idnumber.proven_reading(garbled)[1] is False


def test_a_passport_holder_gets_no_id_number_check():
    foreign = Registration(name="张伟", id_number="")
    assert "id_number" not in outcomes(front(), "id_front", foreign)


def test_no_check_refuses_anything_it_only_reports():
    found = cross_check(
        front(name="李娜", number=OTHER_ID),
        expected_kind="id_front",
        registration=ME,
        exam_date=EXAM_DAY,
    )
    assert has_issues(found)
    assert {c.outcome for c in found} <= {MATCH, MISMATCH, UNREADABLE}


def test_the_candidate_reads_what_is_wrong_and_what_to_do():
    expired = {"check": "validity", "outcome": MISMATCH, "detail": "expired"}
    fields = {"valid_from": "2008-03-22", "valid_until": "2018-03-22"}
    assert (
        candidate_message(expired, fields, "id_back")
        == "身份证反面显示有效期至 2018 年 3 月 22 日，已过期，请使用有效证件"
    )
    name = {"check": "name", "outcome": MISMATCH, "detail": ""}
    assert (
        candidate_message(name, {}, "id_front")
        == "照片上的姓名与报名信息不一致，请确认上传的是本人证件"
    )
    student = {"check": "kind", "outcome": MISMATCH, "detail": "looks_like:student_status_record"}
    assert "学籍" in candidate_message(student, {}, "chsi_record")
    assert "教育部学历证书电子注册备案表" in candidate_message(student, {}, "chsi_record")

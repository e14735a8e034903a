"""The cross-check of a reading against the registration and the exam, and how each outcome
is said to the candidate and the reviewer. Plain functions of plain values: no database.

Outcomes per check: `match`, `mismatch` (which field; both values are shown on the pages),
`unreadable` (the field could not be read). Never an automatic refusal: a person decides."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass
from typing import Any

from medexam.precheck import idnumber
from medexam.precheck.reader import Reading

MATCH, MISMATCH, UNREADABLE = "match", "mismatch", "unreadable"
# Expected kind "other": none of the documents the pre-check knows belongs here (学位证书).
OTHER = "other"

KIND_LABELS = {
    "id_front": "身份证正面（人像面）",
    "id_back": "身份证反面（国徽面）",
    "chsi_record": "教育部学历证书电子注册备案表",
    "diploma": "毕业证书",
    "unknown": "无法识别的材料",
}
LOOKS_LIKE_LABELS = {
    "student_status_record": "学信网《教育部学籍在线验证报告》（学籍，不是学历）",
    "degree": "学位证书",
}
FIELD_LABELS = {
    "name": "姓名",
    "id_number": "身份证号码",
    "valid_from": "有效期起始",
    "valid_until": "有效期至",
    "major": "专业",
    "kind": "材料类型",
}


@dataclass(frozen=True)
class Registration:
    """What the candidate registered, as far as the checks compare it."""

    name: str
    id_number: str  # "" when the candidate's ID is not a resident ID card
    major: str = ""


@dataclass(frozen=True)
class Check:
    check: str  # kind / name / id_number / checksum / validity / major
    outcome: str
    # kind: wrong_item / looks_like:<what>; validity: expired / not_yet_valid.
    detail: str = ""

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def cross_check(
    reading: Reading, *, expected_kind: str, registration: Registration, exam_date: dt.date | None
) -> list[Check]:
    checks = [_kind_check(reading, expected_kind)]
    fields = reading.fields
    if reading.kind in ("id_front", "chsi_record", "diploma"):
        checks.append(_name_check(fields.get("name", ""), registration.name))
    if reading.kind in ("id_front", "chsi_record") and registration.id_number:
        number = fields.get("id_number", "")
        if not number:
            checks += [Check("id_number", UNREADABLE), Check("checksum", UNREADABLE)]
        else:
            checks.append(Check("checksum", MATCH if idnumber.is_valid(number) else MISMATCH))
            same = number == registration.id_number.upper()
            checks.append(Check("id_number", MATCH if same else MISMATCH))
    if reading.kind == "id_back":
        checks.append(_validity_check(fields, exam_date))
    if reading.kind == "diploma" and registration.major:
        checks.append(_major_check(fields.get("major", ""), registration.major))
    return checks


def _kind_check(reading: Reading, expected: str) -> Check:
    if expected == OTHER:
        if reading.kind in KIND_LABELS and reading.kind != "unknown":
            return Check("kind", MISMATCH, "wrong_item")
        return Check("kind", MATCH)
    if reading.kind == expected:
        return Check("kind", MATCH)
    if reading.kind == "unknown":
        if reading.looks_like:
            return Check("kind", MISMATCH, f"looks_like:{reading.looks_like}")
        return Check("kind", UNREADABLE)
    return Check("kind", MISMATCH, "wrong_item")


def _name_check(read: str, registered: str) -> Check:
    if not read:
        return Check("name", UNREADABLE)
    return Check("name", MATCH if _flat(read) == _flat(registered) else MISMATCH)


def _major_check(read: str, registered: str) -> Check:
    if not read:
        return Check("major", UNREADABLE)
    a, b = _flat(read).removesuffix("专业"), _flat(registered).removesuffix("专业")
    return Check("major", MATCH if a == b else MISMATCH)


def _validity_check(fields: dict[str, str], exam_date: dt.date | None) -> Check:
    start, until = fields.get("valid_from", ""), fields.get("valid_until", "")
    if not start or not until or exam_date is None:
        return Check("validity", UNREADABLE)
    try:
        if dt.date.fromisoformat(start) > exam_date:
            return Check("validity", MISMATCH, "not_yet_valid")
        if until != "long-term" and dt.date.fromisoformat(until) < exam_date:
            return Check("validity", MISMATCH, "expired")
    except ValueError:
        return Check("validity", UNREADABLE)
    return Check("validity", MATCH)


def has_issues(checks: list[Check] | list[dict[str, Any]]) -> bool:
    return any(_outcome(c) == MISMATCH for c in checks)


def _outcome(check: Check | dict[str, Any]) -> str:
    return check.outcome if isinstance(check, Check) else str(check.get("outcome", ""))


# --- what people read ----------------------------------------------------------------------


def _cn_date(iso: str) -> str:
    day = dt.date.fromisoformat(iso)
    return f"{day.year} 年 {day.month} 月 {day.day} 日"


def candidate_message(check: dict[str, Any], fields: dict[str, Any], expected: str) -> str:
    """One problem, as the candidate reads it on the item: what was seen and what to do."""
    name, detail = check.get("check"), str(check.get("detail", ""))
    if name == "validity" and detail == "expired":
        return f"身份证反面显示有效期至 {_cn_date(fields['valid_until'])}，已过期，请使用有效证件"
    if name == "validity" and detail == "not_yet_valid":
        return (
            f"身份证反面显示有效期自 {_cn_date(fields['valid_from'])} 起，考试时尚未生效，"
            "请确认上传的是正在使用的证件"
        )
    if name == "name":
        return "照片上的姓名与报名信息不一致，请确认上传的是本人证件"
    if name == "id_number":
        return "照片上的身份证号码与报名信息不一致，请确认上传的是本人证件"
    if name == "checksum":
        return "照片上的身份证号码未通过校验（可能拍得不清楚），请确认证件完整、清晰"
    if name == "major":
        return "毕业证书上的专业与报名信息不一致，请确认上传的是与报名相一致的毕业证书"
    if name == "kind" and detail.startswith("looks_like:"):
        what = LOOKS_LIKE_LABELS.get(detail.split(":", 1)[1], "其他材料")
        want = KIND_LABELS.get(expected, "要求的材料")
        return f"这张图片看起来是{what}，这里需要的是{want}，请确认后更换"
    if name == "kind":
        if expected == OTHER:
            return "这张图片看起来不是这一项要求的材料，请确认上传到了正确的位置"
        return f"这里需要的是{KIND_LABELS.get(expected, '要求的材料')}，请确认上传到了正确的位置"
    return "机器预检发现这张图片与报名信息可能不一致，请确认"


def kind_label(kind: str, looks_like: str = "") -> str:
    if kind == "unknown" and looks_like:
        return LOOKS_LIKE_LABELS.get(looks_like, KIND_LABELS["unknown"])
    return KIND_LABELS.get(kind, kind)

"""Reading and validating registration exports (报名数据) before anything is written.

The file format is the one the national registration system exports and provinces edit in
Excel: one header row of Chinese column names (COLUMNS below), one candidate per row. This
module only reads and checks; `medexam.candidates.services.import_candidates` writes.

Every refusal carries a stable code and a Chinese message that says what to fix, with the
file's own line number (the header is line 1), so an operator can fix the file in Excel.
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, cast

from django.db import models
from django.db.models import Field

from medexam.candidates import idcrypto, spreadsheet
from medexam.candidates.models import Candidate, normalise_id_number

# --- The columns -------------------------------------------------------------------------
# header -> model field. Required columns must exist and be filled in on every row; the
# optional profile columns may be left out of a file entirely, and then an update leaves the
# candidate's stored value alone (a partial export never wipes what an earlier one set).
REQUIRED_COLUMNS = {
    "报名号": "registration_no",
    "姓名": "name",
    "证件类型": "id_type",
    "证件号码": "id_number",
    "手机号码": "phone",
    "报考类别": "exam_category",
    "考点": "exam_site",
}
PROFILE_COLUMNS = {
    "现役军人或部队文职人员": "military",
    "资格审核通过年份": "passed_review_years",
    "最高学历": "education_level",
    "学历类型": "education_type",
    "毕业时间": "graduation_date",
    "学历可在学信网认证": "chsi_verifiable",
    "在校或应届研究生": "postgraduate_in_school",
    "应届毕业生": "graduating_this_year",
    "助理升执业": "assistant_upgrade",
    "加试": "extra_exam",
    "居民类别": "residency",
    "试用机构无报考类别诊疗科目": "institution_lacks_subject",
    "所学专业": "major",
    "试用机构": "trial_institution",
    "试用期": "trial_segments",
}
COLUMNS = {**REQUIRED_COLUMNS, **PROFILE_COLUMNS}
FIELD_LABELS = {value: key for key, value in COLUMNS.items()}

BOOLEAN_FIELDS = {
    "military",
    "chsi_verifiable",
    "postgraduate_in_school",
    "graduating_this_year",
    "assistant_upgrade",
    "institution_lacks_subject",
}
_TRUE = {"是", "y", "yes", "true", "1", "√"}
_FALSE = {"否", "n", "no", "false", "0", ""}

# Enumerations: the Chinese label (as the model's choices say it) or the code both work.
ENUMS: dict[str, type[models.TextChoices]] = {
    "id_type": Candidate.IdType,
    "education_level": Candidate.EducationLevel,
    "education_type": Candidate.EducationType,
    "extra_exam": Candidate.ExtraExam,
    "residency": Candidate.Residency,
}
# Common spellings the registration system's exports use besides our own labels.
ENUM_ALIASES = {
    "id_type": {
        "身份证": "resident_id",
        "居民身份证号": "resident_id",
        "港澳通行证": "hk_macau_permit",
        "台胞证": "taiwan_permit",
        "军官证": "military_id",
        "文职干部证": "military_id",
    },
    "education_level": {
        "中专": "secondary_vocational",
        "中职": "secondary_vocational",
        "研究生": "master",
        "无学历": "none",
    },
    "extra_exam": {
        "无": "",
        "否": "",
        "院前急救加试": "prehospital_emergency",
        "儿科加试": "pediatrics",
    },
    "residency": {
        "内地": "mainland",
        "大陆": "mainland",
        "香港": "hong_kong",
        "澳门": "macau",
        "台湾": "taiwan",
        "外籍": "foreign",
        "外国籍": "foreign",
    },
    "education_type": {"成人": "adult", "成教": "adult", "统招": "full_time"},
}
# label / alias / code -> code, and the allowed labels for messages; built once, because
# TextChoices.choices rebuilds its list on every access (measurable at 100,000 rows).
ENUM_LOOKUP: dict[str, dict[str, str]] = {}
ENUM_ALLOWED: dict[str, str] = {}
for _name, _choices in ENUMS.items():
    _lookup = {value: value for value in _choices.values}
    _lookup.update(ENUM_ALIASES.get(_name, {}))
    _lookup.update({str(label): value for value, label in _choices.choices})
    ENUM_LOOKUP[_name] = _lookup
    ENUM_ALLOWED[_name] = "、".join(str(label) for label in _choices.labels)
MAX_LENGTH: dict[str, int] = {
    name: int(cast(Field, Candidate._meta.get_field(name)).max_length or 0)
    for name in ("registration_no", "name", "exam_category", "major", "trial_institution")
}
DEFAULTS = {
    name: cast(Field, Candidate._meta.get_field(name)).get_default()
    for name in ("education_level", "education_type", "residency", "extra_exam")
}
TRIAL_STATUS = {
    "已完成": "completed",
    "completed": "completed",
    "待完成": "pledged",
    "承诺": "pledged",
    "pledged": "pledged",
}

MAX_ROWS = spreadsheet.MAX_DATA_ROWS


# --- Identity documents -----------------------------------------------------------------
_GB11643_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_GB11643_CHECK = "10X98765432"
_RESIDENT_ID = re.compile(r"^[1-9]\d{16}[\dX]$")
_ID_FORMATS = {
    # 护照: letters and digits, 5-17 characters (foreign passports vary; Chinese ones are 9).
    "passport": (re.compile(r"^[A-Z0-9]{5,17}$"), "护照号码应为 5-17 位字母或数字"),
    # 港澳居民来往内地通行证 (回乡证): H or M, then 8 or 10 digits.
    "hk_macau_permit": (
        re.compile(r"^[HM]\d{8}(\d{2})?$"),
        "港澳居民来往内地通行证号码应为 H 或 M 开头，后接 8 位或 10 位数字",
    ),
    # 台湾居民来往大陆通行证 (台胞证): 8 digits (10 for older cards).
    "taiwan_permit": (
        re.compile(r"^\d{8}(\d{2})?$"),
        "台湾居民来往大陆通行证号码应为 8 位或 10 位数字",
    ),
    # 军官证/文职干部证: no published format; a word prefix and digits, 4-20 characters.
    "military_id": (
        re.compile(r"^[\u4e00-\u9fa5A-Z0-9]{4,20}$"),
        "军官证/文职干部证号码应为 4-20 位汉字、字母或数字",
    ),
}


def gb11643_check_char(first17: str) -> str:
    total = sum(
        int(digit) * weight for digit, weight in zip(first17, _GB11643_WEIGHTS, strict=True)
    )
    return _GB11643_CHECK[total % 11]


def resident_id_problem(value: str, *, today: dt.date | None = None) -> str | None:
    """Why an 18-character resident ID number (GB 11643-1999) is wrong, or None."""
    if not _RESIDENT_ID.match(value):
        return "居民身份证号码应为 18 位：前 17 位数字，最后一位为数字或 X"
    try:
        born = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return "居民身份证号码第 7-14 位不是有效的出生日期，请核对证件"
    if born > (today or dt.date.today()) or born.year < 1900:
        return "居民身份证号码中的出生日期不合理，请核对证件"
    if gb11643_check_char(value[:17]) != value[17]:
        return "居民身份证号码校验位不符（最后一位与前 17 位不匹配），请逐位核对证件号码"
    return None


# --- Results ----------------------------------------------------------------------------
@dataclass(frozen=True)
class RowError:
    line: int  # the file's line (header = 1); 0 for problems of the whole file
    column: str  # the Chinese header, or "" for the whole row
    code: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "column": self.column,
            "code": self.code,
            "message": self.message,
        }

    def __str__(self) -> str:
        where = f"第 {self.line} 行" if self.line else "文件"
        column = f"「{self.column}」" if self.column else ""
        return f"{where}{column}：{self.message}"


@dataclass
class ParsedRow:
    line: int
    values: dict[str, Any]  # model field -> clean value; exam_site is an ExamSite pk
    errors: list[RowError] = field(default_factory=list)

    @cached_property
    def id_hmac(self) -> str:
        """The keyed hash of values["id_number"] (idcrypto.id_hmac), computed once per row
        (the import matches, compares and writes by it) and kept beside the values, never
        among them: values are what is compared with, written to and shown of the
        candidate."""
        return idcrypto.id_hmac(self.values["id_number"])


class ImportFileError(Exception):
    """The file as a whole cannot be read: nothing in it is imported."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


# --- Reading ----------------------------------------------------------------------------
# The file is read by medexam.candidates.spreadsheet (size checks, a reader process with
# limits, streaming); this module validates what comes out of it.
SPREADSHEET_SUFFIXES = spreadsheet.SPREADSHEET_SUFFIXES


# --- Validation -------------------------------------------------------------------------
class RowValidator:
    """Checks one row at a time against the exam's sites and the file's earlier rows."""

    def __init__(self, *, exam, header: list[Any]):
        self.exam = exam
        self.sites = site_lookup(exam)
        self.columns = self._map_header(header)
        self.present = set(self.columns.values())
        self.present_booleans = sorted(self.present & BOOLEAN_FIELDS)
        self.present_enums = [
            name
            for name in ("education_level", "education_type", "residency", "extra_exam")
            if name in self.present
        ]
        self.present_texts = [n for n in ("major", "trial_institution") if n in self.present]
        self.seen_registration: dict[str, int] = {}
        self.seen_id: dict[tuple[str, str], int] = {}
        self.today = dt.date.today()

    @staticmethod
    def _map_header(header: list[Any]) -> dict[int, str]:
        columns: dict[int, str] = {}
        seen: set[str] = set()
        for index, raw in enumerate(header):
            title = _text(raw)
            if not title:
                continue
            if title in seen:
                raise ImportFileError(
                    "duplicate_column", f"表头中「{title}」出现了不止一次，请删除重复的列后再导入。"
                )
            seen.add(title)
            if title in COLUMNS:
                columns[index] = COLUMNS[title]
        missing = [title for title in REQUIRED_COLUMNS if title not in seen]
        if missing:
            raise ImportFileError(
                "missing_column",
                "第 1 行表头缺少必需的列："
                + "、".join(f"「{m}」" for m in missing)
                + "。请使用导入模板的列名（第 1 行为表头）。",
            )
        return columns

    def validate(self, line: int, cells: list[Any]) -> ParsedRow:
        row = ParsedRow(line=line, values={})
        raw: dict[str, Any] = {}
        width = len(cells)
        for index, name in self.columns.items():
            raw[name] = cells[index] if index < width else None
        # Each cell's text, read once (a row's cells are looked at several times each).
        text_of = {name: _text(value) for name, value in raw.items()}

        def fail(name: str, code: str, message: str) -> None:
            row.errors.append(RowError(line, FIELD_LABELS.get(name, ""), code, message))

        for name in REQUIRED_COLUMNS.values():
            if text_of.get(name, "") == "":
                fail(name, "required", f"「{FIELD_LABELS[name]}」不能为空，请填写。")

        values = row.values
        for name in ("registration_no", "name", "exam_category"):
            text = text_of.get(name, "")
            if text:
                limit = MAX_LENGTH[name]
                if len(text) > limit:
                    fail(
                        name,
                        "too_long",
                        f"「{FIELD_LABELS[name]}」最多 {limit} 个字，请检查是否填错了列。",
                    )
                values[name] = text

        # Identity document
        id_type = self._enum(text_of, "id_type", fail)
        raw_id = raw.get("id_number")
        if isinstance(raw_id, float):
            fail(
                "id_number",
                "id_number_as_number",
                "证件号码被 Excel 存成了数字，末几位可能已经丢失。请将该列设置为“文本”格式，重新填写后再导入。",
            )
        id_number = normalise_id_number(text_of.get("id_number", ""))
        if id_number and id_type and not isinstance(raw_id, float):
            if id_type == Candidate.IdType.RESIDENT_ID:
                problem = resident_id_problem(id_number, today=self.today)
                if problem:
                    fail("id_number", "id_number_invalid", problem + "。")
            else:
                pattern, hint = _ID_FORMATS[id_type]
                if not pattern.match(id_number):
                    fail("id_number", "id_number_format", f"证件号码格式不对：{hint}。")
        if id_number:
            values["id_number"] = id_number
        if id_type:
            values["id_type"] = id_type

        phone = _PHONE_NOISE.sub("", text_of.get("phone", ""))
        if phone.startswith("+86"):
            phone = phone[3:]
        if phone:
            if not _PHONE.fullmatch(phone):
                fail(
                    "phone",
                    "phone_invalid",
                    "手机号码应为 11 位中国大陆手机号（1 开头），用于接收验证码，请核对。",
                )
            values["phone"] = phone

        site_text = text_of.get("exam_site", "")
        site = site_key(site_text)
        if site:
            if site in self.sites:
                values["exam_site"] = self.sites[site]
            else:
                fail(
                    "exam_site",
                    "unknown_exam_site",
                    f"考点「{site_text}」不是本次考试的考点，请填写考点代码或名称（如 {self._site_example()}）。",
                )

        self._profile(raw, text_of, values, fail)

        # Duplicates inside the file: the second row is the wrong one to import.
        reg = values.get("registration_no")
        if reg:
            if reg in self.seen_registration:
                fail(
                    "registration_no",
                    "duplicate_registration_no",
                    f"报名号与第 {self.seen_registration[reg]} 行重复，每位考生只能出现一次。",
                )
            else:
                self.seen_registration[reg] = line
        if id_type and id_number:
            key = (id_type, id_number)
            if key in self.seen_id:
                fail(
                    "id_number",
                    "duplicate_id_number",
                    f"证件号码与第 {self.seen_id[key]} 行重复，每位考生只能出现一次。",
                )
            else:
                self.seen_id[key] = line
        return row

    def _site_example(self) -> str:
        site = self.exam.sites.first()
        return f"{site.code} 或 {site.name}" if site else "考点代码"

    def _enum(self, text_of, name, fail) -> str | None:
        text = text_of.get(name, "")
        if text == "":
            return "" if name == "extra_exam" else None
        lookup = ENUM_LOOKUP[name]
        value = lookup.get(text)
        if value is None:
            value = lookup.get(text.lower())
        if value is not None:
            return value
        fail(
            name,
            "invalid_choice",
            f"「{text}」不是有效的{FIELD_LABELS[name]}，可填：{ENUM_ALLOWED[name]}。",
        )
        return None

    def _profile(self, raw, text_of, values, fail) -> None:
        for name in self.present_booleans:
            text = text_of.get(name, "").lower()
            if text in _TRUE:
                values[name] = True
            elif text in _FALSE:
                values[name] = False
            else:
                fail(
                    name,
                    "invalid_boolean",
                    f"「{FIELD_LABELS[name]}」只能填“是”或“否”（留空视为“否”）。",
                )
        for name in self.present_enums:
            value = self._enum(text_of, name, fail)
            if value is None and text_of.get(name, "") == "":
                value = DEFAULTS[name]
            if value is not None:
                values[name] = value
        for name in self.present_texts:
            text = text_of.get(name, "")
            limit = MAX_LENGTH[name]
            if len(text) > limit:
                fail(name, "too_long", f"「{FIELD_LABELS[name]}」最多 {limit} 个字。")
            values[name] = text
        if "graduation_date" in self.present:
            cell = raw.get("graduation_date")
            if text_of.get("graduation_date", "") == "":
                values["graduation_date"] = None
            else:
                date = _date(cell)
                if date is None:
                    fail(
                        "graduation_date",
                        "invalid_date",
                        f"毕业时间「{text_of['graduation_date']}」不是有效日期，请写成 2020-07-01 这样的格式。",
                    )
                elif date.year < 1940 or date > dt.date(self.exam.year, 12, 31):
                    fail(
                        "graduation_date",
                        "date_out_of_range",
                        f"毕业时间 {date.isoformat()} 不合理（不能晚于 {self.exam.year} 年底），请核对。",
                    )
                else:
                    values["graduation_date"] = date
        if "passed_review_years" in self.present:
            years = []
            for part in _YEARS_SPLIT.split(text_of.get("passed_review_years", "")):
                if not part:
                    continue
                if not _YEAR.fullmatch(part) or not (2000 <= int(part) < self.exam.year):
                    fail(
                        "passed_review_years",
                        "invalid_year",
                        f"资格审核通过年份「{part}」无效：应为 {self.exam.year} 年之前的四位年份，多个年份用逗号分隔（如 2020,2021）。",
                    )
                    break
                years.append(int(part))
            else:
                values["passed_review_years"] = sorted(set(years))
        if "trial_segments" in self.present:
            segments = _trial_segments(text_of.get("trial_segments", ""))
            if isinstance(segments, str):
                fail("trial_segments", "invalid_trial_segment", segments)
            else:
                values["trial_segments"] = segments


def _trial_segments(text: str) -> list[dict[str, str]] | str:
    """`2021-08-01~2022-01-20 已完成 [机构名称]`, several separated by ; or a new line.
    Returns the segments, or the Chinese reason the text is wrong."""
    segments = []
    for part in _SEGMENT_SPLIT.split(text):
        part = part.strip()
        if not part:
            continue
        match = _TRIAL.fullmatch(part)
        if not match:
            return (
                f"试用期「{part}」格式不对，应写成“2021-08-01~2022-01-20 已完成 试用机构名称”，"
                "多段之间用分号隔开。"
            )
        start, end = _date(match.group(1)), _date(match.group(2))
        status = TRIAL_STATUS.get(match.group(3))
        if start is None or end is None:
            return f"试用期「{part}」中的日期无效，请核对。"
        if start >= end:
            return f"试用期「{part}」的开始日期必须早于结束日期。"
        if status is None:
            return f"试用期「{part}」的状态只能是“已完成”或“待完成”。"
        segments.append(
            {
                "institution": (match.group(4) or "").strip(),
                "start": start.isoformat(),
                "end": end.isoformat(),
                "status": status,
            }
        )
    return segments


def _text(value: Any) -> str:
    if type(value) is str:  # most cells: the CSV reader gives nothing else
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


_DATE = re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?")
_TRIAL = re.compile(
    r"(\d{4}[-/.]\d{1,2}[-/.]\d{1,2})\s*[~～至-]\s*(\d{4}[-/.]\d{1,2}[-/.]\d{1,2})"
    r"\s+(\S+)(?:\s+(.+))?"
)
_SEGMENT_SPLIT = re.compile(r"[;；\n]+")
_YEARS_SPLIT = re.compile(r"[,，、;；\s]+")
_YEAR = re.compile(r"\d{4}")
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
_PHONE = re.compile(r"1[3-9]\d{9}")
_PHONE_NOISE = re.compile(r"[\s-]")


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _text(value)
    if len(text) == 10 and _ISO_DAY.fullmatch(text):
        # 2020-07-01, the form nearly every cell has: the C parser (the same answer as the
        # pattern below for exactly these digits; an impossible day is None either way).
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            return None
    match = _DATE.fullmatch(text)
    if not match:
        return None
    try:
        return dt.date(*(int(group) for group in match.groups()))
    except ValueError:
        return None


@lru_cache(maxsize=1024)  # a file spells its sites a handful of ways, on every row
def site_key(text: str) -> str:
    """The form site names are compared in: full-width letters and digits folded (NFKC),
    spaces dropped, upper case."""
    return "".join(unicodedata.normalize("NFKC", text).split()).upper()


def site_lookup(exam) -> dict[str, int]:
    """Every spelling of every site of the exam -> its pk: the code, the name and the aliases
    the exam data file declares (`sites[].aliases`, e.g. 沈阳 / 沈阳市考点)."""
    declared = {site["code"]: site.get("aliases", []) for site in exam.rules.get("sites", [])}
    lookup: dict[str, int] = {}
    for site in exam.sites.all():
        for spelling in [site.code, site.name, *declared.get(site.code, [])]:
            lookup[site_key(spelling)] = site.pk
    return lookup


Progress = Callable[[int, int, int], None]  # (lines read, lines expected or 0, problems)


def parse_file(
    *,
    exam,
    filename: str,
    data: bytes | None = None,
    path: Path | None = None,
    progress: Progress | None = None,
) -> list[ParsedRow]:
    """Reads and validates a whole file (given as `path`, or as `data` in memory). Raises
    ImportFileError when the file itself is unusable; otherwise every row comes back, with its
    errors (possibly none). `progress(lines, total, problems)` is called as it goes."""
    if path is None:
        with tempfile.TemporaryDirectory(prefix="medexam-import-") as folder:
            path = Path(folder) / ("upload" + Path(filename.lower()).suffix)
            path.write_bytes(data or b"")
            return parse_file(exam=exam, filename=filename, path=path, progress=progress)
    try:
        total = spreadsheet.count_lines(path, filename)
        return _parse_lines(
            exam=exam, lines=spreadsheet.iter_rows(path, filename), total=total, progress=progress
        )
    except spreadsheet.SpreadsheetRefused as exc:
        raise ImportFileError(exc.code, exc.message) from exc


def _parse_lines(*, exam, lines, total: int, progress: Progress | None) -> list[ParsedRow]:
    header: list[Any] | None = None
    validator: RowValidator | None = None
    rows: list[ParsedRow] = []
    problems = 0
    for line, cells in lines:
        if all(_text(cell) == "" for cell in cells):
            continue  # Excel leaves formatted empty rows behind
        if validator is None:
            header = cells
            validator = RowValidator(exam=exam, header=header)
            continue
        if len(rows) >= MAX_ROWS:
            raise ImportFileError(
                "too_many_rows", f"文件超过 {MAX_ROWS} 行，请确认选择了正确的文件，或分批导入。"
            )
        row = validator.validate(line, cells)
        problems += bool(row.errors)
        rows.append(row)
        if progress is not None and len(rows) % 500 == 0:
            progress(line, total, problems)
    if validator is None:
        raise ImportFileError(
            "empty_file", "文件是空的：第 1 行应为表头，从第 2 行起每行一位考生。"
        )
    if not rows:
        raise ImportFileError("no_rows", "文件只有表头，没有考生数据。")
    if progress is not None:
        progress(total or len(rows) + 1, total or len(rows) + 1, problems)
    return rows


def template_headers() -> list[str]:
    return list(COLUMNS)

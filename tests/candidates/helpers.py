"""Building registration files and an exam for import tests (shared by tests/accounts and
tests/api). Data is made up; resident ID numbers get a correct GB 11643 check character."""

import csv
import io

from openpyxl import Workbook

from medexam.candidates.importing import gb11643_check_char
from medexam.rules.models import Exam, ExamSite

HEADER = [
    "报名号",
    "姓名",
    "证件类型",
    "证件号码",
    "手机号码",
    "报考类别",
    "考点",
    "现役军人或部队文职人员",
    "资格审核通过年份",
    "最高学历",
    "学历类型",
    "毕业时间",
    "学历可在学信网认证",
    "应届毕业生",
    "加试",
    "居民类别",
    "所学专业",
    "试用期",
]


def resident_id(serial: int, born: str = "19950712") -> str:
    first17 = f"210102{born}{serial % 1000:03d}"
    return first17 + gb11643_check_char(first17)


def make_exam(slug: str = "import-test-2022", province: str = "liaoning") -> Exam:
    exam = Exam.objects.create(
        slug=slug,
        year=2022,
        province=province,
        province_name="辽宁省",
        title="测试考试",
        rules_version="test",
        rules_sha256="0" * 64,
        rules={
            "sites": [
                {"code": "2101", "name": "沈阳市", "aliases": ["沈阳", "沈阳市考点"]},
                {"code": "2102", "name": "大连市", "aliases": ["大连", "大连市考点"]},
            ]
        },
    )
    ExamSite.objects.create(exam=exam, code="2101", name="沈阳市")
    ExamSite.objects.create(exam=exam, code="2102", name="大连市")
    return exam


def row(n: int = 1, **overrides) -> dict:
    values = {
        "报名号": f"22210{n:06d}",
        "姓名": f"考生{n}",
        "证件类型": "居民身份证",
        "证件号码": resident_id(n),
        "手机号码": f"138{n:08d}",
        "报考类别": "临床执业医师",
        "考点": "沈阳市",
        "现役军人或部队文职人员": "否",
        "资格审核通过年份": "",
        "最高学历": "本科",
        "学历类型": "全日制",
        "毕业时间": "2021-07-01",
        "学历可在学信网认证": "是",
        "应届毕业生": "否",
        "加试": "",
        "居民类别": "内地居民",
        "所学专业": "临床医学",
        "试用期": "2021-08-01~2022-01-20 已完成 沈阳市第一医院; 2022-01-20~2022-08-01 待完成",
    }
    values.update(overrides)
    return values


def csv_bytes(rows: list[dict], header: list[str] = HEADER, encoding: str = "utf-8") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for values in rows:
        writer.writerow([values.get(h, "") for h in header])
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows: list[dict], header: list[str] = HEADER) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for values in rows:
        sheet.append([values.get(h, "") for h in header])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()

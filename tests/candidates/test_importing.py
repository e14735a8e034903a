import datetime as dt

import pytest

from medexam.accounts.models import User
from medexam.audit.models import AuditEntry
from medexam.candidates.importing import gb11643_check_char, resident_id_problem
from medexam.candidates.models import Candidate, ImportRun
from medexam.candidates.services import import_candidates
from medexam.materials.models import Application
from tests.candidates.helpers import HEADER, csv_bytes, resident_id, row, xlsx_bytes

pytestmark = pytest.mark.django_db


def run(exam, rows, *, fmt="csv", **kwargs):
    data = csv_bytes(rows) if fmt == "csv" else xlsx_bytes(rows)
    return import_candidates(exam=exam, data=data, filename=f"报名.{fmt}", **kwargs)


def test_gb11643_check_character_matches_published_example():
    # The standard's own example number 11010519491231002X.
    assert gb11643_check_char("11010519491231002") == "X"
    assert resident_id_problem("11010519491231002X") is None
    assert "校验位" in resident_id_problem("110105194912310021")


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_it_imports_candidates_with_accounts_and_draft_applications(import_exam, fmt):
    report = run(import_exam, [row(1), row(2, 考点="2102", 加试="儿科")], fmt=fmt)

    assert (report.applied, report.created, report.errors) == (True, 2, [])
    first = Candidate.objects.get(registration_no="22210000001")
    assert first.exam_site.name == "沈阳市"
    assert first.id_number == resident_id(1)
    assert first.graduation_date == dt.date(2021, 7, 1)
    assert first.chsi_verifiable is True
    assert first.trial_segments == [
        {
            "institution": "沈阳市第一医院",
            "start": "2021-08-01",
            "end": "2022-01-20",
            "status": "completed",
        },
        {"institution": "", "start": "2022-01-20", "end": "2022-08-01", "status": "pledged"},
    ]
    assert Candidate.objects.get(registration_no="22210000002").extra_exam == "pediatrics"
    user = first.user
    assert user.role == User.Role.CANDIDATE
    assert user.username.startswith("c-") and resident_id(1) not in user.username
    assert not user.has_usable_password()
    assert first.application.state == Application.State.DRAFT


def test_every_row_gets_its_own_account_and_application(import_exam):
    # The rows are written table by table (on PostgreSQL with keys drawn beforehand, on
    # SQLite read back): a shifted key would give one candidate another's account or site.
    rows = [row(n, 考点="沈阳市" if n % 3 else "大连市") for n in range(1, 41)]
    report = run(import_exam, rows)

    assert report.created == 40
    for candidate in Candidate.objects.select_related("user", "application", "exam_site"):
        n = int(candidate.registration_no[-6:])
        assert candidate.name == f"考生{n}" and candidate.id_number == resident_id(n)
        assert candidate.user.display_name == candidate.name
        assert candidate.exam_site.name == ("沈阳市" if n % 3 else "大连市")
        assert candidate.application.exam_site_id == candidate.exam_site_id
    assert User.objects.filter(role=User.Role.CANDIDATE).count() == 40
    # Later rows take keys after the import's (the sequence moved on).
    later = Candidate.objects.get(registration_no="22210000040")
    later.pk = None
    later.registration_no, later.id_number = "22219999999", resident_id(999)
    later.user = User.objects.create(username="c-later")
    later.save()


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("2021-07-01", dt.date(2021, 7, 1)),
        ("2021/7/1", dt.date(2021, 7, 1)),
        ("2021.07.01", dt.date(2021, 7, 1)),
        ("2021年7月1日", dt.date(2021, 7, 1)),
        (" 2020-02-29 ", dt.date(2020, 2, 29)),
        ("２０２１-０７-０１", dt.date(2021, 7, 1)),  # full-width digits, as typed in Excel
    ],
)
def test_graduation_dates_in_the_forms_people_write_them(import_exam, written, read):
    assert run(import_exam, [row(1, 毕业时间=written)]).errors == []
    assert Candidate.objects.get().graduation_date == read


@pytest.mark.parametrize("written", ["2021-13-01", "2019-02-29", "20210701", "2021-7-1x"])
def test_impossible_or_unreadable_dates_are_refused(import_exam, written):
    report = run(import_exam, [row(1, 毕业时间=written)])
    assert [e.code for e in report.errors] == ["invalid_date"]


def test_xlsx_cells_typed_as_numbers_and_dates_are_read(import_exam):
    report = run(
        import_exam,
        [
            row(
                1,
                手机号码=13800000001,
                毕业时间=dt.datetime(2020, 6, 30),
                资格审核通过年份=2021,
                考点=2101,
            )
        ],
        fmt="xlsx",
    )
    assert report.errors == []
    candidate = Candidate.objects.get()
    assert (candidate.phone, candidate.graduation_date, candidate.passed_review_years) == (
        "13800000001",
        dt.date(2020, 6, 30),
        [2021],
    )


def test_id_number_stored_as_excel_number_is_refused_not_truncated(import_exam):
    report = run(import_exam, [row(1, 证件号码=210102199507120010.0)], fmt="xlsx")
    assert [e.code for e in report.errors] == ["id_number_as_number"]
    assert Candidate.objects.count() == 0


def test_gbk_encoded_csv_from_chinese_excel_is_read(import_exam):
    data = csv_bytes([row(1)], encoding="gb18030")
    report = import_candidates(exam=import_exam, data=data, filename="a.csv")
    assert report.errors == []
    assert Candidate.objects.get().name == "考生1"


BAD = [
    (
        {"证件号码": resident_id(1)[:-1] + ("0" if resident_id(1)[-1] != "0" else "1")},
        "证件号码",
        "id_number_invalid",
        "校验位",
    ),
    ({"证件号码": "21010219951332001X"}, "证件号码", "id_number_invalid", "出生日期"),
    ({"证件号码": "2101021995"}, "证件号码", "id_number_invalid", "18 位"),
    ({"证件类型": "护照", "证件号码": "E12-345"}, "证件号码", "id_number_format", "护照"),
    (
        {"证件类型": "港澳居民来往内地通行证", "证件号码": "X1234567"},
        "证件号码",
        "id_number_format",
        "H 或 M",
    ),
    (
        {"证件类型": "台湾居民来往大陆通行证", "证件号码": "1234"},
        "证件号码",
        "id_number_format",
        "8 位",
    ),
    ({"证件类型": "驾驶证"}, "证件类型", "invalid_choice", "居民身份证"),
    ({"手机号码": "0245566778"}, "手机号码", "phone_invalid", "11 位"),
    ({"姓名": ""}, "姓名", "required", "不能为空"),
    ({"报名号": ""}, "报名号", "required", "不能为空"),
    ({"考点": "北京市"}, "考点", "unknown_exam_site", "不是本次考试的考点"),
    ({"毕业时间": "2021-02-30"}, "毕业时间", "invalid_date", "不是有效日期"),
    ({"毕业时间": "2031-07-01"}, "毕业时间", "date_out_of_range", "不合理"),
    ({"最高学历": "小学"}, "最高学历", "invalid_choice", "本科"),
    ({"学历类型": "函授班"}, "学历类型", "invalid_choice", "成人教育"),
    ({"居民类别": "火星"}, "居民类别", "invalid_choice", "香港居民"),
    ({"加试": "外科"}, "加试", "invalid_choice", "儿科"),
    ({"现役军人或部队文职人员": "可能"}, "现役军人或部队文职人员", "invalid_boolean", "是"),
    ({"资格审核通过年份": "2022"}, "资格审核通过年份", "invalid_year", "2022 年之前"),
    ({"试用期": "2021年8月起一年"}, "试用期", "invalid_trial_segment", "格式不对"),
    ({"试用期": "2022-01-20~2021-08-01 已完成"}, "试用期", "invalid_trial_segment", "早于"),
    ({"试用期": "2021-08-01~2022-01-20 进行中"}, "试用期", "invalid_trial_segment", "已完成"),
]


@pytest.mark.parametrize(("override", "column", "code", "words"), BAD)
def test_every_bad_value_is_reported_with_line_column_and_reason(
    import_exam, override, column, code, words
):
    report = run(import_exam, [row(1), row(2, **override), row(3)])

    assert [(e.line, e.column, e.code) for e in report.errors] == [(3, column, code)]
    assert words in report.errors[0].message
    assert report.applied is False
    assert Candidate.objects.count() == 0 and User.objects.count() == 0


def test_duplicates_inside_the_file_name_the_first_line(import_exam):
    report = run(
        import_exam, [row(1), row(2, 报名号="22210000001"), row(3, 证件号码=resident_id(1))]
    )
    assert [(e.line, e.code) for e in report.errors] == [
        (3, "duplicate_registration_no"),
        (4, "duplicate_id_number"),
    ]
    assert "第 2 行" in report.errors[0].message


def test_missing_column_refuses_the_whole_file(import_exam):
    data = csv_bytes([row(1)], header=[h for h in HEADER if h != "手机号码"])
    report = import_candidates(exam=import_exam, data=data, filename="a.csv")
    assert [(e.line, e.code) for e in report.errors] == [(0, "missing_column")]
    assert "「手机号码」" in report.errors[0].message
    assert Candidate.objects.count() == 0


def test_wrong_file_type_is_refused_in_chinese(import_exam):
    report = import_candidates(exam=import_exam, data=b"%PDF-1.4", filename="a.pdf")
    assert report.errors[0].code == "file_type" and ".xlsx" in report.errors[0].message
    report = import_candidates(exam=import_exam, data=b"not a zip", filename="a.xlsx")
    assert report.errors[0].code == "bad_xlsx"


def test_all_or_nothing_unless_good_rows_only_is_asked_for(import_exam):
    rows = [row(1), row(2, 手机号码="123"), row(3)]
    refused = run(import_exam, rows)
    assert refused.applied is False and refused.bad_lines == [3]
    assert "未导入任何数据" in refused.summary()
    assert Candidate.objects.count() == 0

    partial = run(import_exam, rows, good_only=True)
    assert partial.applied is True and partial.created == 2 and partial.bad_lines == [3]
    assert sorted(Candidate.objects.values_list("registration_no", flat=True)) == [
        "22210000001",
        "22210000003",
    ]


def test_dry_run_reports_but_writes_nothing(import_exam):
    report = run(import_exam, [row(1), row(2)], dry_run=True)
    assert (report.created, report.applied) == (2, False)
    assert "未写入任何数据" in report.summary()
    assert Candidate.objects.count() == 0 and Application.objects.count() == 0


def test_reimporting_the_same_file_changes_nothing(import_exam):
    rows = [row(1), row(2)]
    run(import_exam, rows, fmt="xlsx")
    before = list(Candidate.objects.order_by("pk").values())
    users = User.objects.count()

    again = run(import_exam, rows, fmt="xlsx")

    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert list(Candidate.objects.order_by("pk").values()) == before
    assert User.objects.count() == users and Application.objects.count() == 2
    assert not AuditEntry.objects.filter(action="candidate.updated").exists()


def test_an_updated_row_updates_the_candidate_and_records_what_changed(import_exam):
    run(import_exam, [row(1), row(2)])
    candidate = Candidate.objects.get(registration_no="22210000001")

    report = run(
        import_exam, [row(1, 手机号码="13912345678", 考点="大连市", 姓名="新名字"), row(2)]
    )

    assert (report.created, report.updated, report.unchanged) == (0, 1, 1)
    candidate.refresh_from_db()
    assert (candidate.phone, candidate.exam_site.name, candidate.name) == (
        "13912345678",
        "大连市",
        "新名字",
    )
    assert candidate.user.display_name == "新名字"
    entry = AuditEntry.objects.get(action="candidate.updated")
    assert entry.application == candidate.application
    assert entry.data["changes"] == {
        "姓名": ["考生1", "新名字"],
        "手机号码": ["138****0001", "139****5678"],
        "考点": ["沈阳市", "大连市"],
    }
    assert ImportRun.objects.filter(applied=True).count() == 2


def test_an_id_number_already_held_by_another_registration_is_refused(import_exam):
    run(import_exam, [row(1)])
    report = run(import_exam, [row(5, 证件号码=resident_id(1))])
    assert [e.code for e in report.errors] == ["id_number_taken"]
    assert "22210000001" in report.errors[0].message
    assert Candidate.objects.count() == 1


def test_columns_missing_from_a_later_file_keep_their_values(import_exam):
    run(import_exam, [row(1, 应届毕业生="是")])
    short_header = HEADER[:7]
    data = csv_bytes([row(1)], header=short_header)
    report = import_candidates(exam=import_exam, data=data, filename="a.csv")
    assert report.unchanged == 1
    assert Candidate.objects.get().graduating_this_year is True


def test_excel_line_numbers_survive_blank_rows_above_the_header(import_exam):
    from io import BytesIO

    from openpyxl import Workbook

    from tests.candidates.helpers import HEADER

    book = Workbook()
    sheet = book.active
    sheet.append([])
    sheet.append([])
    sheet.append(HEADER)
    sheet.append([row(1).get(h, "") for h in HEADER])
    sheet.append([row(2, 手机号码="1").get(h, "") for h in HEADER])
    out = BytesIO()
    book.save(out)
    report = import_candidates(exam=import_exam, data=out.getvalue(), filename="a.xlsx")
    assert [(e.line, e.code) for e in report.errors] == [(5, "phone_invalid")]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_sites_written_the_short_way_import(import_exam, fmt):
    """A registration-system export names sites 沈阳 / 沈阳市考点 / the code; the exam data file
    declares those aliases, and full-width letters or stray spaces do not matter."""
    spellings = [
        "沈阳",
        "沈阳市考点",
        "沈阳市",
        "2101",
        " 沈 阳 ",
        "２１０１",
        "大连",
        "大连市考点",
    ]
    rows = [row(n, 考点=spelling) for n, spelling in enumerate(spellings, start=1)]
    report = run(import_exam, rows, fmt=fmt)
    assert report.applied and report.created == len(spellings), report.errors
    codes = list(
        Candidate.objects.order_by("registration_no").values_list("exam_site__code", flat=True)
    )
    assert codes == ["2101"] * 6 + ["2102"] * 2


def test_a_site_that_is_no_alias_is_still_refused_with_the_spellings_to_use(import_exam):
    report = run(import_exam, [row(1, 考点="沈阳北")])
    assert [(e.line, e.code) for e in report.errors] == [(2, "unknown_exam_site")]
    assert "沈阳北" in report.errors[0].message


def test_the_liaoning_file_declares_short_names_for_every_site(exam):
    from medexam.candidates.importing import site_key, site_lookup

    lookup = site_lookup(exam)
    for site in exam.sites.all():
        short = site.name.removesuffix("市")
        for spelling in (short, f"{site.name}考点", site.code, site.name):
            assert lookup[site_key(spelling)] == site.pk, spelling

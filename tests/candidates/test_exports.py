import csv
import datetime as dt
import io
import tempfile
from pathlib import Path

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from medexam.accounts.models import User
from medexam.audit.models import AuditEntry
from medexam.candidates.services import import_candidates
from medexam.exports import export_results
from medexam.materials.models import Application
from tests.candidates.helpers import csv_bytes, row

pytestmark = pytest.mark.django_db


@pytest.fixture
def imported(import_exam):
    import_candidates(
        exam=import_exam,
        filename="a.csv",
        data=csv_bytes([row(1), row(2, 考点="大连市"), row(3, 姓名='=HYPERLINK("x")')]),
    )
    decided = dt.datetime(2022, 2, 10, 1, 30, tzinfo=dt.UTC)
    Application.objects.filter(candidate__registration_no="22210000001").update(
        state="approved",
        route="online",
        rule_code="R7",
        decided_at=decided,
        submitted_at=decided - dt.timedelta(days=1),
        first_submitted_at=decided - dt.timedelta(days=2),
    )
    return import_exam


def results_file(**kwargs) -> bytes:
    """The export as the command writes it (streamed to a file)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"out.{kwargs['fmt']}"
        export_results(path=path, **kwargs)
        return path.read_bytes()


def read_csv(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def test_csv_export_has_one_row_per_candidate_with_state_route_rule_and_times(imported):
    lines = read_csv(results_file(exam=imported, fmt="csv"))
    assert lines[0][:9] == [
        "报名号",
        "姓名",
        "考点",
        "报考类别",
        "审核状态",
        "状态代码",
        "审核方式",
        "适用规则",
        "审核意见",
    ]
    assert lines[1] == [
        "22210000001",
        "考生1",
        "沈阳市",
        "临床执业医师",
        "审核通过",
        "approved",
        "线上审核",
        "R7",
        "",
        "2022-02-08 09:30:00",
        "2022-02-09 09:30:00",
        "2022-02-10 09:30:00",
    ]
    assert [line[0] for line in lines[1:]] == ["22210000001", "22210000002", "22210000003"]
    assert AuditEntry.objects.filter(action="results.exported").count() == 1


def test_export_never_contains_id_numbers_and_defuses_formulas(imported):
    content = results_file(exam=imported, fmt="csv").decode("utf-8-sig")
    assert "210102" not in content
    assert read_csv(content.encode("utf-8-sig"))[3][1] == '\'=HYPERLINK("x")'


def test_xlsx_export_opens_in_excel_with_the_same_rows(imported):
    content = results_file(exam=imported, fmt="xlsx", states=["approved"])
    sheet = load_workbook(io.BytesIO(content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert len(values) == 2 and values[1][0] == "22210000001" and values[1][4] == "审核通过"


def test_site_reviewers_export_only_their_own_site(imported):
    reviewer = User.objects.create(
        username="dalian", role=User.Role.SITE_REVIEWER, exam_site=imported.sites.get(name="大连市")
    )
    lines = read_csv(results_file(exam=imported, fmt="csv", user=reviewer))
    assert [line[0] for line in lines[1:]] == ["22210000002"]


def test_province_officials_of_another_province_export_nothing(imported):
    other = User.objects.create(
        username="jilin", role=User.Role.PROVINCE_REVIEWER, province="jilin"
    )
    assert read_csv(results_file(exam=imported, fmt="csv", user=other))[1:] == []


def test_export_command_writes_the_file(imported, tmp_path):
    target = tmp_path / "out.xlsx"
    call_command(
        "export_results",
        "--exam",
        imported.slug,
        "--format",
        "xlsx",
        "-o",
        str(target),
        stdout=io.StringIO(),
    )
    sheet = load_workbook(target).active
    assert sheet.max_row == 4


def test_import_command_refuses_a_bad_file_and_lists_lines(import_exam, tmp_path):
    from django.core.management.base import CommandError

    path = tmp_path / "bad.csv"
    path.write_bytes(csv_bytes([row(1), row(2, 手机号码="12")]))
    err = io.StringIO()
    with pytest.raises(CommandError, match="导入被拒绝"):
        call_command(
            "import_candidates",
            str(path),
            "--exam",
            import_exam.slug,
            stderr=err,
            stdout=io.StringIO(),
        )
    assert "第 3 行「手机号码」" in err.getvalue()
    out = io.StringIO()
    call_command(
        "import_candidates",
        str(path),
        "--exam",
        import_exam.slug,
        "--good-only",
        stdout=out,
        stderr=io.StringIO(),
    )
    assert "新增 1" in out.getvalue()


def test_the_reviewers_reason_travels_with_the_result(imported):
    from medexam.review.models import Decision

    application = Application.objects.get(candidate__registration_no="22210000002")
    reviewer = User.objects.create(username="r", role=User.Role.SITE_REVIEWER)
    Decision.objects.create(
        application=application,
        round=1,
        reviewer=reviewer,
        outcome=Decision.Outcome.REJECT,
        based_on_version=1,
        reason="毕业时间晚于报名截止日期，不符合报名条件",
    )
    Application.objects.filter(pk=application.pk).update(state="rejected")
    lines = read_csv(results_file(exam=imported, fmt="csv"))
    assert lines[2][4] == "审核不通过"
    assert lines[2][8] == "毕业时间晚于报名截止日期，不符合报名条件"


def test_an_excel_export_has_column_widths_and_a_frozen_header():
    import io

    from openpyxl import load_workbook

    from medexam.exports import write_table

    rows = [{"no": "2022990001", "reason": "身份证明（反面）需更换：不清晰，反面文字看不清"}]
    content = write_table(
        rows, columns=[("no", "报名号"), ("reason", "审核意见")], fmt="xlsx", sheet_title="审核结果"
    )

    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["A"].width == 12  # ten digits and a margin
    assert sheet.column_dimensions["B"].width >= 40  # 23 CJK characters, about 2 units each
    assert [c.value for c in sheet[1]] == ["报名号", "审核意见"]

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from medexam.accounts.models import User
from medexam.candidates.models import Candidate, ImportJob
from medexam.review.models import ExportJob
from tests.candidates.helpers import HEADER, resident_id, row, xlsx_bytes
from tests.jobs.helpers import committed

pytestmark = pytest.mark.django_db
IMPORT = "/manage/candidates/import/"


@pytest.fixture
def admin_client(client):
    client.force_login(User.objects.create(username="admin", role=User.Role.ADMIN))
    return client


def post_file(client, exam, rows, mode="all"):
    """Posts the file as the page does, lets the worker import it (tasks run in this process,
    see tests/jobs/helpers.py) and returns the job's result page."""
    with committed():
        response = client.post(
            IMPORT,
            {
                "exam": exam.pk,
                "mode": mode,
                "file": SimpleUploadedFile("报名.xlsx", xlsx_bytes(rows)),
            },
        )
    if response.status_code != 302:
        return response
    return client.get(response["Location"])


def test_the_page_lives_where_the_url_name_says():
    assert reverse("candidates:import") == IMPORT


def test_anonymous_users_are_sent_to_login(client, import_exam):
    response = client.get(IMPORT)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("role", [User.Role.CANDIDATE, User.Role.SITE_REVIEWER])
def test_candidates_and_site_reviewers_are_refused(client, import_exam, role):
    client.force_login(User.objects.create(username="someone", role=role))
    for url in (IMPORT, reverse("candidates:template")):
        response = client.get(url)
        assert response.status_code == 403 and "无权访问" in response.content.decode()
    response = client.post(reverse("candidates:export"), {"exam": import_exam.pk, "format": "csv"})
    assert response.status_code == 403 and ExportJob.objects.count() == 0
    response = post_file(client, import_exam, [row(1)])
    assert response.status_code == 403 and Candidate.objects.count() == 0


def test_an_administrator_imports_an_excel_file(admin_client, import_exam):
    response = post_file(admin_client, import_exam, [row(1), row(2)])
    assert response.status_code == 200
    assert "导入完成：共 2 行：新增 2" in response.content.decode()
    assert Candidate.objects.count() == 2


def test_a_bad_file_is_refused_with_every_bad_line_listed(admin_client, import_exam):
    response = post_file(
        admin_client, import_exam, [row(1), row(2, 手机号码="12"), row(3, 考点="火星")]
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "第 3 行" in page and "第 4 行" in page and "未导入任何数据" in page
    assert Candidate.objects.count() == 0
    response = post_file(
        admin_client, import_exam, [row(1), row(2, 手机号码="12")], mode="good_only"
    )
    assert response.status_code == 200 and Candidate.objects.count() == 1


def test_changes_are_shown_masked(admin_client, import_exam):
    post_file(admin_client, import_exam, [row(1)])
    new_id = resident_id(9)
    page = post_file(admin_client, import_exam, [row(1, 证件号码=new_id)], mode="dry_run")
    text = page.content.decode()
    assert "将要更新" in text and new_id[:4] + "**********" + new_id[-4:] in text
    assert new_id not in text and resident_id(1) not in text
    assert Candidate.objects.get().id_number == resident_id(1)


def test_officials_cannot_import_into_another_provinces_exam(client, import_exam):
    client.force_login(
        User.objects.create(username="jl", role=User.Role.PROVINCE_REVIEWER, province="jilin")
    )
    assert client.get(IMPORT).status_code == 403


def test_province_officials_import_into_their_own_province(client, import_exam):
    client.force_login(
        User.objects.create(username="ln", role=User.Role.PROVINCE_REVIEWER, province="liaoning")
    )
    assert post_file(client, import_exam, [row(1)]).status_code == 200
    assert Candidate.objects.count() == 1


def test_results_are_exported_by_a_job_and_downloaded_by_their_requester(admin_client, import_exam):
    post_file(admin_client, import_exam, [row(1)])
    with committed():
        response = admin_client.post(
            reverse("candidates:export"), {"exam": import_exam.pk, "format": "xlsx"}
        )
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "exports:status", args=[job.uuid]
    )
    page = admin_client.get(response["Location"]).content.decode()
    assert "下载" in page and "1 行" in page
    download = admin_client.get(reverse("exports:download", args=[job.uuid]))
    assert download.status_code == 200 and download["Cache-Control"] == "private, no-store"
    content = b"".join(download.streaming_content)
    rows = list(load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))
    assert rows[1][0] == "22210000001"
    template = admin_client.get(reverse("candidates:template"))
    header = next(load_workbook(io.BytesIO(template.content)).active.iter_rows(values_only=True))
    assert list(header)[: len(HEADER[:7])] == HEADER[:7]


def test_the_result_page_lists_every_refused_row_a_page_at_a_time(admin_client, import_exam):
    rows = [row(n, 手机号码="12") for n in range(1, 601)]
    page = post_file(admin_client, import_exam, rows).content.decode()
    assert "共 600 处" in page and "<td>第 2 行</td>" in page and "<td>第 501 行</td>" in page
    assert "<td>第 502 行</td>" not in page and "?after=502" in page
    job = ImportJob.objects.get()
    second = admin_client.get(reverse("candidates:import_job", args=[job.uuid]) + "?after=502")
    text = second.content.decode()
    assert "<td>第 502 行</td>" in text and "<td>第 601 行</td>" in text
    assert "<td>第 501 行</td>" not in text


def test_a_hostile_file_gets_its_reason_on_the_job_page(admin_client, import_exam, tmp_path):
    from tests.candidates.hostile import one_far_cell

    data = one_far_cell(tmp_path).read_bytes()
    with committed():
        response = admin_client.post(
            IMPORT,
            {"exam": import_exam.pk, "mode": "all", "file": SimpleUploadedFile("坏.xlsx", data)},
        )
    page = admin_client.get(response["Location"]).content.decode()
    assert "XFD1048576" in page and "整个文件" in page
    assert Candidate.objects.count() == 0


def test_the_job_page_is_for_officials_of_the_exam_only(admin_client, client, import_exam):
    post_file(admin_client, import_exam, [row(1)])
    job = ImportJob.objects.get()
    client.force_login(
        User.objects.create(username="jl2", role=User.Role.PROVINCE_REVIEWER, province="jilin")
    )
    assert client.get(reverse("candidates:import_job", args=[job.uuid])).status_code == 404

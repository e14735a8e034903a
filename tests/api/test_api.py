import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from medexam.api.models import ApiToken
from medexam.candidates.models import Candidate
from medexam.materials.models import Application
from tests.candidates.helpers import csv_bytes, resident_id, row, xlsx_bytes
from tests.jobs.helpers import committed

pytestmark = pytest.mark.django_db


def import_url(exam="import-test-2022"):
    return reverse("api:import", kwargs={"exam": exam})


def app_url(reg="22210000001", exam="import-test-2022"):
    return reverse("api:application", kwargs={"exam": exam, "registration_no": reg})


def results_url(exam="import-test-2022"):
    return reverse("api:results", kwargs={"exam": exam})


def upload(content: bytes, name="报名.xlsx"):
    return SimpleUploadedFile(name, content)


def test_the_product_serves_its_openapi_schema(client):
    response = client.get(reverse("api:schema"), HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/exams/{exam}/imports/" in paths
    assert "/api/v1/exams/{exam}/results/" in paths


def test_it_refuses_requests_without_a_valid_token(api, api_exam):
    assert api("get", app_url()).status_code == 401
    response = api("get", app_url(), token="mx_not-a-token")
    assert response.status_code == 401 and "令牌无效" in response.json()["detail"]


def test_revoked_tokens_stop_working(api, official_token):
    ApiToken.objects.update(revoked_at="2022-01-01T00:00:00Z")
    assert api("get", app_url(), token=official_token).status_code == 401


def test_site_reviewers_cannot_use_the_api(api, site_reviewer_token):
    response = api("get", app_url(), token=site_reviewer_token)
    assert response.status_code == 403 and "考区" in response.json()["detail"]


def test_officials_of_another_province_see_nothing_of_this_exam(api, other_province_token):
    for method, url, extra in (
        ("get", app_url(), {}),
        ("get", results_url(), {}),
        ("post", import_url(), {"data": {"file": upload(xlsx_bytes([row(9)]))}}),
    ):
        assert api(method, url, token=other_province_token, **extra).status_code == 404
    assert not Candidate.objects.filter(registration_no="22210000009").exists()


def test_application_state_with_masked_id_number(api, official_token):
    Application.objects.filter(candidate__registration_no="22210000001").update(
        state="changes_requested", route="online", rule_code="R7"
    )
    response = api("get", app_url(), token=official_token)
    assert response.status_code == 200
    body = response.json()
    assert (body["state"], body["state_label"], body["route"], body["rule"]) == (
        "changes_requested",
        "需补充/更换材料",
        "online",
        "R7",
    )
    assert body["id_number_masked"] == "2101" + "*" * 10 + resident_id(1)[-4:]
    assert resident_id(1) not in response.content.decode()


def test_unknown_registration_number_is_a_404_in_chinese(api, official_token):
    response = api("get", app_url("999"), token=official_token)
    assert response.status_code == 404 and "报名号" in response.json()["detail"]


def imported(api, token, **data) -> dict:
    """Posts a file, lets the worker import it, and returns the job as the API shows it."""
    with committed():
        accepted = api("post", import_url(), token=token, data=data)
    assert accepted.status_code == 202, accepted.content
    assert accepted["Location"] == accepted.json()["status_url"]
    job = api("get", accepted["Location"], token=token)
    assert job.status_code == 200
    return job.json()


def test_import_through_the_api_uses_the_same_rules(api, official_token, other_province_token):
    bad = imported(api, official_token, file=upload(xlsx_bytes([row(3), row(4, 手机号码="1")])))
    assert bad["status"] == "done" and bad["report"]["applied"] is False
    assert [(e["line"], e["code"]) for e in bad["errors"]] == [(3, "phone_invalid")]
    assert not Candidate.objects.filter(registration_no="22210000003").exists()
    # Another province's official cannot read the job either.
    other = api("get", reverse("api:import_job", args=[bad["id"]]), token=other_province_token)
    assert other.status_code == 404

    good = imported(
        api, official_token, file=upload(xlsx_bytes([row(1), row(2, 考点="大连市"), row(3)]))
    )
    assert good["report"]["applied"] is True
    assert (good["report"]["created"], good["report"]["unchanged"]) == (1, 2)

    dry = imported(api, official_token, file=upload(csv_bytes([row(5)]), "a.csv"), dry_run="true")
    assert dry["report"]["dry_run"] is True and dry["report"]["created"] == 1
    assert not Candidate.objects.filter(registration_no="22210000005").exists()


def exported(api, token, **data) -> bytes:
    with committed():
        accepted = api("get", results_url(), token=token, data=data)
    assert accepted.status_code == 202, accepted.content
    job = api("get", accepted["Location"], token=token).json()
    assert job["status"] == "done"
    response = api("get", job["download_url"], token=token)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    return b"".join(response.streaming_content)


def test_results_as_json_pages_csv_and_xlsx(api, official_token, api_exam):
    import_candidates_more(api_exam)
    first = api("get", results_url(), token=official_token, data={"limit": 2}).json()
    assert [r["registration_no"] for r in first["results"]] == ["22210000001", "22210000002"]
    second = api(
        "get", results_url(), token=official_token, data={"limit": 2, "after": first["next_after"]}
    ).json()
    assert [r["registration_no"] for r in second["results"]] == ["22210000003"]
    assert second["next_after"] is None

    content = exported(api, official_token, format="csv")
    lines = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert len(lines) == 4

    content = exported(api, official_token, format="xlsx", state="approved")
    assert load_workbook(io.BytesIO(content)).active.max_row == 1


def test_bad_query_parameters_are_a_400(api, official_token):
    response = api("get", results_url(), token=official_token, data={"format": "pdf"})
    assert response.status_code == 400


def test_tokens_are_issued_by_command_and_stored_hashed(api, api_exam):
    from medexam.accounts.models import User

    User.objects.create(username="boss", role=User.Role.ADMIN)
    out = io.StringIO()
    call_command("create_api_token", "boss", stdout=out)
    token = out.getvalue().strip()
    assert not ApiToken.objects.filter(key_hash=token).exists()
    assert api("get", app_url(), token=token).status_code == 200


def import_candidates_more(exam):
    from medexam.candidates.services import import_candidates

    import_candidates(exam=exam, filename="b.csv", data=csv_bytes([row(3)]))


def test_revoke_command_stops_a_token(api, official_token):
    call_command("revoke_api_token", official_token[:10], stdout=io.StringIO())
    assert api("get", app_url(), token=official_token).status_code == 401


def test_application_reasons_come_from_the_latest_decision(api, official_token):
    from medexam.accounts.models import User
    from medexam.review.models import Decision

    application = Application.objects.get(candidate__registration_no="22210000001")
    reviewer = User.objects.create(username="rv", role=User.Role.SITE_REVIEWER)
    Decision.objects.create(
        application=application,
        round=1,
        reviewer=reviewer,
        outcome=Decision.Outcome.REJECT,
        based_on_version=1,
        reason="不符合报名条件",
    )
    body = api("get", app_url(), token=official_token).json()
    assert body["reasons"] == ["不符合报名条件"]

"""What a candidate sees when something is off: Chinese pages that say what to do."""

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_an_unknown_page_answers_in_chinese(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


def test_a_stale_form_says_what_to_do(candidate, password):
    client = Client(enforce_csrf_checks=True)
    client.login(username=candidate.id_number, password=password)

    page = client.post(reverse("materials:submit"))
    script = client.post(
        reverse("materials:upload", args=["other"]), headers={"X-Requested-With": "fetch"}
    )

    assert page.status_code == 403 and "页面已过期，请刷新后重试" in page.content.decode()
    assert script.status_code == 403 and script.json()["code"] == "PAGE_EXPIRED"


@pytest.fixture
def debug(settings):
    settings.DEBUG = True  # the demo's mode: Django would show its English technical pages


def test_in_debug_an_unknown_address_is_still_our_chinese_page(client, debug):
    body = client.get("/no-such-page/").content.decode()

    assert "页面不存在" in body and "Page not found" not in body and "URLconf" not in body


def test_in_debug_a_site_reviewer_at_the_audit_log_gets_our_404(client, debug, site_reviewer):
    from tests.factories import CandidateFactory
    from tests.review.helpers import mark_submitted

    other = CandidateFactory(exam=site_reviewer.exam_site.exam, exam_site=site_reviewer.exam_site)
    application = mark_submitted(other)
    client.force_login(site_reviewer)

    response = client.get(reverse("review:audit_log", args=[application.pk]))

    body = response.content.decode()
    assert response.status_code == 404
    assert "页面不存在" in body and "Page not found" not in body and "Raised by" not in body


def test_in_debug_a_crash_shows_our_500_page_and_is_logged(client, debug, settings, caplog):
    settings.ROOT_URLCONF = "tests.crash_urls"

    response = client.get("/crash/")

    body = response.content.decode()
    assert response.status_code == 500
    assert "系统繁忙，请稍后重试" in body and "database on fire" not in body
    assert "Traceback" not in body
    assert any("database on fire" in str(r.exc_info) for r in caplog.records if r.exc_info)


def test_a_permission_refusal_explains_itself_in_chinese(rf, candidate):
    from django.core.exceptions import PermissionDenied

    from medexam.error_pages import permission_denied

    request = rf.get("/")
    request.user = candidate.user
    response = permission_denied(request, PermissionDenied("只有考区审核人员可以改判。"))

    assert response.status_code == 403
    assert "只有考区审核人员可以改判。" in response.content.decode()

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

"""Login errors belong to fields: which one is empty, or that the pair does not match, each
tied to its input (aria-invalid, aria-describedby) and listed in a linked error summary."""

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def input_tag(body: str, name: str) -> str:
    return re.search(rf'<input[^>]*name="{name}"[^>]*>', body).group(0)


def test_empty_fields_each_get_their_own_error(client):
    body = client.post(reverse("accounts:login"), {"username": "", "password": ""}).content.decode()

    assert "请填写证件号码（审核人员填写用户名）。" in body and "请填写密码。" in body
    for name in ("username", "password"):
        tag = input_tag(body, name)
        assert 'aria-invalid="true"' in tag and f'aria-describedby="id_{name}_error"' in tag
        assert f'id="id_{name}_error"' in body
    summary = body.split('class="error-summary"', 1)[1].split("</div>", 1)[0]
    assert 'href="#id_username"' in summary and 'href="#id_password"' in summary


def test_a_wrong_pair_marks_both_fields_and_explains_once(client, candidate):
    body = client.post(
        reverse("accounts:login"), {"username": candidate.id_number, "password": "wrong-one"}
    ).content.decode()

    assert body.count("与密码不匹配") == 2  # the summary and under the password
    assert 'aria-invalid="true"' in input_tag(body, "username")
    assert 'aria-describedby="id_password_error"' in input_tag(body, "username")
    assert 'aria-invalid="true"' in input_tag(body, "password")
    assert candidate.id_number in input_tag(body, "username")  # nothing typed is lost

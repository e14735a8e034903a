"""How the pages and the API answer a service's refusal (medexam.errors.DomainError)."""

from __future__ import annotations

import json

import pytest
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.http import Http404
from django.test import RequestFactory

from medexam.api.exceptions import handler
from medexam.errors import DomainError
from medexam.refusals import answer

LOCKED = DomainError("LOCKED", "已锁定，不能修改。", 409)


def _request(**headers):
    request = RequestFactory().post("/x/", headers=headers)
    request.session = {}
    request._messages = FallbackStorage(request)
    return request


def test_the_pages_script_gets_json_with_the_refusals_status():
    response = answer(_request(X_REQUESTED_WITH="fetch"), LOCKED, back="/back/")

    assert response.status_code == 409
    assert json.loads(response.content) == {
        "ok": False,
        "code": "LOCKED",
        "message": "已锁定，不能修改。",
    }


def test_a_page_gets_the_message_and_goes_back():
    request = _request()

    response = answer(request, LOCKED, back="/back/")

    assert (response.status_code, response["Location"]) == (302, "/back/")
    assert [str(m) for m in get_messages(request)] == ["已锁定，不能修改。"]


def test_a_page_answers_not_found_as_a_page_that_does_not_exist():
    with pytest.raises(Http404):
        answer(_request(), DomainError("NOT_FOUND", "没有找到。", 404), back="/back/")


def test_the_api_answers_a_refusal_as_json_with_its_code():
    response = handler(LOCKED, {})

    assert (response.status_code, response.data) == (
        409,
        {"code": "LOCKED", "detail": "已锁定，不能修改。"},
    )

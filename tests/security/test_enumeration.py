"""Issue 18 hole 3: the reset and activation pages told who is registered ("验证码已发送至报名
登记的手机 139****0033" against "如果该证件号码已导入本系统…"), and sent the SMS inside the
request, so the answer's time told it too. Now both give the same page, in the same time, and
the masked phone appears only after a correct code."""

from __future__ import annotations

import re
import statistics
import time

import pytest
from django.test import Client
from django.urls import reverse

from medexam.accounts.models import VerificationCode
from medexam.messaging.sms import FileSMSBackend
from tests.candidates.helpers import resident_id
from tests.factories import CandidateFactory

pytestmark = pytest.mark.django_db
PURPOSES = [VerificationCode.Purpose.RESET, VerificationCode.Purpose.ACTIVATE]
PROVIDER_SECONDS = 0.05


class SlowProviderSMSBackend(FileSMSBackend):
    """The file backend behind a provider's latency (a real SMS gateway answers in tens of
    milliseconds): if a code were sent inside the request, the registered answer would be
    this much slower."""

    def send(self, *, phone, body, key):
        time.sleep(PROVIDER_SECONDS)
        return super().send(phone=phone, body=body, key=key)


def normalised(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


def ask(purpose: str, id_number: str) -> tuple[int, str, str]:
    client = Client()
    response = client.post(reverse(f"accounts:{purpose}"), {"id_number": id_number})
    page = client.get(response["Location"]).content.decode() if response.status_code == 302 else ""
    wrong = client.post(
        reverse(f"accounts:{purpose}_password"),
        {"code": "000000", "password1": "Brand-New-77", "password2": "Brand-New-77"},
    )
    return response.status_code, normalised(page), normalised(wrong.content.decode())


@pytest.mark.parametrize("purpose", PURPOSES)
def test_registered_and_unknown_id_numbers_get_the_same_pages(purpose, exam, shenyang, settings):
    registered = CandidateFactory(exam=exam, exam_site=shenyang, phone="13900000033")
    known = ask(purpose, registered.id_number)
    unknown = ask(purpose, resident_id(4242))
    assert known == unknown
    assert known[0] == 302
    assert "0033" not in known[1] and "0033" not in known[2]


@pytest.mark.django_db(transaction=True)  # the requests commit, as in production
@pytest.mark.parametrize("purpose", PURPOSES)
def test_registered_and_unknown_id_numbers_answer_in_the_same_time(
    purpose, exam, shenyang, settings
):
    settings.SMS_BACKEND = "tests.security.test_enumeration.SlowProviderSMSBackend"
    rounds = 12
    registered = [CandidateFactory(exam=exam, exam_site=shenyang) for _ in range(rounds)]
    unknown = [resident_id(9000 + i) for i in range(rounds)]
    timings: dict[str, list[float]] = {"known": [], "unknown": []}
    # Interleaved, so that the shared machine's load falls on both alike.
    for candidate, stranger in zip(registered, unknown, strict=True):
        for kind, id_number in (("known", candidate.id_number), ("unknown", stranger)):
            client = Client()
            started = time.perf_counter()
            response = client.post(reverse(f"accounts:{purpose}"), {"id_number": id_number})
            timings[kind].append(time.perf_counter() - started)
            assert response.status_code == 302
    known, unknown_ = statistics.median(timings["known"]), statistics.median(timings["unknown"])
    # Far below the provider's 50 ms: no SMS is sent inside the request, for anyone.
    assert abs(known - unknown_) < PROVIDER_SECONDS / 2, timings


def test_the_masked_phone_appears_after_a_correct_code_only(
    client, exam, shenyang, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = {
        "default": {
            "BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
            "QUEUES": settings.TASK_QUEUES,
        }
    }
    import json

    registered = CandidateFactory(exam=exam, exam_site=shenyang, phone="13900000033")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:reset"), {"id_number": registered.id_number})
    assert "0033" not in client.get(response["Location"]).content.decode()
    body = json.loads(settings.SMS_FILE_PATH.read_text(encoding="utf-8").splitlines()[0])["body"]
    code = re.search(r"验证码 (\d{6})", body).group(1)
    client.post(
        reverse("accounts:reset_password"),
        {"code": code, "password1": "Brand-New-77", "password2": "Brand-New-77"},
    )
    assert "139****0033" in client.get(reverse("accounts:login")).content.decode()

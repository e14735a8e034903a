import json

import pytest
from django.conf import settings

from medexam.candidates.models import Candidate
from medexam.candidates.services import import_candidates
from tests.candidates.helpers import csv_bytes, make_exam, row


@pytest.fixture(autouse=True)
def _codes_sent_at_once(settings):
    """Verification SMS go out through a task (accounts.tasks); here it runs inside enqueue,
    so a code is in the SMS file as soon as the request's transaction commits."""
    settings.TASKS = {
        "default": {
            "BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
            "QUEUES": settings.TASK_QUEUES,
        }
    }


@pytest.fixture
def imported_candidate(db):
    exam = make_exam()
    import_candidates(exam=exam, data=csv_bytes([row(1, 手机号码="13912345678")]), filename="a.csv")
    return Candidate.objects.get()


@pytest.fixture
def sms_outbox():
    """The messages the file SMS backend wrote, as dicts."""

    def read() -> list[dict]:
        path = settings.SMS_FILE_PATH
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]

    return read


@pytest.fixture
def send_code(django_capture_on_commit_callbacks):
    """request_code with its after-commit SMS delivered (tests run inside one transaction)."""
    from medexam.accounts.services import request_code

    def send(**kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return request_code(**kwargs)

    return send


@pytest.fixture
def post_committed(client, django_capture_on_commit_callbacks):
    def post(url, data):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(url, data)

    return post

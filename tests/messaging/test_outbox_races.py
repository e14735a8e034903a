"""Two workers at once on PostgreSQL: every SMS goes out exactly once."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from medexam.messaging.models import OutboxMessage
from medexam.messaging.services import deliver_outbox, notify_candidate
from medexam.messaging.sms import SMSResult
from tests.factories import CandidateFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


class CountingBackend:
    def __init__(self):
        self.keys: list[str] = []
        self.lock = threading.Lock()

    def send(self, *, phone, body, key):
        with self.lock:
            self.keys.append(key)
        return SMSResult(provider_id=key)


def test_parallel_workers_send_each_message_once(exam, shenyang):
    if connection.vendor != "postgresql":
        pytest.skip("row locks are PostgreSQL's")
    for candidate in CandidateFactory.create_batch(12, exam=exam, exam_site=shenyang):
        notify_candidate(
            application=candidate.application, kind="approved", subject="审核通过", body="审核通过"
        )
    backend = CountingBackend()
    barrier = threading.Barrier(4)

    def work():
        try:
            barrier.wait()
            deliver_outbox(backend=backend, limit=5)
            deliver_outbox(backend=backend, limit=5)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert len(backend.keys) == len(set(backend.keys)) == 12
    assert OutboxMessage.objects.filter(status="sent").count() == 12

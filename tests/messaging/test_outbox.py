"""The SMS outbox: one row per message, delivered once, retried with backoff, held back when a
newer decision supersedes it."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from medexam.messaging.models import Message, OutboxMessage
from medexam.messaging.services import backoff, deliver_outbox, notify_candidate
from medexam.messaging.sms import FileSMSBackend, SMSError, SMSResult

pytestmark = pytest.mark.django_db
Status = OutboxMessage.Status


def sent_lines(settings) -> list[dict]:
    path = settings.SMS_FILE_PATH
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


class FlakyBackend:
    """Fails `failures` times, then delivers; records what it was asked to send."""

    def __init__(self, failures: int):
        self.failures = failures
        self.calls: list[str] = []

    def send(self, *, phone, body, key):
        self.calls.append(key)
        if len(self.calls) <= self.failures:
            raise SMSError("provider timeout")
        return SMSResult(provider_id=f"p-{key}")


def notify(candidate, kind="approved", subject="审核通过"):
    return notify_candidate(
        application=candidate.application,
        kind=kind,
        subject=subject,
        body="您的报名材料已审核通过。",
    )


def test_notify_queues_one_sms_beside_the_in_app_message(candidate):
    message = notify(candidate)
    sms = OutboxMessage.objects.get()
    assert sms.message == message and sms.status == Status.PENDING
    assert sms.phone == candidate.phone
    assert "审核通过" in sms.body and candidate.name not in sms.body  # no personal data in SMS


def test_review_start_is_in_app_only(candidate):
    notify(candidate, kind="in_review", subject="材料审核中")
    assert Message.objects.count() == 1 and not OutboxMessage.objects.exists()


def test_a_message_is_sent_once_however_often_the_worker_runs(candidate, settings):
    notify(candidate)
    assert deliver_outbox(backend=FileSMSBackend()).sent == 1
    assert deliver_outbox(backend=FileSMSBackend()).sent == 0
    lines = sent_lines(settings)
    assert len(lines) == 1 and lines[0]["phone"] == candidate.phone
    sms = OutboxMessage.objects.get()
    assert sms.status == Status.SENT and lines[0]["key"] == str(sms.key)


def test_failures_retry_with_backoff_and_the_same_key(candidate):
    notify(candidate)
    backend = FlakyBackend(failures=2)
    start = timezone.now()
    report = deliver_outbox(backend=backend, now=start)
    sms = OutboxMessage.objects.get()
    assert (report.retried, sms.status, sms.attempts) == (1, Status.PENDING, 1)
    assert sms.next_attempt_at >= start + backoff(1) - dt.timedelta(seconds=1)
    assert deliver_outbox(backend=backend, now=start).sent == 0  # not due yet
    deliver_outbox(backend=backend, now=start + dt.timedelta(minutes=2))
    deliver_outbox(backend=backend, now=start + dt.timedelta(minutes=10))
    sms.refresh_from_db()
    assert sms.status == Status.SENT and sms.attempts == 3
    assert set(backend.calls) == {str(sms.key)} and len(backend.calls) == 3


def test_a_message_that_keeps_failing_gives_up(candidate):
    notify(candidate)
    backend = FlakyBackend(failures=100)
    moment = timezone.now()
    for _ in range(10):
        moment += dt.timedelta(hours=7)
        deliver_outbox(backend=backend, now=moment)
    sms = OutboxMessage.objects.get()
    assert sms.status == Status.FAILED and len(backend.calls) == sms.attempts == 6


def test_a_newer_decision_holds_back_the_older_sms(candidate, settings):
    notify(candidate, kind="changes_requested", subject="请更换或补充材料")
    notify(candidate, kind="approved", subject="审核通过")
    report = deliver_outbox(backend=FileSMSBackend())
    assert (report.sent, report.superseded) == (1, 0)
    assert [line["body"] for line in sent_lines(settings)] == [
        "【医师资格考试】审核通过。详情请登录考生服务系统查看站内信。"
    ]
    assert OutboxMessage.objects.order_by("id").first().status == Status.SUPERSEDED
    # Both stay in the inbox: the history is not rewritten, only the texts are held back.
    assert Message.objects.filter(recipient=candidate.user).count() == 2


def test_a_reminder_does_not_supersede_a_decision(candidate, settings):
    notify(candidate, kind="changes_requested", subject="请更换或补充材料")
    notify(candidate, kind="supplement_reminder", subject="补充材料即将截止")
    assert deliver_outbox(backend=FileSMSBackend()).sent == 2


def test_a_claimed_row_is_not_sent_by_a_second_worker(candidate):
    notify(candidate)
    OutboxMessage.objects.update(status=Status.SENDING, claimed_at=timezone.now())
    backend = FlakyBackend(failures=0)
    assert deliver_outbox(backend=backend).sent == 0 and backend.calls == []
    # A worker that died mid-send: after the stale period the row is retried, same key.
    later = timezone.now() + dt.timedelta(minutes=11)
    assert deliver_outbox(backend=backend, now=later).sent == 1


def test_send_outbox_command(candidate, settings):
    from django.core.management import call_command

    notify(candidate)
    call_command("send_outbox")
    assert len(sent_lines(settings)) == 1


def test_the_sms_task_follows_the_commit_and_a_second_delivery_sends_nothing(candidate, settings):
    from django.test import TestCase

    from medexam.messaging.tasks import deliver_sms
    from tests.jobs.helpers import drain

    with TestCase.captureOnCommitCallbacks(execute=True):
        notify(candidate, "approved")
    row = OutboxMessage.objects.get()
    assert drain() == 1  # the task enqueued on commit
    assert deliver_sms.call(row.pk) == 0  # the engine delivers the same message again
    assert len(sent_lines(settings)) == 1
    assert OutboxMessage.objects.get().status == Status.SENT


def test_a_retry_after_an_unknown_outcome_is_not_delivered_twice(candidate, settings):
    """A worker killed between the provider's send and recording it: the stale claim is
    retried with the same key, and a provider that honours keys (the file backend does)
    does not deliver again."""
    notify(candidate, "approved")
    row = OutboxMessage.objects.get()
    FileSMSBackend().send(phone=row.phone, body=row.body, key=str(row.key))  # sent, then killed
    stale = timezone.now() - dt.timedelta(hours=1)
    OutboxMessage.objects.filter(pk=row.pk).update(
        status=Status.SENDING, claimed_at=stale, attempts=1
    )
    assert deliver_outbox().sent == 1
    assert len(sent_lines(settings)) == 1

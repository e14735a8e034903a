"""In-app messages and their SMS. Every state change tells the candidate through
`notify_candidate`, inside the caller's transaction, so a message (and its queued SMS) exists
exactly when its change does; a task (`messaging.tasks.deliver_sms`) enqueued on commit sends
it at once, and a schedule (`deliver_due_sms`) retries. `deliver_outbox` sends the queued SMS:
it claims rows, sends outside any transaction, retries with backoff, never sends a row twice, and holds back an SMS
that a newer decision about the same application has made obsolete."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from medexam.audit.services import record
from medexam.jobs import enqueue_on_commit
from medexam.messaging.models import Message, OutboxMessage
from medexam.messaging.sms import SMSBackend, SMSError, get_sms_backend
from medexam.messaging.tasks import deliver_sms

if TYPE_CHECKING:
    from medexam.accounts.models import User
    from medexam.materials.models import Application

logger = logging.getLogger(__name__)

# Kinds that are not worth an SMS: the candidate sees them in the app.
IN_APP_ONLY = frozenset({"in_review"})
# Kinds about a reviewer's decision or the deadline: a newer one of these makes every older
# unsent SMS of the same application obsolete (the candidate would get contradicting texts).
SUPERSEDING = frozenset(
    {
        "submitted",
        "approved",
        "changes_requested",
        "rejected",
        "onsite_pending",
        "supplement_closed",
    }
)
SMS_SIGNATURE = "【医师资格考试】"
MAX_ATTEMPTS = 6
# "sending" rows older than this were claimed by a worker that died mid-send: retried with
# the same key, so a provider that honours keys does not deliver twice.
STALE_CLAIM = dt.timedelta(minutes=10)


def notify_candidate(*, application: Application, kind: str, subject: str, body: str) -> Message:
    message = Message.objects.create(
        recipient=application.candidate.user,
        application=application,
        kind=kind,
        subject=subject,
        body=body,
    )
    if kind in SUPERSEDING:
        superseded = OutboxMessage.objects.filter(
            application=application, status=OutboxMessage.Status.PENDING
        ).update(status=OutboxMessage.Status.SUPERSEDED, last_error="被新的通知取代")
        if superseded:
            logger.info("held back %d superseded SMS of application %s", superseded, application.pk)
    phone = (application.candidate.phone or "").strip()
    sms = kind not in IN_APP_ONLY and bool(phone)
    record(
        action="message.queued",
        application=application,
        target=f"message:{message.pk}",
        summary=f"通知考生：{subject}" + ("（站内信和短信）" if sms else "（站内信）"),
        data={"kind": kind, "sms": sms},
    )
    if sms:
        outbox = OutboxMessage.objects.create(
            message=message,
            application=application,
            kind=kind,
            phone=phone,
            body=sms_text(subject=subject),
            next_attempt_at=timezone.now(),
        )
        # Sent by a worker once the change commits; a rolled-back change sends nothing.
        enqueue_on_commit(deliver_sms, outbox.pk)
    return message


def sms_text(*, subject: str) -> str:
    """Short and free of personal data: the details are behind the login (站内信)."""
    return f"{SMS_SIGNATURE}{subject}。详情请登录考生服务系统查看站内信。"


def unread_count(user: User) -> int:
    return Message.objects.filter(recipient=user, read_at__isnull=True).count()


@transaction.atomic
def mark_read(*, user: User, message_id: int) -> Message:
    message = Message.objects.select_for_update().get(pk=message_id, recipient=user)
    if message.read_at is None:
        message.read_at = timezone.now()
        message.save(update_fields=["read_at"])
    return message


# --- delivery ----------------------------------------------------------------------------


@dataclass
class DeliveryReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    superseded: int = 0


def backoff(attempts: int) -> dt.timedelta:
    """1, 2, 4, 8 … minutes after the n-th failure, at most six hours."""
    return min(dt.timedelta(minutes=2 ** max(attempts - 1, 0)), dt.timedelta(hours=6))


def deliver_outbox(
    *, limit: int = 100, backend: SMSBackend | None = None, now: dt.datetime | None = None
) -> DeliveryReport:
    backend = backend or get_sms_backend()
    report = DeliveryReport()
    for row in _claim_due(limit=limit, now=now):
        _deliver_one(row, backend, report)
    return report


def deliver_one(*, outbox_id: int, backend: SMSBackend | None = None) -> DeliveryReport:
    """Send one queued SMS now if it is due and nobody else is sending it (the task that
    follows each new SMS); a second delivery of the same task finds it taken and does nothing."""
    report = DeliveryReport()
    for row in _claim_due(limit=1, now=None, only=outbox_id):
        _deliver_one(row, backend or get_sms_backend(), report)
    return report


def _claim_due(
    *, limit: int, now: dt.datetime | None, only: int | None = None
) -> list[OutboxMessage]:
    now = now or timezone.now()
    candidates = (
        OutboxMessage.objects.all() if only is None else OutboxMessage.objects.filter(pk=only)
    )
    with transaction.atomic():
        # skip_locked: two workers running at once take different rows, never the same one.
        rows = list(
            candidates.select_for_update(skip_locked=True)
            .filter(
                Q(status=OutboxMessage.Status.PENDING, next_attempt_at__lte=now)
                | Q(status=OutboxMessage.Status.SENDING, claimed_at__lt=now - STALE_CLAIM)
            )
            .order_by("next_attempt_at", "id")[:limit]
        )
        claimed = []
        for row in rows:
            # The conditional UPDATE is the guard on SQLite too, where FOR UPDATE is ignored.
            taken = OutboxMessage.objects.filter(
                pk=row.pk, status=row.status, attempts=row.attempts
            ).update(status=OutboxMessage.Status.SENDING, claimed_at=now, attempts=row.attempts + 1)
            if taken:
                row.status = OutboxMessage.Status.SENDING
                row.attempts += 1
                claimed.append(row)
    return claimed


def _deliver_one(row: OutboxMessage, backend: SMSBackend, report: DeliveryReport) -> None:
    if _is_superseded(row):
        OutboxMessage.objects.filter(pk=row.pk).update(
            status=OutboxMessage.Status.SUPERSEDED, last_error="被新的通知取代"
        )
        report.superseded += 1
        return
    try:
        result = backend.send(phone=row.phone, body=row.body, key=str(row.key))
    except SMSError as exc:
        error = str(exc)[:300]
        if row.attempts >= MAX_ATTEMPTS:
            OutboxMessage.objects.filter(pk=row.pk).update(
                status=OutboxMessage.Status.FAILED, last_error=error
            )
            report.failed += 1
            logger.warning("SMS %s failed for good after %d attempts", row.pk, row.attempts)
        else:
            OutboxMessage.objects.filter(pk=row.pk).update(
                status=OutboxMessage.Status.PENDING,
                last_error=error,
                next_attempt_at=timezone.now() + backoff(row.attempts),
            )
            report.retried += 1
        return
    OutboxMessage.objects.filter(pk=row.pk).update(
        status=OutboxMessage.Status.SENT,
        sent_at=timezone.now(),
        provider_id=(result.provider_id or "")[:128],
        last_error="",
    )
    report.sent += 1
    _record_sent(row)


def _is_superseded(row: OutboxMessage) -> bool:
    if row.application_id is None:
        return False
    return OutboxMessage.objects.filter(
        application_id=row.application_id, pk__gt=row.pk, kind__in=SUPERSEDING
    ).exists()


def _record_sent(row: OutboxMessage) -> None:
    record(
        action="sms.sent",
        application=row.application,
        target=f"sms:{row.key}",
        summary=f"短信已发送（{row.kind}）",
        data={"outbox": row.pk, "attempts": row.attempts},
    )

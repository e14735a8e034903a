"""In-app messages. Every state change tells the candidate through `notify_candidate`,
inside the caller's transaction, so a message exists exactly when its change does."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from medexam.messaging.models import Message

if TYPE_CHECKING:
    from medexam.accounts.models import User
    from medexam.materials.models import Application


def notify_candidate(*, application: Application, kind: str, subject: str, body: str) -> Message:
    return Message.objects.create(
        recipient=application.candidate.user,
        application=application,
        kind=kind,
        subject=subject,
        body=body,
    )


def unread_count(user: User) -> int:
    return Message.objects.filter(recipient=user, read_at__isnull=True).count()


@transaction.atomic
def mark_read(*, user: User, message_id: int) -> Message:
    message = Message.objects.select_for_update().get(pk=message_id, recipient=user)
    if message.read_at is None:
        message.read_at = timezone.now()
        message.save(update_fields=["read_at"])
    return message

"""Deleting stored files: later, after the grace period (see models.PendingDeletion), and
never before the row that named them is gone for good."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from medexam.files.models import PendingDeletion
from medexam.files.storage import STORAGE_ERRORS

logger = logging.getLogger(__name__)
BATCH = 500


def grace() -> dt.timedelta:
    return dt.timedelta(seconds=settings.FILE_DELETE_GRACE_SECONDS)


def delete_later(names: Iterable[str], *, reason: str) -> int:
    """Schedule stored files for deletion. Call inside the transaction that deletes their
    rows: if it rolls back, so does the schedule."""
    due = timezone.now() + grace()
    rows = [PendingDeletion(name=n, due_at=due, reason=reason) for n in names if n]
    PendingDeletion.objects.bulk_create(rows)
    return len(rows)


def delete_due_files(*, storage=None, now: dt.datetime | None = None) -> int:
    """Delete the files whose grace period has passed, then their rows; safe to run on
    several machines at once (each batch is claimed with SKIP LOCKED on PostgreSQL) and to
    repeat after a crash (deleting a file that is already gone is not an error)."""
    from medexam.materials.models import private_storage

    storage = storage or private_storage()
    now = now or timezone.now()
    deleted = 0
    while True:
        with transaction.atomic():
            batch = list(
                PendingDeletion.objects.select_for_update(skip_locked=True)
                .filter(due_at__lte=now)
                .order_by("due_at", "pk")[:BATCH]
            )
            if not batch:
                return deleted
            done = []
            for pending in batch:
                try:
                    storage.delete(pending.name)
                except STORAGE_ERRORS as error:
                    # Kept for the next run; the others of the batch still go.
                    logger.warning(
                        "file deletion failed, will retry",
                        extra={"event": "files.delete_failed", "error": type(error).__name__},
                    )
                    continue
                done.append(pending.pk)
            PendingDeletion.objects.filter(pk__in=done).delete()
            deleted += len(done)
            if len(done) < len(batch):
                return deleted

"""Audit retention: entries are kept at least six months (Cybersecurity Law art. 21; level 3
asks for protected records). The purge removes only entries older than the retention the
operator names, and refuses any retention under MIN_RETENTION_DAYS; on PostgreSQL the
append-only trigger refuses the DELETE of a younger entry whoever asks (migration 0004)."""

from __future__ import annotations

import datetime as dt

from django.db import connection, transaction
from django.utils import timezone

from medexam.audit.models import AuditEntry
from medexam.audit.services import record
from medexam.errors import DomainError

# Six months, counted generously: 183 days is more than any six calendar months.
MIN_RETENTION_DAYS = 183
BATCH = 5000


def purge_audit_log(*, older_than_days: int, now: dt.datetime | None = None) -> int:
    """Deletes entries older than `older_than_days` (at least six months) in batches, then
    records the purge itself. Returns how many went."""
    if older_than_days < MIN_RETENTION_DAYS:
        raise DomainError(
            "retention_too_short",
            f"审计日志至少保留六个月：保留天数不能少于 {MIN_RETENTION_DAYS} 天。",
        )
    cutoff = (now or timezone.now()) - dt.timedelta(days=older_than_days)
    total = 0
    while True:
        with transaction.atomic():
            ids = list(
                AuditEntry.objects.filter(created_at__lt=cutoff)
                .order_by("id")
                .values_list("id", flat=True)[:BATCH]
            )
            if not ids:
                break
            # QuerySet.delete would go through the model's guard per object; the rows are
            # the retention's to remove (and the database checks their age again).
            total += AuditEntry.objects.filter(id__in=ids)._raw_delete(connection.alias)
    record(
        action="audit.purged",
        target="audit",
        summary=f"清理 {cutoff:%Y-%m-%d} 之前的审计日志（{total} 条）",
        data={"cutoff": cutoff.isoformat(), "deleted": total, "retention_days": older_than_days},
    )
    return total

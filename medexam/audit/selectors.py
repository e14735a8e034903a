"""Reads of the audit log: one application's entries, for the province reviewer."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet

from medexam.audit.models import AuditEntry

if TYPE_CHECKING:
    from medexam.materials.models import Application


def entries_for(application: Application) -> QuerySet[AuditEntry]:
    return (
        AuditEntry.objects.filter(application=application)
        .select_related("actor")
        .order_by("created_at", "id")
    )


COLUMNS = [
    ("created_at", "时间"),
    ("actor", "操作人"),
    ("actor_role", "角色"),
    ("actor_site", "考点"),
    ("ip", "IP 地址"),
    ("action", "操作"),
    ("target", "对象"),
    ("summary", "说明"),
]


def entry_row(entry: AuditEntry) -> dict[str, Any]:
    from django.utils import timezone

    return {
        "created_at": timezone.localtime(entry.created_at).strftime("%Y-%m-%d %H:%M:%S"),
        "actor": str(entry.actor) if entry.actor else "系统",
        "actor_role": entry.actor_role,
        "actor_site": entry.actor_site,
        "ip": entry.ip or "",
        "action": entry.action,
        "target": entry.target,
        "summary": entry.summary,
    }

"""Reads of the audit log: one application's entries, newest first, filtered and paged by
key (an application that was looked at thousands of times still answers a page in one
indexed range scan), and the rows of its export, in Chinese."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from medexam.audit.labels import ACTIONS, action_label, role_label, target_label
from medexam.audit.models import AuditEntry

PAGE_SIZE = 50


@dataclass
class AuditFilters:
    action: str = ""
    actor: str = ""  # a user's pk, or "system"
    image: str = ""  # an image's uuid
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    @classmethod
    def from_query(cls, params: Any) -> AuditFilters:
        def day(name: str) -> dt.date | None:
            try:
                return dt.date.fromisoformat(params.get(name, ""))
            except ValueError:
                return None

        actor = params.get("actor", "")
        return cls(
            action=params.get("action", "")[:64],
            actor=actor if actor == "system" or actor.isdigit() else "",
            image=params.get("image", "")[:36],
            date_from=day("from"),
            date_to=day("to"),
        )

    @property
    def active(self) -> bool:
        return bool(self.action or self.actor or self.image or self.date_from or self.date_to)

    def apply(self, queryset: QuerySet[AuditEntry]) -> QuerySet[AuditEntry]:
        if self.action:
            queryset = queryset.filter(action=self.action)
        if self.actor == "system":
            queryset = queryset.filter(actor__isnull=True)
        elif self.actor:
            queryset = queryset.filter(actor_id=int(self.actor))
        if self.image:
            queryset = queryset.filter(target=f"image:{self.image}")
        # Local days: a reviewer's "12月5日" is Beijing time, not UTC.
        if self.date_from:
            queryset = queryset.filter(created_at__gte=_local_midnight(self.date_from))
        if self.date_to:
            queryset = queryset.filter(
                created_at__lt=_local_midnight(self.date_to + dt.timedelta(days=1))
            )
        return queryset


def _local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time()))


def entries_for(application: Any, filters: AuditFilters | None = None) -> QuerySet[AuditEntry]:
    """Newest first. Ordered by id, which follows the time of writing (the table is
    append-only), so that a page boundary is one number."""
    queryset = AuditEntry.objects.filter(application=application).select_related("actor")
    if filters is not None:
        queryset = filters.apply(queryset)
    return queryset.order_by("-id")


@dataclass
class LogPage:
    entries: list[AuditEntry]
    newer: int | None  # ?after= for the newer page, None on the first
    older: int | None  # ?before= for the older page, None on the last


def log_page(
    application: Any, filters: AuditFilters, *, before: int | None = None, after: int | None = None
) -> LogPage:
    queryset = entries_for(application, filters)
    if after:
        # The page above: the PAGE_SIZE entries just newer than `after`, shown newest first.
        rows = list(queryset.filter(id__gt=after).order_by("id")[: PAGE_SIZE + 1])
        more_newer = len(rows) > PAGE_SIZE
        rows = rows[:PAGE_SIZE][::-1]
        return LogPage(
            entries=rows,
            newer=rows[0].pk if rows and more_newer else None,
            older=rows[-1].pk if rows else None,
        )
    if before:
        queryset = queryset.filter(id__lt=before)
    rows = list(queryset[: PAGE_SIZE + 1])
    more_older = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    return LogPage(
        entries=rows,
        newer=rows[0].pk if rows and before else None,
        older=rows[-1].pk if rows and more_older else None,
    )


def image_labels(application: Any) -> dict[str, str]:
    """uuid → '身份证明（反面）' / '毕业证书 第2张' for every image the application holds."""
    from medexam.materials.models import UploadedImage

    labels = {}
    for img in UploadedImage.objects.filter(application=application).select_related("item"):
        label = img.place_label(numbered=True)
        if img.status == UploadedImage.Status.REPLACED:
            label += "（已被更换）"
        labels[str(img.uuid)] = label
    return labels


def filter_choices(application: Any) -> dict[str, Any]:
    """What the filters offer: the actions and people that occur in this log."""
    from medexam.accounts.models import User

    entries = AuditEntry.objects.filter(application=application)
    codes = set(entries.values_list("action", flat=True).distinct())
    actor_ids = set(entries.exclude(actor=None).values_list("actor_id", flat=True).distinct())
    actors = [(str(u.pk), str(u)) for u in User.objects.filter(pk__in=actor_ids).order_by("pk")]
    if entries.filter(actor=None).exists():
        actors.append(("system", "系统"))
    return {
        "actions": sorted(((c, action_label(c)) for c in codes), key=lambda p: p[1]),
        "actors": actors,
    }


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


def entry_row(entry: AuditEntry, images: dict[str, str]) -> dict[str, Any]:
    return {
        "when": entry.created_at,  # the page's; the export writes the ISO text below
        "created_at": timezone.localtime(entry.created_at).strftime("%Y-%m-%d %H:%M:%S"),
        "actor": str(entry.actor) if entry.actor else "系统",
        "actor_role": role_label(entry.actor_role),
        "actor_site": entry.actor_site,
        "ip": entry.ip or "",
        "action": action_label(entry.action),
        "target": target_label(entry.target, images),
        "summary": entry.summary,
    }


__all__ = ["ACTIONS", "AuditFilters", "entries_for", "entry_row", "filter_choices", "log_page"]

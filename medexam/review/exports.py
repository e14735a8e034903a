"""The queue as a spreadsheet (xlsx / csv): what the reviewer sees in the list, no ID numbers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet

from medexam.exports import format_time
from medexam.materials.models import Application

COLUMNS = [
    ("registration_no", "报名号"),
    ("name", "姓名"),
    ("exam_site", "考点"),
    ("state", "审核状态"),
    ("route", "审核方式"),
    ("rule", "适用规则"),
    ("round", "提交轮次"),
    ("warnings", "有质量提示"),
    ("claimed_by", "审核人"),
    ("submitted_at", "最近提交时间"),
]
ROUTES = {"online": "线上审核", "offline": "线下审核"}


def queue_rows(applications: QuerySet[Application]) -> Iterator[dict[str, Any]]:
    for application in applications.iterator(chunk_size=2000):
        candidate = application.candidate
        yield {
            "registration_no": candidate.registration_no,
            "name": candidate.name,
            "exam_site": candidate.exam_site.name,
            "state": application.get_state_display(),
            "route": ROUTES.get(application.route, application.route),
            "rule": application.rule_code,
            "round": application.round,
            "warnings": "是" if application.has_warnings else "否",
            "claimed_by": str(application.claimed_by or ""),
            "submitted_at": format_time(application.submitted_at),
        }

"""Reads of the machine pre-check for the pages: the candidate's item and the reviewer's
panel beside each image. One query for all images of a page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.utils import timezone

from medexam.precheck import checks as rules
from medexam.precheck.models import PrecheckResult
from medexam.precheck.services import exam_date, expected_kind

if TYPE_CHECKING:
    from medexam.candidates.models import Candidate
    from medexam.materials.models import UploadedImage

PENDING_WINDOW = dt.timedelta(days=2)  # as far back as the schedule re-queues lost tasks
OUTCOME_LABELS = {rules.MATCH: "一致", rules.MISMATCH: "不一致", rules.UNREADABLE: "未能识别"}


@dataclass(frozen=True)
class PanelRow:
    """One line of the reviewer's panel: the value read beside the registration's."""

    label: str
    read: str
    registered: str
    outcome: str

    @property
    def outcome_label(self) -> str:
        return OUTCOME_LABELS.get(self.outcome, self.outcome)

    @property
    def mismatch(self) -> bool:
        return self.outcome == rules.MISMATCH


@dataclass(frozen=True)
class PrecheckView:
    result: PrecheckResult
    kind_label: str
    problems: list[str]  # the candidate's messages, one per mismatch
    rows: list[PanelRow] = field(default_factory=list)

    @property
    def open_issues(self) -> bool:
        return self.result.open_issues

    @property
    def has_issues(self) -> bool:
        return self.result.has_issues

    @property
    def confirmed(self) -> bool:
        return self.result.confirmed

    @property
    def unreadable(self) -> bool:
        return not self.has_issues and any(
            c.get("outcome") == rules.UNREADABLE for c in self.result.checks
        )


@dataclass
class Prechecks:
    results: dict[int, PrecheckView]
    pending: set[int]


def precheck_views(candidate: Candidate, images: Sequence[UploadedImage]) -> Prechecks:
    """The pre-check of each image (`images`: with `item` selected), by image pk; `pending`:
    images the pre-check looks at whose result is not there yet."""
    if not images:
        return Prechecks({}, set())
    exam = candidate.exam
    stored = {
        r.image_id: r for r in PrecheckResult.objects.filter(image__in=[img.pk for img in images])
    }
    day = exam_date(exam)
    # Older images without a result (uploaded before the pre-check existed, or a task lost
    # beyond the schedule's window) are not "being read": they just have no pre-check.
    since = timezone.now() - PENDING_WINDOW
    results, pending = {}, set()
    for img in images:
        result = stored.get(img.pk)
        if result is None:
            recent = img.uploaded_at is not None and img.uploaded_at > since
            if recent and expected_kind(exam, img.item.code, img.slot) is not None:
                pending.add(img.pk)
            continue
        results[img.pk] = view_of(result, candidate, day)
    return Prechecks(results, pending)


def view_of(result: PrecheckResult, candidate: Candidate, day: dt.date | None) -> PrecheckView:
    fields = result.fields
    problems = [
        rules.candidate_message(c, fields, result.expected_kind)
        for c in result.checks
        if c.get("outcome") == rules.MISMATCH
    ]
    rows = [_row(c, result, candidate, day) for c in result.checks]
    return PrecheckView(
        result=result,
        kind_label=rules.kind_label(result.kind, result.looks_like),
        problems=problems,
        rows=[r for r in rows if r is not None],
    )


def _period(fields: dict[str, str]) -> str:
    start, until = fields.get("valid_from", ""), fields.get("valid_until", "")
    if not start:
        return "—"
    return f"{start} 至 {'长期' if until == 'long-term' else until or '？'}"


def _row(
    check: dict[str, str], result: PrecheckResult, candidate: Candidate, day: dt.date | None
) -> PanelRow | None:
    name, outcome, fields = check.get("check"), check.get("outcome", ""), result.fields
    if name == "kind":
        expected = (
            "非身份证、毕业证书或学历备案表"
            if result.expected_kind == rules.OTHER
            else rules.KIND_LABELS.get(result.expected_kind, result.expected_kind)
        )
        return PanelRow(
            "材料类型", rules.kind_label(result.kind, result.looks_like), expected, outcome
        )
    if name == "name":
        return PanelRow("姓名", fields.get("name", "—"), candidate.name, outcome)
    if name == "id_number":
        return PanelRow(
            "身份证号码", fields.get("id_number", "—"), candidate.masked_id_number, outcome
        )
    if name == "checksum":
        read = {rules.MATCH: "通过", rules.MISMATCH: "未通过"}.get(outcome, "—")
        return PanelRow("号码校验位", read, "应通过", outcome)
    if name == "validity":
        registered = f"考试日 {day.isoformat()} 在有效期内" if day else "—"
        return PanelRow("有效期", _period(fields), registered, outcome)
    if name == "major":
        return PanelRow("专业", fields.get("major", "—"), candidate.major or "—", outcome)
    return None

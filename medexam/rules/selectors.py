"""Reads of the rules layer for other apps' pages."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .evaluation import Evaluation, evaluate, profile_from_candidate
from .trial import TrialCheck

if TYPE_CHECKING:
    from medexam.candidates.models import Candidate


class RulesNotLoaded(RuntimeError):
    """The candidate's exam row exists but no rule file was loaded into it."""


def evaluation_for(candidate: Candidate) -> Evaluation:
    """The route and personalised checklist of a Candidate under its exam's loaded rules."""
    rules = candidate.exam.rules
    if not rules or "routes" not in rules:
        # An operator's mistake, not the candidate's: say exactly what to run.
        slug = candidate.exam.slug
        raise RulesNotLoaded(
            f"考试 {slug} 尚未导入规则文件，请先运行：python -m medexam load_exam {slug}"
        )
    return evaluate(rules, profile_from_candidate(candidate))


STATUS_ORDER = ("required", "check", "recommended", "optional", "not_applicable")


@dataclass(frozen=True)
class ChecklistRow:
    code: str
    name: str
    group: str
    status: str
    status_label: str
    reason: str


def checklist(rules: dict[str, Any], evaluation: Evaluation) -> list[ChecklistRow]:
    """The personalised checklist, required first (then "check", recommended, optional, not
    applicable), catalog order within each status; names and labels from the rule data."""
    labels = rules["labels"]["statuses"]
    order = {code: index for index, code in enumerate(evaluation.items)}
    rows = [
        ChecklistRow(
            code=item["code"],
            name=item["name"],
            group=item["group"],
            status=evaluation.items[item["code"]].status,
            status_label=labels[evaluation.items[item["code"]].status],
            reason=evaluation.items[item["code"]].reason,
        )
        for item in rules["items"]
        if item["code"] in evaluation.items
    ]
    rows.sort(key=lambda row: (STATUS_ORDER.index(row.status), order[row.code]))
    return rows


def checklist_for(candidate: Candidate) -> tuple[Evaluation, list[ChecklistRow]]:
    """For a page (candidate's or reviewer's, read-only): the evaluation and its checklist."""
    evaluation = evaluation_for(candidate)
    return evaluation, checklist(candidate.exam.rules, evaluation)


def rules_for(source: str) -> tuple[dict[str, Any], str]:
    """(rules, where they came from) for a slug or a file path.

    A slug names the loaded Exam's rules when that exam is in the database (what the pages
    use), else the shipped file of that name; a path is always read from disk and validated.
    """
    from django.db import DatabaseError

    from .loading import read_rules_file, resolve_exam_path
    from .models import Exam

    path = resolve_exam_path(source)
    if path != Path(source):  # a slug
        try:
            exam = Exam.objects.filter(slug=source).only("rules", "rules_version").first()
        except DatabaseError:  # no database yet: the shipped file still answers
            exam = None
        if exam is not None and exam.rules:
            return exam.rules, f"数据库中已导入的 {source}（版本 {exam.rules_version}）"
    data, _ = read_rules_file(path)
    return data, f"文件 {path}（版本 {data['version']}）"


# --- the trial-period timeline ------------------------------------------------------------

TIMELINE_WIDTH = 1000  # SVG user units; the page scales it (no inline styles: strict CSP)


@dataclass(frozen=True)
class Bar:
    x: int
    width: int
    start: datetime.date
    end: datetime.date  # exclusive
    days: int
    kind: str  # completed | pledged | gap | overlap
    label: str
    outside: bool = False  # the segment lies (partly) outside the window


@dataclass(frozen=True)
class TimelineRow:
    label: str
    kind: str  # segment | gap | overlap
    bars: tuple[Bar, ...]


@dataclass(frozen=True)
class Timeline:
    rows: tuple[TimelineRow, ...]
    ticks: tuple[tuple[int, str], ...]  # (x, label) at each quarter inside the window


def trial_timeline(check: TrialCheck) -> Timeline:
    """Rows of bars for the window: one row per segment, then gaps and overlaps. Each row
    is its own stretched SVG track, so labels stay HTML text at a readable size."""
    start, end = check.window
    total = max((end - start).days, 1)

    def bar(
        a: datetime.date, b: datetime.date, kind: str, label: str, outside: bool = False
    ) -> Bar:
        a_c, b_c = max(a, start), min(b, end)
        x = round((a_c - start).days * TIMELINE_WIDTH / total)
        width = max(round((b_c - start).days * TIMELINE_WIDTH / total) - x, 2)
        return Bar(x, width, a, b, (b - a).days, kind, label, outside)

    rows = []
    for segment in check.segments:
        inside = segment.start < end and segment.end > start
        outside = segment.start < start or segment.end > end
        status = "已完成" if segment.status == "completed" else "待完成"
        bars = (bar(segment.start, segment.end, segment.status, segment.institution, outside),)
        rows.append(
            TimelineRow(
                f"{segment.institution or '（未填写机构）'}（{status}，{segment.days} 天）",
                "segment",
                bars if inside else (),
            )
        )
    if check.gaps:
        gap_days = sum((b - a).days for a, b in check.gaps)
        rows.append(
            TimelineRow(
                f"空档（共 {gap_days} 天）",
                "gap",
                tuple(bar(a, b, "gap", "空档") for a, b in check.gaps),
            )
        )
    if check.overlaps:
        overlap_days = sum((b - a).days for a, b in check.overlaps)
        rows.append(
            TimelineRow(
                f"重叠（共 {overlap_days} 天，只算一次）",
                "overlap",
                tuple(bar(a, b, "overlap", "重叠") for a, b in check.overlaps),
            )
        )
    ticks = []
    month = datetime.date(start.year, start.month, 1)
    while month < end:
        if month >= start and month.month in (1, 4, 7, 10):
            ticks.append(
                (
                    round((month - start).days * TIMELINE_WIDTH / total),
                    f"{month.year}.{month.month}",
                )
            )
        month = datetime.date(month.year + (month.month // 12), month.month % 12 + 1, 1)
    return Timeline(rows=tuple(rows), ticks=tuple(ticks))

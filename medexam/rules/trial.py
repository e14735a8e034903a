"""The trial-period (试用期) check of SPEC §5.

Segments are half-open [start, end): the source's own example has one segment end on the day
the next begins (2021-08-01…2022-01-20 completed, 2022-01-20…2022-08-01 pledged = one year).
Covered days are the days of the union of the segments inside the half-open window, overlaps
counted once; the window and the required days are per-exam-year data (`trial_period`).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from .conditions import parse_date

SEGMENT_STATUSES = ("completed", "pledged")


@dataclass(frozen=True)
class Segment:
    start: datetime.date
    end: datetime.date  # exclusive
    status: str  # completed | pledged
    institution: str = ""

    @property
    def days(self) -> int:
        return (self.end - self.start).days


@dataclass(frozen=True)
class TrialCheck:
    ok: bool
    covered_days: int
    required_days: int
    window: tuple[datetime.date, datetime.date]  # half-open
    gaps: tuple[tuple[datetime.date, datetime.date], ...]  # inside the window, half-open
    overlaps: tuple[tuple[datetime.date, datetime.date], ...]  # days covered twice or more
    segments: tuple[Segment, ...]  # the valid segments, sorted by start
    # Entries that could not be read (index in the input, Chinese reason); they count nothing.
    invalid: tuple[tuple[int, str], ...] = ()

    @property
    def missing_days(self) -> int:
        return max(self.required_days - self.covered_days, 0)

    @property
    def window_days(self) -> int:
        return (self.window[1] - self.window[0]).days


def parse_segments(raw: Any) -> tuple[list[Segment], list[tuple[int, str]]]:
    """Valid segments and (index, reason) for the rest. Never raises."""
    segments: list[Segment] = []
    invalid: list[tuple[int, str]] = []
    if not isinstance(raw, list | tuple):
        return segments, [(0, "试用期必须是列表")]
    for index, entry in enumerate(raw):
        reason = segment_problem(entry)
        if reason:
            invalid.append((index, reason))
            continue
        segments.append(
            Segment(
                start=_date(entry["start"]),  # segment_problem checked both
                end=_date(entry["end"]),
                status=entry.get("status", "completed"),
                institution=str(entry.get("institution") or ""),
            )
        )
    segments.sort(key=lambda s: (s.start, s.end))
    return segments, invalid


def segment_problem(entry: Any) -> str:
    """Chinese reason why a segment entry is unusable, or "" when it is fine."""
    if not isinstance(entry, Mapping):
        return "每段试用期需包含开始日期、结束日期和状态"
    start, end = parse_date(entry.get("start")), parse_date(entry.get("end"))
    if start is None:
        return "开始日期缺失或格式不对，请按 YYYY-MM-DD 填写"
    if end is None:
        return "结束日期缺失或格式不对，请按 YYYY-MM-DD 填写"
    if end <= start:
        return "结束日期必须晚于开始日期"
    if entry.get("status", "completed") not in SEGMENT_STATUSES:
        return "状态只能是“已完成”或“待完成”"
    institution = entry.get("institution", "")
    if institution is not None and not isinstance(institution, str):
        return "试用机构名称必须是文本"
    return ""


def check_trial_period(trial_rules: Mapping[str, Any], raw_segments: Any) -> TrialCheck:
    """Covered days, gaps and overlaps of `raw_segments` against the exam's trial window."""
    window_start = _date(trial_rules["window_start"])  # validated when the file was loaded
    window_end = _date(trial_rules["window_end"])
    required = int(trial_rules["year_days"])
    segments, invalid = parse_segments(raw_segments)
    clipped = [
        (max(s.start, window_start), min(s.end, window_end))
        for s in segments
        if s.start < window_end and s.end > window_start
    ]
    union = _union(clipped)
    covered = sum((end - start).days for start, end in union)
    return TrialCheck(
        ok=covered >= required,
        covered_days=covered,
        required_days=required,
        window=(window_start, window_end),
        gaps=tuple(_gaps(union, window_start, window_end)),
        overlaps=tuple(_union(_pairwise_overlaps(clipped))),
        segments=tuple(segments),
        invalid=tuple(invalid),
    )


Interval = tuple[datetime.date, datetime.date]


def _date(value: Any) -> datetime.date:
    """A date that validation has already checked."""
    parsed = parse_date(value)
    if parsed is None:
        raise ValueError(f"not a date: {value!r}")
    return parsed


def _union(intervals: Iterable[Interval]) -> list[Interval]:
    merged: list[Interval] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:  # touching half-open intervals join
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _gaps(
    union: Iterable[Interval], window_start: datetime.date, window_end: datetime.date
) -> Iterator[Interval]:
    cursor = window_start
    for start, end in union:
        if start > cursor:
            yield (cursor, start)
        cursor = max(cursor, end)
    if cursor < window_end:
        yield (cursor, window_end)


def _pairwise_overlaps(intervals: Iterable[Interval]) -> Iterator[Interval]:
    ordered = sorted(intervals)
    for i, (_a_start, a_end) in enumerate(ordered):
        for b_start, b_end in ordered[i + 1 :]:
            if b_start >= a_end:
                break
            yield (b_start, min(a_end, b_end))

"""Writes of the rules layer: the candidate's trial segments (试用期, SPEC §5).

The Candidate model belongs to the candidates app; this is the one path that writes its
`trial_segments`, so the checks (dates, status, lock state) and the audit entry live here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from django.db import transaction

from medexam.audit.services import record
from medexam.errors import DomainError

from .conditions import parse_date
from .trial import check_trial_period, segment_problem

if TYPE_CHECKING:
    from django.http import HttpRequest

    from medexam.accounts.models import User
    from medexam.candidates.models import Candidate

MAX_SEGMENTS = 10
MAX_INSTITUTION_LENGTH = 128


def update_trial_segments(
    *,
    candidate_id: int,
    segments: Sequence[Mapping[str, Any]],
    actor: User,
    request: HttpRequest | None = None,
) -> Candidate:
    """Replace the candidate's trial segments (sorted by start) and log the change.

    Refused while the application is submitted, in review or decided: the reviewer judges
    the trial-period evidence against what the candidate declared at submission.
    """
    from medexam.candidates.models import Candidate
    from medexam.materials.models import Application
    from medexam.materials.states import EDITABLE_STATES

    cleaned = _clean(segments)
    with transaction.atomic():
        # Lock the application first (as every materials path does), so a submission racing
        # this edit sees either the old or the new segments, never a half-written state.
        application = (
            Application.objects.select_for_update().filter(candidate_id=candidate_id).first()
        )
        candidate = (
            Candidate.objects.select_for_update(of=("self",))
            .select_related("exam")
            .get(pk=candidate_id)
        )
        if actor.pk != candidate.user_id:
            raise DomainError("NOT_YOURS", "只能修改本人的试用期信息。")
        if application is not None and application.state not in EDITABLE_STATES:
            raise DomainError(
                "LOCKED",
                "报名材料已提交审核，试用期信息已锁定，不能修改。"
                "如需更正，请等待审核人员退回补充后再修改，或联系考点。",
            )
        before = list(candidate.trial_segments or [])
        if before == cleaned:
            return candidate
        candidate.trial_segments = cleaned
        candidate.save(update_fields=["trial_segments", "updated_at"])
        check = check_trial_period(candidate.exam.rules["trial_period"], cleaned)
        record(
            action="candidate.trial_segments_updated",
            actor=actor,
            request=request,
            application=application,
            target=f"candidate:{candidate.pk}",
            summary=f"考生修改试用期：{len(before)} 段 → {len(cleaned)} 段，"
            f"窗口内累计 {check.covered_days} 天",
            data={"before": before, "after": cleaned, "covered_days": check.covered_days},
        )
    return candidate


def _clean(segments: Sequence[Mapping[str, Any]]) -> list[dict[str, str]]:
    if len(segments) > MAX_SEGMENTS:
        raise DomainError(
            "TOO_MANY", f"试用期最多填写 {MAX_SEGMENTS} 段；同一机构连续的试用请合并为一段。"
        )
    cleaned = []
    for number, entry in enumerate(segments, start=1):
        problem = segment_problem(entry)
        if problem:
            raise DomainError("BAD_SEGMENT", f"第{number}段：{problem}。")
        institution = str(entry.get("institution") or "").strip()
        if not institution:
            raise DomainError("NO_INSTITUTION", f"第{number}段：请填写试用机构名称。")
        if len(institution) > MAX_INSTITUTION_LENGTH:
            raise DomainError(
                "INSTITUTION_TOO_LONG",
                f"第{number}段：试用机构名称不能超过 {MAX_INSTITUTION_LENGTH} 个字。",
            )
        cleaned.append(
            {
                "institution": institution,
                "start": _checked_date(entry["start"]),
                "end": _checked_date(entry["end"]),
                "status": entry.get("status", "completed"),
            }
        )
    cleaned.sort(key=lambda s: (s["start"], s["end"], s["institution"]))
    return cleaned


def _checked_date(value: object) -> str:
    """An ISO date that segment_problem has already accepted."""
    parsed = parse_date(value)
    if parsed is None:
        raise ValueError(f"not a date: {value!r}")
    return parsed.isoformat()

"""The one table of allowed application transitions, and the one function that performs
them (pretalx's set_submission_state, pretix's status checks inside the transaction).

`transition` must be called inside `transaction.atomic()` with the application row locked
(`select_for_update`) by the caller, who re-read the state under that lock."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from medexam.audit.services import record
from medexam.materials.models import Application
from medexam.messaging.services import notify_candidate

if TYPE_CHECKING:
    from django.http import HttpRequest

    from medexam.accounts.models import User

S = Application.State
CANDIDATE = "candidate"
REVIEWER = "reviewer"  # site or province reviewer in scope
PROVINCE = "province"  # province reviewer only
SYSTEM = "system"  # commands: deadlines

# (from, to) -> who may make it
ALLOWED: dict[tuple[str, str], frozenset[str]] = {
    (S.DRAFT, S.SUBMITTED): frozenset({CANDIDATE}),
    (S.CHANGES_REQUESTED, S.SUBMITTED): frozenset({CANDIDATE, SYSTEM}),
    (S.SUBMITTED, S.IN_REVIEW): frozenset({REVIEWER}),
    (S.IN_REVIEW, S.APPROVED): frozenset({REVIEWER}),
    (S.IN_REVIEW, S.CHANGES_REQUESTED): frozenset({REVIEWER}),
    (S.IN_REVIEW, S.REJECTED): frozenset({REVIEWER}),
    (S.IN_REVIEW, S.ONSITE_PENDING): frozenset({REVIEWER}),
    (S.ONSITE_PENDING, S.APPROVED): frozenset({REVIEWER}),
    (S.ONSITE_PENDING, S.REJECTED): frozenset({REVIEWER}),
    # The province overrules a closed decision by reopening it.
    (S.APPROVED, S.IN_REVIEW): frozenset({PROVINCE}),
    (S.REJECTED, S.IN_REVIEW): frozenset({PROVINCE}),
    (S.ONSITE_PENDING, S.IN_REVIEW): frozenset({PROVINCE}),
}

# Images can change only in these states (and after changes_requested only those flagged).
EDITABLE_STATES = frozenset({S.DRAFT, S.CHANGES_REQUESTED})

# What the candidate is told at each arrival; reviewers' reasons are appended.
MESSAGES: dict[str, tuple[str, str]] = {
    S.SUBMITTED: (
        "上报完成，内容已锁定",
        "您的报名材料已提交审核，所有图片已锁定，无法自行修改。请等待考务人员审核，"
        "审核结果将通过站内信和短信通知您。",
    ),
    S.IN_REVIEW: ("材料审核中", "考务人员已开始审核您的报名材料，请留意后续通知。"),
    S.APPROVED: ("审核通过", "您的报名材料已审核通过。"),
    S.CHANGES_REQUESTED: (
        "请更换或补充材料",
        "审核人员要求您更换或补充部分材料。只有被标记的图片已解锁，其余图片仍保持锁定。"
        "请在截止时间前完成更换并重新提交审核。",
    ),
    S.REJECTED: ("审核不通过", "您的报名材料审核不通过（不符合报名条件）。"),
    S.ONSITE_PENDING: (
        "线上预审完成，请到考点现场审核",
        "您的材料已完成线上预审。按照考区要求，请携带所有报名材料原件到考点进行现场审核。",
    ),
}


class TransitionError(Exception):
    """Refused transition; `message` is Chinese and says what to do."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Change:
    application: Application
    from_state: str
    to_state: str


def transition(
    application: Application,
    *,
    to_state: str,
    as_role: str,
    actor: User | None,
    request: HttpRequest | None = None,
    reason: str = "",
    data: dict[str, Any] | None = None,
    notify: bool = True,
) -> Change:
    from_state = application.state
    allowed = ALLOWED.get((from_state, to_state))
    if allowed is None or as_role not in allowed:
        raise TransitionError(
            f"当前状态为“{Application.State(from_state).label}”，不能变更为"
            f"“{Application.State(to_state).label}”。请刷新页面查看最新状态。"
        )
    now = timezone.now()
    application.state = to_state
    application.version += 1
    if to_state in (S.APPROVED, S.REJECTED, S.CHANGES_REQUESTED, S.ONSITE_PENDING):
        application.decided_at = now
    application.save()
    from_label = Application.State(from_state).label
    to_label = Application.State(to_state).label
    record(
        action="application.transition",
        actor=actor,
        request=request,
        application=application,
        target=f"application:{application.pk}",
        summary=f"{from_label} → {to_label}" + (f"：{reason}" if reason else ""),
        data={
            "from": from_state,
            "to": to_state,
            "reason": reason,
            "as": as_role,
            "version": application.version,
            **(data or {}),
        },
    )
    if notify:
        subject, body = MESSAGES[to_state]
        if reason:
            body = f"{body}\n\n审核意见：{reason}"
        notify_candidate(application=application, kind=to_state, subject=subject, body=body)
    return Change(application=application, from_state=from_state, to_state=to_state)

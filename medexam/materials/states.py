"""The one table of the application's transitions, and the one function that performs them
(pretalx's set_submission_state, pretix's status checks inside the transaction).

Each row of `TRANSITIONS` is a named change of state: the states it leaves from, the state
it arrives in, in which capacity it is made, what the candidate is told, and what an attempt
from any other state is told. `transition` is the only place that decides whether a change
is allowed and what the refusal says; services name the change they make and do not check
the state themselves. Adding a transition is one row here (plus its test).

Who may act at all (scope, role) is the caller's check before it locks the row; the table
decides what may happen to the application from where it is.

`transition` must be called inside `transaction.atomic()` with the application row locked
(`select_for_update`) by the caller, who read the state under that lock. `check` refuses
early, before a service does work that a refused transition would throw away.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from medexam.audit.services import record
from medexam.errors import DomainError
from medexam.materials import tallies
from medexam.materials.models import WAITING, Application, UploadedImage
from medexam.messaging.services import notify_candidate

if TYPE_CHECKING:
    from django.http import HttpRequest

    from medexam.accounts.models import User

S = Application.State
# The capacity a change is made in (recorded in the audit entry as "as").
CANDIDATE = "candidate"
REVIEWER = "reviewer"  # site or province reviewer in scope, at the online review
ONSITE = "onsite"  # a reviewer recording the on-site check of the originals
PROVINCE = "province"  # province reviewer only
SYSTEM = "system"  # schedules: deadlines

# Images can change only in these states (and after changes_requested only those flagged).
EDITABLE_STATES = frozenset({S.DRAFT, S.CHANGES_REQUESTED})
# Waiting for review or in it: the queue, claims and reassignments work on these.
REVIEWABLE_STATES = frozenset(WAITING)
# States that set the application's decided_at.
DECIDED_STATES = frozenset({S.APPROVED, S.REJECTED, S.CHANGES_REQUESTED, S.ONSITE_PENDING})


@dataclass(frozen=True)
class Transition:
    sources: frozenset[str]
    target: str
    by: str
    subject: str  # what the candidate is told (in-app message and SMS)
    body: str
    refused_code: str  # what an attempt from another state is told; {state}: its label
    refused: str
    kind: str = ""  # the message's kind (default: the target state)
    tells_reason: bool = True  # the reason given is appended to the message

    @property
    def message_kind(self) -> str:
        return self.kind or self.target


NOT_IN_REVIEW = "该申请当前为“{state}”，请先点击“开始审核”领取后再作决定。"
REFRESH = "当前状态为“{state}”，不能变更为“{target}”。请刷新页面查看最新状态。"
SUBMITTED_BODY = (
    "您的报名材料已提交审核，所有图片已锁定，无法自行修改。请等待考务人员审核，"
    "审核结果将通过站内信和短信通知您。"
)

TRANSITIONS: dict[str, Transition] = {
    "submit": Transition(
        sources=frozenset({S.DRAFT, S.CHANGES_REQUESTED}),
        target=S.SUBMITTED,
        by=CANDIDATE,
        subject="上报完成，内容已锁定",
        body=SUBMITTED_BODY,
        refused_code="LOCKED",
        refused="材料已提交审核，内容已锁定，无需重复提交。",
    ),
    "close_supplement": Transition(
        sources=frozenset({S.CHANGES_REQUESTED}),
        target=S.SUBMITTED,
        by=SYSTEM,
        kind="supplement_closed",
        subject="补充材料已截止，图片已重新锁定",
        body=(
            "补充材料的截止时间已过，被标记的图片已重新锁定，不能再修改。"
            "您的材料已按现有内容重新进入审核，审核结果将通过站内信和短信通知您。"
        ),
        tells_reason=False,
        refused_code="TRANSITION",
        refused=REFRESH,
    ),
    "start_review": Transition(
        sources=frozenset({S.SUBMITTED}),
        target=S.IN_REVIEW,
        by=REVIEWER,
        subject="材料审核中",
        body="考务人员已开始审核您的报名材料，请留意后续通知。",
        refused_code="NOT_WAITING",
        refused="该申请当前为“{state}”，不在待审核状态，无需开始审核。",
    ),
    "approve": Transition(
        sources=frozenset({S.IN_REVIEW}),
        target=S.APPROVED,
        by=REVIEWER,
        subject="审核通过",
        body="您的报名材料已审核通过。",
        refused_code="NOT_IN_REVIEW",
        refused=NOT_IN_REVIEW,
    ),
    "request_changes": Transition(
        sources=frozenset({S.IN_REVIEW}),
        target=S.CHANGES_REQUESTED,
        by=REVIEWER,
        subject="请更换或补充材料",
        body=(
            "审核人员要求您更换或补充部分材料。只有被标记的图片已解锁，其余图片仍保持锁定。"
            "请在截止时间前完成更换并重新提交审核。"
        ),
        refused_code="NOT_IN_REVIEW",
        refused=NOT_IN_REVIEW,
    ),
    "reject": Transition(
        sources=frozenset({S.IN_REVIEW}),
        target=S.REJECTED,
        by=REVIEWER,
        subject="审核不通过",
        body="您的报名材料审核不通过（不符合报名条件）。",
        refused_code="NOT_IN_REVIEW",
        refused=NOT_IN_REVIEW,
    ),
    "send_onsite": Transition(
        sources=frozenset({S.IN_REVIEW}),
        target=S.ONSITE_PENDING,
        by=REVIEWER,
        subject="线上预审完成，请到考点现场审核",
        body="您的材料已完成线上预审。按照考区要求，请携带所有报名材料原件到考点进行现场审核。",
        refused_code="NOT_IN_REVIEW",
        refused=NOT_IN_REVIEW,
    ),
    "pass_onsite": Transition(
        sources=frozenset({S.ONSITE_PENDING}),
        target=S.APPROVED,
        by=ONSITE,
        subject="审核通过",
        body="您的报名材料已审核通过。",
        refused_code="NOT_ONSITE",
        refused="该申请当前为“{state}”，不在待现场审核状态。",
    ),
    "fail_onsite": Transition(
        sources=frozenset({S.ONSITE_PENDING}),
        target=S.REJECTED,
        by=ONSITE,
        subject="审核不通过",
        body="您的报名材料审核不通过（不符合报名条件）。",
        refused_code="NOT_ONSITE",
        refused="该申请当前为“{state}”，不在待现场审核状态。",
    ),
    # The province overrules a closed decision by reopening it.
    "reopen": Transition(
        sources=frozenset({S.APPROVED, S.REJECTED, S.ONSITE_PENDING}),
        target=S.IN_REVIEW,
        by=PROVINCE,
        subject="材料审核中",
        body="考务人员已开始审核您的报名材料，请留意后续通知。",
        refused_code="TRANSITION",
        refused=REFRESH,
    ),
}


@dataclass(frozen=True)
class Change:
    application: Application
    name: str
    from_state: str
    to_state: str


def allows(application: Application, name: str) -> bool:
    """Whether transition `name` may leave the application's current state."""
    return application.state in TRANSITIONS[name].sources


def check(application: Application, name: str) -> None:
    """Refuse transition `name` from the application's current state, in the table's words."""
    row = TRANSITIONS[name]
    if application.state not in row.sources:
        raise DomainError(
            row.refused_code,
            row.refused.format(
                state=Application.State(application.state).label,
                target=Application.State(row.target).label,
            ),
            409,
        )


def transition(
    application: Application,
    name: str,
    *,
    actor: User | None,
    request: HttpRequest | None = None,
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> Change:
    """Perform transition `name`: check it, save the application (with whatever the caller
    changed on it), write the audit entry and tell the candidate, as the row says."""
    check(application, name)
    row = TRANSITIONS[name]
    from_state = application.state
    before = tallies.snapshot(application)
    now = timezone.now()
    application.state = row.target
    application.version += 1
    if row.target in DECIDED_STATES:
        application.decided_at = now
    if row.target == S.SUBMITTED:
        # The images lock now: the queue's warnings flag is what they are from here on.
        application.has_warnings = (
            UploadedImage.objects.filter(
                application_id=application.pk, status=UploadedImage.Status.ACTIVE
            )
            .exclude(warnings=[])
            .exists()
        )
    application.save()
    tallies.add(
        tallies.for_transition(
            application,
            name,
            before=before,
            now=now,
            reason=reason,
            replace_reasons=[r["reason"] for r in (data or {}).get("requests", [])],
        )
    )
    tallies.remember(application)
    from_label = Application.State(from_state).label
    to_label = Application.State(row.target).label
    record(
        action="application.transition",
        actor=actor,
        request=request,
        application=application,
        target=f"application:{application.pk}",
        summary=f"{from_label} → {to_label}" + (f"：{reason}" if reason else ""),
        data={
            "from": from_state,
            "to": row.target,
            "transition": name,
            "reason": reason,
            "as": row.by,
            "version": application.version,
            **(data or {}),
        },
    )
    body = row.body
    if reason and row.tells_reason:
        body = f"{body}\n\n审核意见：{reason}"
    notify_candidate(application=application, kind=row.message_kind, subject=row.subject, body=body)
    return Change(application=application, name=name, from_state=from_state, to_state=row.target)

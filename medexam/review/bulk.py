"""Bulk approve: the queue's clean applications approved in one go, after a confirmation
that lists them. "Clean" is decided here, in one place: an online-route application waiting
for review (an offline one still needs its on-site check), not held by another reviewer,
every required item present, no image with a quality warning and no pre-check problem.

Each approval is its own transaction and goes the way a single one does: the row locked,
state and version re-checked under the lock, a Decision, the transitions (audit entries),
the message and SMS to the candidate. One that changed since the confirmation page is
skipped and reported, never approved on stale information. The work is bounded by what the
reviewer selected on one queue page, whatever the size of the queue."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from medexam.audit.services import record
from medexam.errors import DomainError
from medexam.materials.models import Application
from medexam.materials.selectors import materials_page
from medexam.materials.states import transition
from medexam.review.models import Decision
from medexam.review.services import _lock, held_by_other, scoped_applications

if TYPE_CHECKING:
    from django.http import HttpRequest

    from medexam.accounts.models import User

S = Application.State
MAX_BATCH = 50  # one queue page
BULK_REASON = "材料齐全、无质量提示，批量审核通过"


def refusal(application: Application, user: User, now=None) -> str:
    """Why `application` cannot be approved in bulk ("" when it can)."""
    if application.state not in (S.SUBMITTED, S.IN_REVIEW):
        return f"当前为“{application.get_state_display()}”，不在待审核状态"
    if application.route != "online":
        return "线下审核的考生还需现场审核原件，请逐份审核"
    if held_by_other(application, user, now):
        return f"正在由{application.claimed_by}审核"
    if application.has_warnings:
        return "有图片质量提示，请逐份审核"
    # The machine pre-check found a problem (confirmed by the candidate or not: a person looks).
    if application.precheck_issues:
        return "预检发现问题，请逐份审核"
    return ""


def eligible_ids(applications, user: User) -> set[int]:
    """The applications of a queue page that may be selected for bulk approval (no query:
    the page's rows carry what is needed)."""
    now = timezone.now()
    return {a.pk for a in applications if not refusal(a, user, now)}


@dataclass
class Candidates:
    eligible: list[Application] = field(default_factory=list)
    refused: list[tuple[Application, str]] = field(default_factory=list)


def selection(user: User, ids: list[int]) -> Candidates:
    """What the confirmation page lists: the selected applications in scope, split into
    those that will be approved and those that will not (with why)."""
    ids = ids[:MAX_BATCH]
    rows = (
        scoped_applications(user)
        .filter(pk__in=ids)
        .select_related("candidate", "candidate__exam_site", "claimed_by")
        .order_by("submitted_at", "id")
    )
    result = Candidates()
    now = timezone.now()
    for application in rows:
        reason = refusal(application, user, now) or _missing(application)
        if reason:
            result.refused.append((application, reason))
        else:
            result.eligible.append(application)
    return result


def _missing(application: Application) -> str:
    missing = [iv.item.name for iv in materials_page(application).missing]
    return "缺少必传材料：" + "、".join(missing) if missing else ""


@dataclass
class BulkResult:
    approved: list[Application] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (application id, why)


def bulk_approve(
    *, reviewer: User, versions: dict[int, int], request: HttpRequest | None = None
) -> BulkResult:
    """Approve each application of `versions` ({id: version the confirmation page showed})."""
    batch = uuid.uuid4().hex[:12]
    result = BulkResult()
    for application_id, version in list(versions.items())[:MAX_BATCH]:
        try:
            approved = _approve_one(application_id, version, reviewer, batch, request)
        except _Skip as skip:
            result.skipped.append((application_id, skip.reason))
        else:
            result.approved.append(approved)
    return result


class _Skip(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _approve_one(application_id, version, reviewer, batch, request) -> Application:
    now = timezone.now()
    with transaction.atomic():
        try:
            application = _lock(application_id, reviewer)
        except DomainError as exc:
            raise _Skip(exc.message) from exc
        if application.version != version:
            raise _Skip("确认后该申请已有变更，未通过，请重新查看")
        reason = refusal(application, reviewer, now) or _missing(application)
        if reason:
            raise _Skip(reason)
        if application.state == S.SUBMITTED:
            # As one by one: review starts (its message is in-app only), then the approval.
            transition(
                application, "start_review", actor=reviewer, request=request, data={"bulk": batch}
            )
        decision = Decision.objects.create(
            application=application,
            round=application.round,
            reviewer=reviewer,
            outcome=Decision.Outcome.APPROVE,
            reason=BULK_REASON,
            based_on_version=application.version,
            submitted_at=application.submitted_at,
        )
        application.claimed_by = None
        application.claim_expires_at = None
        transition(
            application,
            "approve",
            actor=reviewer,
            request=request,
            data={"decision": decision.pk, "outcome": "approve", "bulk": batch},
        )
        record(
            action="review.bulk_approved",
            actor=reviewer,
            request=request,
            application=application,
            target=f"application:{application.pk}",
            summary="批量审核通过",
            data={"batch": batch, "decision": decision.pk},
        )
    return application

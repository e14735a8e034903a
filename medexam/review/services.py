"""Every write of the reviewer's workspace: claiming work from the queue, decisions, the
on-site check, the province's reassignments and overrules, phone-call notes, and the
supplement deadline's reminder and closing.

Each function opens its transaction, locks the application row (`select_for_update`; on
SQLite the IMMEDIATE transaction mode serialises writers instead), re-checks scope, state,
claim and version under that lock, and changes state only through
`medexam.materials.states.transition` (which writes the audit entry and the message)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence, Set
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from medexam.audit.services import record
from medexam.errors import DomainError
from medexam.formats import moment
from medexam.materials import proposals
from medexam.materials.models import Application, ReplacementReason, UploadedImage
from medexam.materials.selectors import can_view_application
from medexam.materials.services import lock_for_review, unlock_for_replacement
from medexam.materials.states import REVIEWABLE_STATES, allows, check, transition
from medexam.messaging.services import notify_candidate
from medexam.review.models import Decision, PhoneCall, ReplacementRequest
from medexam.rules import reasons
from medexam.rules.models import MaterialItem

if TYPE_CHECKING:
    from django.http import HttpRequest

    from medexam.accounts.models import User

S = Application.State
Outcome = Decision.Outcome


def _not_found() -> DomainError:
    # Out of scope looks exactly like "does not exist".
    return DomainError("NOT_FOUND", "没有找到这份申请。", 404)


MSG_STALE = (
    "该申请在您打开页面之后已有新的变更（例如其他审核人员已作出决定），您的决定没有保存。"
    "请刷新页面查看最新状态后再审核。"
)


# --- scope --------------------------------------------------------------------------------


def scoped_applications(user: User) -> QuerySet[Application]:
    """The applications `user` may review: a site reviewer's site, a province reviewer's
    province; nobody else's (administrators manage accounts, not candidates' files). Drafts
    are the candidate's own until submitted: out of every reviewer's scope."""
    queryset = Application.objects.exclude(state=Application.State.DRAFT)
    if not user.is_authenticated:
        return queryset.none()
    # The scope columns of the application row (copied from the candidate), which lead
    # every queue index (materials.models.queue_indexes).
    if user.role == user.Role.SITE_REVIEWER and user.exam_site_id:
        return queryset.filter(exam_site_id=user.exam_site_id)
    if user.role == user.Role.PROVINCE_REVIEWER and user.province:
        return queryset.filter(province=user.province)
    return queryset.none()


def is_in_scope(user: User, application: Application) -> bool:
    return user.is_authenticated and user.is_reviewer and can_view_application(user, application)


def _lock(application_id: int, user: User) -> Application:
    application = (
        Application.objects.select_for_update(of=("self",))
        .select_related("candidate__exam", "candidate__user", "candidate__exam_site")
        .filter(pk=application_id)
        .first()
    )
    if application is None or not is_in_scope(user, application):
        raise _not_found()
    return application


def _check_version(application: Application, version: int | None) -> None:
    if version is None or int(version) != application.version:
        raise DomainError("STALE", MSG_STALE, 409)


def _check_not_held(application: Application, user: User, now: dt.datetime) -> None:
    if held_by_other(application, user, now):
        raise DomainError("HELD", _held_message(application), 409)


# --- claims -------------------------------------------------------------------------------


def lease() -> dt.timedelta:
    return dt.timedelta(minutes=settings.REVIEW_CLAIM_MINUTES)


def held_by_other(application: Application, user: User, now: dt.datetime | None = None) -> bool:
    now = now or timezone.now()
    return bool(
        application.claimed_by_id
        and application.claimed_by_id != user.pk
        and application.claim_expires_at
        and application.claim_expires_at > now
    )


def _held_message(application: Application) -> str:
    until = timezone.localtime(application.claim_expires_at).strftime("%H:%M")
    return (
        f"该申请正在由{application.claimed_by}审核（至少保留到 {until}），"
        "两人不能同时审核同一份申请。请从队列中选择其他申请。"
    )


def waiting_applications(user: User, now: dt.datetime | None = None) -> QuerySet[Application]:
    """Submitted or in review, in `user`'s scope, and not held by a live claim."""
    now = now or timezone.now()
    return (
        scoped_applications(user)
        .filter(state__in=REVIEWABLE_STATES)
        .filter(Q(claimed_by__isnull=True) | Q(claim_expires_at__lte=now))
    )


def _take(
    application: Application, user: User, now: dt.datetime, request: HttpRequest | None
) -> None:
    application.claimed_by = user
    application.claim_expires_at = now + lease()
    if application.state != S.IN_REVIEW:
        transition(application, "start_review", actor=user, request=request)  # saves the claim
    else:
        application.save(update_fields=["claimed_by", "claim_expires_at", "updated_at"])
    record(
        action="review.claimed",
        actor=user,
        request=request,
        application=application,
        target=f"application:{application.pk}",
        summary="开始审核",
        data={"until": application.claim_expires_at.isoformat()},
    )


def claim_next(*, reviewer: User, request: HttpRequest | None = None) -> Application | None:
    """Claim the oldest waiting application for `reviewer`. Two reviewers pressing "next"
    at once get different applications: the loser of the row lock skips to the next row."""
    now = timezone.now()
    with transaction.atomic():
        # One application at a time: what the reviewer held goes back to the queue, and
        # "next" skips it (unless nothing else is waiting).
        held = list(Application.objects.filter(claimed_by=reviewer).values_list("pk", flat=True))
        Application.objects.filter(pk__in=held).update(claimed_by=None, claim_expires_at=None)
        application = None
        for skip in (held, []):
            # skip_locked: rows another reviewer is claiming right now are passed over, not
            # waited for; PostgreSQL re-checks the WHERE clause on rows changed meanwhile.
            application = (
                waiting_applications(reviewer, now)
                .exclude(pk__in=skip)
                .select_for_update(skip_locked=True, of=("self",))
                .order_by("submitted_at", "id")
                .first()
            )
            if application is not None or not held:
                break
        if application is None:
            return None
        application = _lock(application.pk, reviewer)
        _take(application, reviewer, now, request)
    return application


def claim_application(
    *, application_id: int, reviewer: User, request: HttpRequest | None = None
) -> Application:
    now = timezone.now()
    with transaction.atomic():
        application = _lock(application_id, reviewer)
        if application.state != S.IN_REVIEW:
            check(application, "start_review")
        _check_not_held(application, reviewer, now)
        Application.objects.filter(claimed_by=reviewer).exclude(pk=application.pk).update(
            claimed_by=None, claim_expires_at=None
        )
        _take(application, reviewer, now, request)
    return application


def touch_claim(*, application: Application, reviewer: User) -> bool:
    """Renew the lease while the reviewer works on the application (inactivity expires it)."""
    now = timezone.now()
    return bool(
        Application.objects.filter(
            pk=application.pk, claimed_by=reviewer, claim_expires_at__gt=now
        ).update(claim_expires_at=now + lease())
    )


def release_claim(
    *, application_id: int, reviewer: User, request: HttpRequest | None = None
) -> None:
    with transaction.atomic():
        application = _lock(application_id, reviewer)
        if application.claimed_by_id != reviewer.pk:
            return
        application.claimed_by = None
        application.claim_expires_at = None
        application.save(update_fields=["claimed_by", "claim_expires_at", "updated_at"])
        record(
            action="review.released",
            actor=reviewer,
            request=request,
            application=application,
            target=f"application:{application.pk}",
            summary="放回队列",
        )


def reassign(
    *, application_id: int, actor: User, to_reviewer: User, request: HttpRequest | None = None
) -> Application:
    """The province hands an application to a reviewer (taking it from whoever held it)."""
    if actor.role != actor.Role.PROVINCE_REVIEWER:
        raise DomainError("FORBIDDEN", "只有考区审核人员可以重新分配申请。", 403)
    now = timezone.now()
    with transaction.atomic():
        application = _lock(application_id, actor)
        if application.state not in REVIEWABLE_STATES:
            raise DomainError("NOT_WAITING", "只有待审核或审核中的申请可以重新分配。", 409)
        if not (to_reviewer.is_active and is_in_scope(to_reviewer, application)):
            raise DomainError(
                "OUT_OF_SCOPE", "该审核人员不负责这名考生所在的考点，请选择该考点的审核人员。"
            )
        previous = application.claimed_by
        Application.objects.filter(claimed_by=to_reviewer).exclude(pk=application.pk).update(
            claimed_by=None, claim_expires_at=None
        )
        application.claimed_by = to_reviewer
        application.claim_expires_at = now + lease()
        application.save(update_fields=["claimed_by", "claim_expires_at", "updated_at"])
        record(
            action="review.reassigned",
            actor=actor,
            request=request,
            application=application,
            target=f"application:{application.pk}",
            summary=f"重新分配给 {to_reviewer}" + (f"（原为 {previous}）" if previous else ""),
            data={"to": to_reviewer.pk, "from": previous.pk if previous else None},
        )
    return application


# --- decisions ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Flag:
    """A request: replace image `image_uuid`, or (image_uuid "") add images to `item_code`."""

    reason: str
    note: str = ""
    image_uuid: str = ""
    item_code: str = ""
    # The reviewer's proposed fix: turn the image by this many degrees clockwise (90/180/270);
    # the candidate then uses the turned version or uploads a new one.
    rotate: int = 0

    def field(self, name: str) -> str:
        """The decision form's field for this flag's `name` ("reason" or "note"): a refusal
        about this flag names it, so the form shows it beside the flag."""
        return f"{name}-{self.image_uuid}" if self.image_uuid else f"{name}-item-{self.item_code}"


# The reviewer's outcome -> the transition it makes.
DECISIONS: dict[str, str] = {
    Outcome.APPROVE: "approve",
    Outcome.REQUEST_CHANGES: "request_changes",
    Outcome.REJECT: "reject",
    Outcome.ONSITE: "send_onsite",
}


def decide(
    *,
    application_id: int,
    reviewer: User,
    version: int | None,
    outcome: str,
    reason: str = "",
    flags: list[Flag] | tuple[Flag, ...] = (),
    verdicts: dict[str, str] | None = None,
    request: HttpRequest | None = None,
) -> Decision:
    """The reviewer's decision on an application in review: approve, request changes (which
    unlocks exactly the flagged images and items), reject, or send to the on-site check."""
    reason = (reason or "").strip()
    now = timezone.now()
    # Turned copies are written before the lock (CPU and file work), removed if not used.
    turned = (
        _turned_copies(application_id, reviewer, flags)
        if outcome == Outcome.REQUEST_CHANGES
        else {}
    )
    try:
        with transaction.atomic():
            decision = _decide_locked(
                application_id, reviewer, version, outcome, reason, flags, turned, now, request
            )
            if verdicts:
                record(
                    action="review.verdicts",
                    actor=reviewer,
                    request=request,
                    application=decision.application,
                    target=f"application:{application_id}",
                    summary=f"逐张标记：合格 {sum(v == 'ok' for v in verdicts.values())} 张，"
                    f"需更换 {sum(v == 'replace' for v in verdicts.values())} 张，"
                    f"未标记 {sum(not v for v in verdicts.values())} 张",
                    data={"decision": decision.pk, "verdicts": verdicts},
                )
    except BaseException:
        proposals.discard([t.name for t, _ in turned.values()])
        raise
    return decision


def _decide_locked(
    application_id: int,
    reviewer: User,
    version: int | None,
    outcome: str,
    reason: str,
    flags: Sequence[Flag],
    turned: dict[str, tuple[proposals.Turned, int]],
    now: dt.datetime,
    request: HttpRequest | None,
) -> Decision:
    """The decision under the application's row lock (decide's transaction)."""
    application = _lock(application_id, reviewer)
    _check_version(application, version)
    name = _transition_for(outcome)
    check(application, name)
    _check_not_held(application, reviewer, now)
    requests = _resolve_flags(application, flags)
    _check_decision(application, outcome, reason, requests)
    deadline = _open_for_changes(application, requests, now) if requests else None
    decision = _record_decision(application, reviewer, outcome, reason, deadline, requests)
    for r in requests:
        if r.image is not None and str(r.image.uuid) in turned:
            copy, degrees = turned[str(r.image.uuid)]
            proposals.create_proposal(application, r.image, copy, degrees, reviewer)
    transition(
        application,
        name,
        actor=reviewer,
        request=request,
        reason=_changes_text(requests, deadline, reason, set(turned)) if deadline else reason,
        data={
            "decision": decision.pk,
            "outcome": outcome,
            "requests": [
                {
                    "item": r.item.code,
                    "image": str(r.image.uuid) if r.image else None,
                    "reason": r.reason,
                }
                for r in requests
            ],
            "rotations": {uuid: degrees for uuid, (_, degrees) in turned.items()},
        },
    )
    return decision


def _turned_copies(
    application_id: int, reviewer: User, flags: Sequence[Flag]
) -> dict[str, tuple[proposals.Turned, int]]:
    """{image uuid: (turned copy, degrees)} for the flags that propose a rotation."""
    wanted = {f.image_uuid: f.rotate for f in flags if f.image_uuid and f.rotate}
    if not wanted:
        return {}
    application = (
        Application.objects.filter(pk=application_id).select_related("candidate__exam").first()
    )
    if application is None or not is_in_scope(reviewer, application):
        raise _not_found()
    images = UploadedImage.objects.filter(
        application_id=application_id, uuid__in=list(wanted), status=UploadedImage.Status.ACTIVE
    )
    copies: dict[str, tuple[proposals.Turned, int]] = {}
    try:
        for image in images:
            degrees = wanted[str(image.uuid)]
            copies[str(image.uuid)] = (proposals.write_turned_copy(image, degrees), degrees)
    except BaseException:
        proposals.discard([t.name for t, _ in copies.values()])
        raise
    return copies


def _transition_for(outcome: str) -> str:
    if outcome not in DECISIONS:
        raise DomainError(
            "BAD_OUTCOME",
            "请选择一个审核结论：审核通过、要求更换/补充材料、不符合报名条件或待现场审核。",
            field="outcome",
        )
    return DECISIONS[outcome]


def _check_decision(
    application: Application, outcome: str, reason: str, requests: list[ReplacementRequest]
) -> None:
    """The rules an outcome carries (each refusal names the field it concerns)."""
    if outcome != Outcome.REQUEST_CHANGES and requests:
        raise DomainError(
            "FLAGS_WITH_OUTCOME",
            "您标记了需要更换或补充的材料：请选择“要求更换/补充材料”，或先取消这些标记。",
            field="outcome",
        )
    if outcome == Outcome.REQUEST_CHANGES and not requests:
        raise DomainError(
            "NO_FLAGS",
            "要求更换材料时，请至少标记一张需要更换的图片或一项需要补充的材料。",
            field="outcome",
        )
    if outcome == Outcome.REJECT and not reason:
        raise DomainError(
            "REASON_REQUIRED",
            "判定“不符合报名条件”时必须填写理由，请在审核意见中说明。",
            field="reason",
        )
    if outcome == Outcome.ONSITE and application.route != "offline":
        raise DomainError(
            "NOT_OFFLINE",
            "该考生为线上审核，不需要现场审核。请选择审核通过或其他结论。",
            field="outcome",
        )


def _open_for_changes(
    application: Application, requests: list[ReplacementRequest], now: dt.datetime
) -> dt.datetime:
    """Unlock exactly what was flagged until the supplement deadline, which it returns."""
    deadline = supplement_deadline_for(application, now)
    unlock_for_replacement(
        application,
        flagged={r.image.pk: (r.reason, r.note) for r in requests if r.image is not None},
        item_codes=[r.item.code for r in requests if r.image is None],
    )
    application.supplement_deadline = deadline
    return deadline


def _record_decision(
    application: Application,
    reviewer: User,
    outcome: str,
    reason: str,
    deadline: dt.datetime | None,
    requests: list[ReplacementRequest],
) -> Decision:
    """The decision row and its replacement requests; the claim ends with it."""
    application.claimed_by = None
    application.claim_expires_at = None
    decision = Decision.objects.create(
        application=application,
        round=application.round,
        reviewer=reviewer,
        outcome=outcome,
        reason=reason,
        based_on_version=application.version,
        submitted_at=application.submitted_at,
        supplement_deadline=deadline,
    )
    for r in requests:
        r.decision = decision
    ReplacementRequest.objects.bulk_create(requests)
    return decision


def _resolve_flags(application: Application, flags: Sequence[Flag]) -> list[ReplacementRequest]:
    images = {
        str(img.uuid): img
        for img in UploadedImage.objects.filter(
            application=application, status=UploadedImage.Status.ACTIVE
        ).select_related("item")
    }
    items = {
        item.code: item
        for item in MaterialItem.objects.filter(exam_id=application.candidate.exam_id)
    }
    exam = application.candidate.exam
    requests: list[ReplacementRequest] = []
    seen: set[str] = set()
    for flag in flags:
        note = (flag.note or "").strip()[:500]
        if flag.image_uuid:
            image = images.get(str(flag.image_uuid))
            if image is None:
                raise DomainError("STALE", "标记的图片已不存在或已被更换。" + MSG_STALE, 409)
            item, key = image.item, f"image:{flag.image_uuid}"
        else:
            added = items.get(flag.item_code)
            if added is None:
                raise DomainError("UNKNOWN_ITEM", "没有这项材料，请刷新页面后重新选择。")
            item, image, key = added, None, f"item:{added.code}"
        if not reasons.is_allowed(exam, item.code, flag.reason):
            raise DomainError(
                "BAD_REASON",
                f"请为“{item.name}”选择一个更换原因（如不清晰、不完整等），或写明“其他”原因。",
                field=flag.field("reason"),
            )
        if flag.reason == ReplacementReason.OTHER and not note:
            raise DomainError(
                "NOTE_REQUIRED",
                f"“{item.name}”的原因选择了“其他”，请写明需要怎样更换。",
                field=flag.field("note"),
            )
        if key in seen:
            continue
        seen.add(key)
        requests.append(
            ReplacementRequest(
                application=application, item=item, image=image, reason=flag.reason, note=note
            )
        )
    return requests


def supplement_deadline_for(application: Application, now: dt.datetime) -> dt.datetime:
    """The end of the local day `supplement_days` days from now (the exam's data)."""
    days = application.candidate.exam.supplement_days or 3
    local = timezone.localtime(now) + dt.timedelta(days=days)
    return local.replace(hour=23, minute=59, second=59, microsecond=0)


def _changes_text(
    requests: list[ReplacementRequest],
    deadline: dt.datetime,
    reason: str,
    rotated: Set[str] = frozenset(),
) -> str:
    lines = []
    for r in requests:
        what = r.item.name
        if r.image is not None and r.image.slot:
            what += f"（{r.item.slot_label(r.image.slot)}）"
        action = "需更换" if r.image is not None else "需补充"
        line = f"· {what}{action}：{reasons.label(r.application.candidate.exam, r.reason)}"
        if r.note:
            line += f"，{r.note}"
        if r.image is not None and str(r.image.uuid) in rotated:
            line += "（审核人员已把这张图片转正，您可以直接使用转正后的图片，或重新上传）"
        lines.append(line)
    text = "\n".join(lines)
    text += f"\n请在 {moment(deadline)} 前完成更换并重新提交审核；逾期图片将重新锁定。"
    if reason:
        text += f"\n{reason}"
    return text


def record_onsite_check(
    *,
    application_id: int,
    reviewer: User,
    version: int | None,
    passed: bool,
    note: str = "",
    request: HttpRequest | None = None,
) -> Decision:
    """Close an offline-route application after checking the originals on site."""
    note = (note or "").strip()
    name = "pass_onsite" if passed else "fail_onsite"
    with transaction.atomic():
        application = _lock(application_id, reviewer)
        _check_version(application, version)
        check(application, name)
        if not passed and not note:
            raise DomainError(
                "REASON_REQUIRED",
                "现场审核不通过时必须填写理由（例如原件与上传材料不一致）。",
                field="note",
            )
        decision = Decision.objects.create(
            application=application,
            round=application.round,
            reviewer=reviewer,
            outcome=Outcome.ONSITE_APPROVED if passed else Outcome.ONSITE_REJECTED,
            reason=note,
            based_on_version=application.version,
            submitted_at=application.submitted_at,
        )
        transition(
            application,
            name,
            actor=reviewer,
            request=request,
            reason=("现场审核原件：" + (note or "与上传材料一致")),
            data={"decision": decision.pk, "onsite": True},
        )
    return decision


def reopen(
    *,
    application_id: int,
    actor: User,
    version: int | None,
    reason: str,
    request: HttpRequest | None = None,
) -> Decision:
    """The province overrules a closed decision: the application goes back into review,
    held by the province reviewer."""
    reason = (reason or "").strip()
    if actor.role != actor.Role.PROVINCE_REVIEWER:
        raise DomainError("FORBIDDEN", "只有考区审核人员可以改判已作出的决定。", 403)
    if not reason:
        raise DomainError("REASON_REQUIRED", "改判时必须填写理由。", field="reason")
    now = timezone.now()
    with transaction.atomic():
        application = _lock(application_id, actor)
        _check_version(application, version)
        check(application, "reopen")
        decision = Decision.objects.create(
            application=application,
            round=application.round,
            reviewer=actor,
            outcome=Outcome.REOPEN,
            reason=reason,
            based_on_version=application.version,
            submitted_at=application.submitted_at,
        )
        application.claimed_by = actor
        application.claim_expires_at = now + lease()
        transition(
            application,
            "reopen",
            actor=actor,
            request=request,
            reason=f"考区重新审核：{reason}",
            data={"decision": decision.pk},
        )
    return decision


def log_phone_call(
    *,
    application_id: int,
    reviewer: User,
    outcome: str,
    note: str = "",
    request: HttpRequest | None = None,
) -> PhoneCall:
    note = (note or "").strip()[:500]
    with transaction.atomic():
        application = _lock(application_id, reviewer)
        if outcome not in PhoneCall.Outcome.values:
            raise DomainError(
                "BAD_OUTCOME",
                "请选择通话结果（已接通并告知、无人接听、号码错误或其他）。",
                field="outcome",
            )
        call = PhoneCall.objects.create(
            application=application, reviewer=reviewer, outcome=outcome, note=note
        )
        record(
            action="review.phone_call",
            actor=reviewer,
            request=request,
            application=application,
            target=f"phone_call:{call.pk}",
            summary=f"电话联系考生：{call.get_outcome_display()}" + (f"，{note}" if note else ""),
            data={"outcome": outcome},
        )
    return call


# --- the supplement deadline (commands) ---------------------------------------------------


# Reminders of a supplement deadline (SPEC: the candidate always knows what is due): one the
# day before (from 09:00) and one on the deadline's morning (from 08:00), each at most once.
EVE_REMINDER_FROM = dt.time(9, 0)
MORNING_REMINDER_FROM = dt.time(8, 0)


def reminder_due(deadline: dt.datetime, now: dt.datetime) -> str | None:
    """ "eve", "morning" or None: which reminder of `deadline` is due at `now`."""
    local = timezone.localtime(deadline)
    morning = dt.datetime.combine(local.date(), MORNING_REMINDER_FROM, tzinfo=local.tzinfo)
    eve = dt.datetime.combine(
        local.date() - dt.timedelta(days=1), EVE_REMINDER_FROM, tzinfo=local.tzinfo
    )
    if now >= deadline:
        return None
    if now >= morning:
        return "morning"
    if now >= eve:
        return "eve"
    return None


def send_deadline_reminders(*, now: dt.datetime | None = None) -> int:
    """SMS and in-app reminders of near supplement deadlines; safe to run from several
    schedulers at once (each decision's reminder is taken under the application's lock)."""
    now = now or timezone.now()
    due = Application.objects.filter(
        state=S.CHANGES_REQUESTED,
        supplement_deadline__gt=now,
        supplement_deadline__lte=now + dt.timedelta(days=2),
    ).values_list("pk", flat=True)
    sent = 0
    for application_id in list(due):
        with transaction.atomic():
            application = (
                Application.objects.select_for_update(of=("self",))
                .select_related("candidate__user")
                .get(pk=application_id)
            )
            decision = (
                Decision.objects.filter(application=application, outcome=Outcome.REQUEST_CHANGES)
                .order_by("-created_at", "-id")
                .first()
            )
            deadline = application.supplement_deadline
            if application.state != S.CHANGES_REQUESTED or decision is None or deadline is None:
                continue
            which = reminder_due(deadline, now)
            if which is None:
                continue
            if which == "eve" and decision.reminder_sent_at is not None:
                continue
            if which == "morning" and decision.morning_reminder_sent_at is not None:
                continue
            deadline = timezone.localtime(application.supplement_deadline)
            when = "明天" if which == "eve" else "今天"
            notify_candidate(
                application=application,
                kind="supplement_reminder",
                subject=f"补充材料{when}截止",
                body=(
                    f"请在 {moment(deadline)} 前更换审核人员标记的材料并重新提交审核。"
                    "逾期后图片将重新锁定，材料按现有内容进入审核。"
                ),
            )
            # The morning's reminder also stands for a day-before one that never went out.
            decision.reminder_sent_at = decision.reminder_sent_at or now
            if which == "morning":
                decision.morning_reminder_sent_at = now
            decision.save(update_fields=["reminder_sent_at", "morning_reminder_sent_at"])
            record(
                action="review.deadline_reminder",
                application=application,
                target=f"application:{application.pk}",
                summary=f"发送补充截止提醒（{when}截止）",
                data={"reminder": which},
            )
            sent += 1
    return sent


def close_expired_supplements(*, now: dt.datetime | None = None) -> int:
    """After the deadline the unlocked images lock again and the application returns to the
    queue with what it holds; the candidate is told."""
    now = now or timezone.now()
    due = Application.objects.filter(
        state=S.CHANGES_REQUESTED, supplement_deadline__lt=now
    ).values_list("pk", flat=True)
    closed = 0
    for application_id in list(due):
        with transaction.atomic():
            application = (
                Application.objects.select_for_update(of=("self",))
                .select_related("candidate__user", "candidate__exam")
                .get(pk=application_id)
            )
            if (
                not allows(application, "close_supplement")
                or application.supplement_deadline is None
                or application.supplement_deadline >= now
            ):
                continue  # resubmitted, or given a new deadline, since the list was read
            lock_for_review(application, now=now)
            transition(
                application,
                "close_supplement",
                actor=None,
                reason="补充截止时间已过",
                data={"deadline_closed": True, "round": application.round},
            )
            closed += 1
    return closed

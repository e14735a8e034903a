"""What the candidate is told to do next, decided in one place for every page and message:
the route explained (R1: nothing to upload), the "需要您处理" list after a change request,
the next steps after each outcome, and the on-site check with its appointment slip.

Rule codes (R1…R8) are for officials; nothing here shows one to a candidate."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core import signing

from medexam.formats import day
from medexam.materials.models import Application, UploadedImage
from medexam.rules import reasons

S = Application.State
SLIP_SALT = "medexam.onsite-slip"


# --- the route --------------------------------------------------------------------------


def route_explanation(exam, evaluation) -> list[str]:
    """Why this route, and what it asks of the candidate, without rule codes."""
    table = f"{exam.province_name}{exam.year}年医师资格考试审核条件对照表"
    lines = [f"根据《{table}》，您符合：{evaluation.rule_wording}。"]
    row = _route_row(exam, evaluation.rule_code)
    if row.get("waive_requirements"):
        lines.append("您只需在系统内填报个人信息，无需上传报名材料；如愿意，也可以自愿上传。")
        return lines
    if evaluation.route_note:
        lines.append(evaluation.route_note + "。")
    if evaluation.route == "offline":
        lines.append(
            "线下审核：先在系统内上传所有报名材料并提交审核，线上预审完成后，再携带原件到考点现场审核。"
        )
    else:
        lines.append("线上审核：在系统内上传材料并提交后，由考点审核人员在线审核，一般无需到现场。")
    return lines


def _route_row(exam, code: str) -> dict:
    return next((r for r in (exam.rules or {}).get("routes", []) if r["code"] == code), {})


def waives_uploads(exam, evaluation) -> bool:
    return bool(_route_row(exam, evaluation.rule_code).get("waive_requirements"))


# --- "需要您处理" ------------------------------------------------------------------------


@dataclass
class TodoEntry:
    label: str  # 身份证明（反面）
    action: str  # 需更换 / 需补充
    reason: str  # 不清晰：反面文字看不清
    anchor: str  # the element on the materials page to land on
    done: bool


@dataclass
class Todo:
    entries: list[TodoEntry]
    deadline: dt.datetime | None

    @property
    def remaining(self) -> int:
        return sum(1 for e in self.entries if not e.done)


def _image_label(img: UploadedImage) -> str:
    return img.place_label(numbered=True)


def _reason_text(exam, code: str, note: str) -> str:
    text = reasons.label(exam, code)
    return f"{text}：{note}" if note and text else (note or text)


def todo(application: Application, page) -> Todo | None:
    """After a change request: each flagged image (still there, deleted, or replaced) and
    each item opened for additions, with the reviewer's reason and where to act."""
    if application.state != S.CHANGES_REQUESTED:
        return None
    from medexam.materials.proposals import proposals_for
    from medexam.review.models import Decision, ReplacementRequest

    exam = application.candidate.exam
    proposed = proposals_for(application)
    entries: list[TodoEntry] = []
    for iv in page.items:
        for view in iv.images:
            img = view.image
            if img.unlocked and img.round < application.round:
                reason = _reason_text(exam, img.replacement_reason, img.replacement_note)
                if img.pk in proposed:
                    reason += "（审核人员已把图片转正，可直接使用）"
                entries.append(
                    TodoEntry(
                        _image_label(img),
                        "需更换",
                        reason,
                        f"image-{img.uuid}",
                        False,
                    )
                )
        for old in iv.replaced:
            new = next((v.image for v in iv.images if v.image.replaces_id == old.pk), None)
            anchor = (
                f"image-{new.uuid}"
                if new
                else (f"slot-{iv.item.code}-{old.slot}" if old.slot else f"item-{iv.item.code}")
            )
            entries.append(
                TodoEntry(
                    _image_label(old),
                    "需更换",
                    _reason_text(exam, old.replacement_reason, old.replacement_note),
                    anchor,
                    new is not None,
                )
            )
    decision = (
        Decision.objects.filter(application=application, outcome=Decision.Outcome.REQUEST_CHANGES)
        .order_by("-created_at", "-id")
        .first()
    )
    if decision is not None:
        by_code = {iv.item.code: iv for iv in page.items}
        for r in ReplacementRequest.objects.filter(decision=decision, image=None).select_related(
            "item"
        ):
            iv = by_code.get(r.item.code)
            added = iv is not None and any(v.image.round == application.round for v in iv.images)
            entries.append(
                TodoEntry(
                    r.item.name,
                    "需补充",
                    _reason_text(exam, r.reason, r.note),
                    f"item-{r.item.code}",
                    added,
                )
            )
    return Todo(entries=entries, deadline=application.supplement_deadline)


# --- the on-site check --------------------------------------------------------------------


@dataclass
class OnsiteInfo:
    site: str
    address: str
    dates: str
    hours: str
    bring: str
    originals: list[str] = field(default_factory=list)


def onsite_info(application: Application, page=None) -> OnsiteInfo | None:
    exam = application.candidate.exam
    data = (exam.rules or {}).get("onsite_check")
    if not data:
        return None
    site = application.candidate.exam_site
    sites: list[dict[str, Any]] = (exam.rules or {}).get("sites", [])
    site_row: dict[str, Any] = next((s for s in sites if s["code"] == site.code), {})
    address = site_row.get("address") or data["address"].format(site=site.name)
    starts, ends = dt.date.fromisoformat(data["starts_on"]), dt.date.fromisoformat(data["ends_on"])
    dates = day(starts) if starts == ends else f"{day(starts)}至{day(ends)}"
    originals = []
    if page is not None:
        originals = [iv.item.name for iv in page.items if iv.images]
    return OnsiteInfo(
        site=site.name,
        address=address,
        dates=dates,
        hours=data["hours"],
        bring=data["bring"],
        originals=originals,
    )


def slip_token(application: Application) -> str:
    """What the slip's QR code carries: the application's id, signed, so that a made-up
    number opens nothing. No personal data (it travels on paper and through a scanner)."""
    return signing.dumps(application.pk, salt=SLIP_SALT, compress=True)


def application_id_from_slip(token: str) -> int | None:
    try:
        value = signing.loads(token, salt=SLIP_SALT)
    except signing.BadSignature:
        return None
    return value if isinstance(value, int) else None


# --- next steps -----------------------------------------------------------------------------


@dataclass
class NextSteps:
    title: str
    lines: list[str]
    slip: bool = False  # offer the on-site appointment slip


def next_steps(application: Application, evaluation, page=None) -> NextSteps | None:
    state = application.state
    exam = application.candidate.exam
    if state == S.DRAFT:
        if waives_uploads(exam, evaluation):
            return NextSteps(
                "下一步",
                [
                    "您无需上传报名材料。请核对报名信息无误后点击“提交审核”，等待审核通知。",
                ],
            )
        return NextSteps(
            "下一步",
            ["按下方清单上传必须上传的材料，全部完成后点击“提交审核”。提交后图片将锁定。"],
        )
    if state in (S.SUBMITTED, S.IN_REVIEW):
        return NextSteps(
            "下一步",
            [
                "请等待考点审核人员审核。审核结果会通过站内信和短信通知您，请留意查看。",
                "如审核人员要求更换材料，只有被标记的图片会解锁，请在截止时间前更换并重新提交。",
            ],
        )
    if state == S.APPROVED:
        if application.route == "offline":
            return NextSteps(
                "审核已全部完成",
                [
                    "您的原件已在考点现场核对通过，报名材料审核完成。请留意考区后续通知（如缴费、打印准考证）。"
                ],
            )
        return NextSteps(
            "审核已完成",
            ["您为线上审核，无需到考点现场审核。请留意考区后续通知（如缴费、打印准考证）。"],
        )
    if state == S.REJECTED:
        return NextSteps(
            "审核结果",
            [
                "审核人员的意见见站内信。如对结果有疑问，请联系您报名的考点"
                f"（{application.candidate.exam_site.name}）。",
            ],
        )
    if state == S.ONSITE_PENDING:
        info = onsite_info(application, page)
        if info is None:
            return NextSteps(
                "下一步：现场审核", ["请按考点通知携带所有报名材料原件到考点现场审核。"]
            )
        return NextSteps(
            "下一步：到考点现场审核",
            [
                f"地点：{info.address}",
                f"时间：{info.dates}，{info.hours}",
                f"请携带：{info.bring}",
            ],
            slip=True,
        )
    return None

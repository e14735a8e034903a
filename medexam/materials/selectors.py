"""Reads for the candidate's materials pages: the checklist with images and lock states,
and what still blocks a submission. A fixed number of queries, whatever the catalog size."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from medexam.materials.models import Application, UploadedImage
from medexam.materials.services import image_is_locked, open_positions
from medexam.precheck.selectors import PrecheckView, precheck_views
from medexam.rules.evaluation import Evaluation, ItemVerdict
from medexam.rules.models import MaterialItem
from medexam.rules.selectors import evaluation_for

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from medexam.accounts.models import User

STATUS_ORDER = {"required": 0, "check": 1, "recommended": 2, "optional": 3, "not_applicable": 4}


@dataclass
class ImageView:
    image: UploadedImage
    locked: bool
    slot_label: str
    # The machine pre-check: its result, or `precheck_pending` while a worker reads it.
    precheck: PrecheckView | None = None
    precheck_pending: bool = False

    @property
    def needs_confirmation(self) -> bool:
        """Intake warnings or pre-check problems the candidate has not confirmed."""
        warned = bool(self.image.warnings) and not self.image.warnings_confirmed
        return warned or (self.precheck is not None and self.precheck.open_issues)


@dataclass
class SlotView:
    code: str
    label: str
    image: ImageView | None
    can_upload: bool


@dataclass
class ItemView:
    item: MaterialItem
    verdict: ItemVerdict
    images: list[ImageView]
    replaced: list[UploadedImage]
    can_upload: bool
    slots: list[SlotView] = field(default_factory=list)
    free: int = 0  # places a new image may go into now (several files in one pick)

    @property
    def count(self) -> int:
        return len(self.images)

    @property
    def missing(self) -> bool:
        if self.verdict.status != "required":
            return False
        needed = self.item.max_count if self.item.exact_count else 1
        return self.count < needed

    @property
    def replaced_done(self) -> set[int]:
        """Flagged images (of `replaced`) that a new image already replaces."""
        return {iv.image.replaces_id for iv in self.images if iv.image.replaces_id}

    @property
    def changeable(self) -> bool:
        """Anything the candidate may still change here (the check page's 更改)."""
        return self.can_upload or any(not iv.locked for iv in self.images)

    @property
    def flagged(self) -> list[UploadedImage]:
        """Images the reviewer asked to replace: still in place, or taken out already."""
        return [iv.image for iv in self.images if iv.image.unlocked] + self.replaced


@dataclass
class GroupView:
    name: str
    items: list[ItemView]


@dataclass
class MaterialsPage:
    application: Application
    evaluation: Evaluation
    groups: list[GroupView]

    @property
    def items(self) -> list[ItemView]:
        return [iv for g in self.groups for iv in g.items]

    @property
    def missing(self) -> list[ItemView]:
        return [iv for iv in self.items if iv.missing]

    @property
    def unconfirmed(self) -> list[ImageView]:
        return [iv for item in self.items for iv in item.images if iv.needs_confirmation]

    @property
    def image_count(self) -> int:
        return sum(iv.count for iv in self.items)

    @property
    def required(self) -> list[ItemView]:
        return [iv for iv in self.items if iv.verdict.status == "required"]

    @property
    def required_done(self) -> int:
        """For "已完成 5/8 项必传材料": required items with enough images."""
        return sum(1 for iv in self.required if not iv.missing)


def materials_page(
    application: Application, images: list[UploadedImage] | None = None
) -> MaterialsPage:
    """`images`: every image of the application, item selected along, in (position,
    uploaded_at) order, when the caller has read them already."""
    candidate = application.candidate
    evaluation = evaluation_for(candidate)
    items = list(MaterialItem.objects.filter(exam_id=candidate.exam_id).order_by("order"))
    if images is None:
        images = list(
            UploadedImage.objects.filter(application=application)
            .select_related("item")
            .order_by("position", "uploaded_at")
        )
    prechecks = precheck_views(
        candidate, [img for img in images if img.status == UploadedImage.Status.ACTIVE]
    )
    by_item: dict[int, list[UploadedImage]] = {}
    for img in images:
        by_item.setdefault(img.item_id, []).append(img)
    groups: dict[str, list[ItemView]] = {}
    for item in items:
        item_images = by_item.get(item.pk, [])
        active = [img for img in item_images if img.status == UploadedImage.Status.ACTIVE]
        views = [
            ImageView(
                img,
                image_is_locked(application, img),
                item.slot_label(img.slot),
                precheck=prechecks.results.get(img.pk),
                precheck_pending=img.pk in prechecks.pending,
            )
            for img in active
        ]
        free = open_positions(application, item, item_images)
        slot_views = []
        for index, slot in enumerate(item.slots):
            current = next((v for v in views if v.image.position == index), None)
            slot_views.append(SlotView(slot["code"], slot["label"], current, index in free))
        verdict = evaluation.items.get(item.code) or ItemVerdict("optional", "")
        groups.setdefault(item.group, []).append(
            ItemView(
                item=item,
                verdict=verdict,
                images=views,
                replaced=[
                    img
                    for img in item_images
                    if img.status == UploadedImage.Status.REPLACED
                    and img.round < application.round
                    and img.unlocked
                ],
                can_upload=bool(free),
                slots=slot_views,
                free=len(free),
            )
        )
    return MaterialsPage(
        application=application,
        evaluation=evaluation,
        groups=[GroupView(name, views) for name, views in groups.items()],
    )


@dataclass
class Blockers:
    evaluation: Evaluation
    missing: list[str]
    unconfirmed: list[str]


def submission_blockers(application: Application) -> Blockers:
    page = materials_page(application)
    missing = []
    for iv in page.missing:
        if iv.item.exact_count:
            missing.append(f"{iv.item.name}（需 {iv.item.max_count} 张，已传 {iv.count} 张）")
        else:
            missing.append(iv.item.name)
    unconfirmed = sorted({iv.image.item.name for iv in page.unconfirmed})
    return Blockers(evaluation=page.evaluation, missing=missing, unconfirmed=unconfirmed)


def can_view_application(user: User | AnonymousUser, application: Application) -> bool:
    """Least privilege: the candidate, or a reviewer whose scope holds the candidate's site
    once the application has been submitted."""
    if not user.is_authenticated:
        return False
    candidate = application.candidate
    if user.role == user.Role.CANDIDATE:
        return bool(candidate.user_id == user.pk)
    if application.state == application.State.DRAFT:
        return False  # not submitted: no reviewer's (review.services.scoped_applications)
    if user.role == user.Role.SITE_REVIEWER:
        return user.exam_site_id is not None and candidate.exam_site_id == user.exam_site_id
    if user.role == user.Role.PROVINCE_REVIEWER:
        return bool(user.province) and candidate.exam.province == user.province
    return False

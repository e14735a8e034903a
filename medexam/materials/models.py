from __future__ import annotations

import uuid
from collections.abc import Collection
from typing import Any

from django.conf import settings
from django.core.files.storage import Storage, default_storage
from django.db import models
from django.db.models import Q


def private_storage() -> Storage:
    """Candidate files live in the default storage, which settings configure as private:
    there is no public media URL at all (served only by materials.views.image_file)."""
    return default_storage


WAITING = ("submitted", "in_review")  # states.REVIEWABLE_STATES (that module imports this)


# The queue's yes/no filters: filter name -> (index name part, condition). The filter
# (review.selectors.FLAGS) and its partial index must use the same condition, or the planner
# cannot use the index: both read it from here.
QUEUE_FLAGS: dict[str, tuple[str, Q]] = {
    "warnings": ("warn", Q(has_warnings=True)),
    # Issue 17's pre-check: its column, kept by medexam.precheck.
    "precheck": ("precheck", Q(precheck_issues=True)),
    "resubmitted": ("resub", Q(round__gt=1)),
}


def queue_indexes() -> list[models.Index]:
    """The review queue's indexes, each named after the query it serves: for both scopes (a
    site reviewer's `exam_site`, a province reviewer's `province`) the rows in the queue's
    order (submitted_at, id), so that a page is a walk of LIMIT 51 index entries from a
    keyset cursor, whatever the population (review.selectors.queue, services.claim_next).
    Each also INCLUDEs the columns its filtered count reads besides its own (the state; the
    route), so that the count of up to COUNT_CAP rows beside a page is an index-only scan:
    at a million it was a bitmap AND of two indexes and 1,000 heap pages, 10-20 ms."""
    indexes = []
    for scope, tag in (("exam_site", "site"), ("province", "prov")):
        order = [scope, "submitted_at", "id"]
        indexes += [
            # The default queue (submitted or in review) and "next" (claim_next's LIMIT 1
            # FOR UPDATE SKIP LOCKED reads the first unclaimed row of this index); its route
            # filter's count.
            models.Index(
                fields=order,
                condition=Q(state__in=WAITING),
                include=["route"],
                name=f"queue_{tag}_waiting",
            ),
            # The queue filtered by one state.
            models.Index(fields=[scope, "state", "submitted_at", "id"], name=f"queue_{tag}_state"),
            # The queue's "all" (everything but drafts).
            models.Index(fields=order, condition=~Q(state="draft"), name=f"queue_{tag}_all"),
            # The queue filtered by route rule (R1 is rare: the waiting index would be read
            # to its end to find a page of them).
            models.Index(
                fields=[scope, "rule_code", "submitted_at", "id"],
                include=["state"],
                name=f"queue_{tag}_rule",
            ),
            # The queue's flag filters (review.selectors.FLAGS), one partial index per flag.
            *(
                models.Index(
                    fields=order,
                    condition=condition,
                    include=["state"],
                    name=f"queue_{tag}_{short}",
                )
                for short, condition in QUEUE_FLAGS.values()
            ),
        ]
    indexes += [
        # Statistics: the overdue replacements of each site (changes requested, deadline past).
        models.Index(
            fields=["exam_site", "supplement_deadline"],
            condition=Q(state="changes_requested"),
            name="overdue_by_site",
        ),
        # The queue's "waiting" count subtracts the live claims (a few hundred at most).
        models.Index(
            fields=["claim_expires_at"],
            condition=Q(claimed_by__isnull=False),
            name="live_claims",
        ),
    ]
    return indexes


class Application(models.Model):
    """One candidate's materials for one exam. Its state moves only through
    medexam.materials.states.transition (the one table of allowed transitions)."""

    class State(models.TextChoices):
        DRAFT = "draft", "未提交"
        SUBMITTED = "submitted", "已提交，等待审核"
        IN_REVIEW = "in_review", "审核中"
        CHANGES_REQUESTED = "changes_requested", "需补充/更换材料"
        ONSITE_PENDING = "onsite_pending", "线上预审完成，待现场审核"
        APPROVED = "approved", "审核通过"
        REJECTED = "rejected", "审核不通过"

    candidate = models.OneToOneField(
        "candidates.Candidate", on_delete=models.PROTECT, related_name="application"
    )
    # The reviewer's scope, copied from the candidate (exam_site, exam.province) so that one
    # index holds scope, filter and order together. Kept in step with the candidate in the
    # same transaction wherever its site changes (candidates.services, materials.tallies).
    exam_site = models.ForeignKey("rules.ExamSite", on_delete=models.PROTECT, related_name="+")
    province = models.CharField(max_length=32)
    state = models.CharField(max_length=24, choices=State.choices, default=State.DRAFT)
    # Bumped by every transition: a decision posted from a stale page is refused.
    version = models.PositiveIntegerField(default=0)
    # Review round: 0 before the first submission, +1 at every (re)submission.
    round = models.PositiveSmallIntegerField(default=0)
    # Items the reviewer opened for additions in this round (missing or incomplete items).
    unlocked_items = models.JSONField(default=list, blank=True)
    supplement_deadline = models.DateTimeField(null=True, blank=True)
    # The route and rule that applied when last submitted (rules.evaluation decides them).
    route = models.CharField(max_length=16, blank=True)
    rule_code = models.CharField(max_length=16, blank=True)
    # Claim lease of the review queue.
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="claimed_applications",
    )
    claim_expires_at = models.DateTimeField(null=True, blank=True)
    # Denormalised from the pre-check results (medexam.precheck): some active image has a
    # pre-check problem, confirmed by the candidate or not (like a quality warning, a
    # confirmed problem still needs a reviewer's eyes). Kept in step in the transaction that
    # stores a result or replaces or deletes its image, so the queue filter "预检发现问题" is
    # one indexed column, not a join over the images.
    precheck_issues = models.BooleanField(default=False)
    first_submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    # Queue filters as columns (review.selectors.FLAGS), each served by its partial indexes.
    # An active image with intake warnings; set at every (re)submission, when images lock.
    has_warnings = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            # The supplement schedules: changes_requested past or near their deadline.
            models.Index(fields=["state", "submitted_at"]),
            *queue_indexes(),
        ]

    def __str__(self) -> str:
        return f"Application {self.pk} ({self.state})"

    @classmethod
    def from_db(
        cls, db: str | None, field_names: Collection[str], values: Collection[Any], **kwargs: Any
    ) -> Application:
        instance = super().from_db(db, field_names, values, **kwargs)
        # What the site counters counted of this row as read (materials.tallies.snapshot):
        # a service changes route and round before the transition that counts them.
        loaded = instance.__dict__
        if all(k in loaded for k in ("state", "route", "round", "exam_site_id")):
            instance._tallied = (  # type: ignore[attr-defined]
                loaded["state"],
                loaded["route"],
                loaded["round"],
                loaded["exam_site_id"],
            )
        return instance

    @property
    def is_resubmission(self) -> bool:
        return self.round > 1


class ReplacementReason(models.TextChoices):
    """Why a reviewer asks for an image to be replaced: the source's own tips (附件2). Which of
    them an item offers, and their wording, come from the exam's data file
    (`replacement_reasons`, medexam.rules.reasons); these are the codes shipped files use."""

    UNCLEAR = "unclear", "不清晰"
    INCOMPLETE = "incomplete", "不完整"
    EXPIRED = "expired", "证件过期"
    MISMATCH = "mismatch", "与报名信息不一致"
    NO_SEAL = "no_seal", "缺少签字或公章"
    ORIENTATION = "orientation", "方向不正"
    WRONG_MATERIAL = "wrong_material", "上传了非要求材料"
    ORIGINAL_NOT_COPY = "original_not_copy", "正本而非副本"
    NOT_SELF = "not_self", "非本人或与本人不符"
    INSTITUTION_MISMATCH = "institution_mismatch", "机构名称与报名表不一致"
    NOT_EDUCATION_RECORD = "not_education_record", "是学籍备案表而非学历备案表"
    NO_FIRST_REGISTRATION = "no_first_registration", "缺少首次注册信息"
    OTHER_PROVINCE = "other_province", "非辽宁省颁发（外省无效）"
    WRONG_COPY = "wrong_copy", "不是申请表第二联"
    OTHER = "other", "其他"


class UploadedImage(models.Model):
    """One stored, normalised image. Only the server-chosen file name is kept; the client's
    file name is never stored. Replaced images are kept (status=replaced) so the reviewer
    can compare old and new; draft deletions remove row and file."""

    class Status(models.TextChoices):
        ACTIVE = "active", "有效"
        REPLACED = "replaced", "已被更换"
        # A reviewer's fix (a turned copy of `replaces`), waiting for the candidate to use it
        # or to upload a replacement; never counted, shown or locked as one of the images.
        PROPOSED = "proposed", "审核人员建议的版本"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="images")
    item = models.ForeignKey("rules.MaterialItem", on_delete=models.PROTECT, related_name="+")
    slot = models.CharField(max_length=32, blank=True)  # named slot code, or ""
    position = models.PositiveSmallIntegerField()  # 0-based place within the item
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    replaces = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replaced_by"
    )
    round = models.PositiveSmallIntegerField(default=0)  # application round it was uploaded in
    # Set by a reviewer's "please replace this" (only these unlock after changes_requested).
    unlocked = models.BooleanField(default=False)
    replacement_reason = models.CharField(
        max_length=32, blank=True, choices=ReplacementReason.choices
    )
    replacement_note = models.TextField(blank=True)
    # Degrees clockwise a reviewer turned the original by (a proposed version; 0 otherwise).
    rotation = models.PositiveSmallIntegerField(default=0)

    file = models.FileField(max_length=200)
    thumbnail = models.FileField(max_length=200, blank=True)
    format = models.CharField(max_length=8)  # JPEG / PNG
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    size = models.PositiveIntegerField()  # stored bytes
    original_size = models.PositiveIntegerField()
    original_sha256 = models.CharField(max_length=64, db_index=True)
    phash = models.CharField(max_length=32, blank=True, db_index=True)
    # Intake warnings, [{"code": ..., "message": ...}]; the candidate confirmed them.
    warnings = models.JSONField(default=list, blank=True)
    warnings_confirmed = models.BooleanField(default=False)
    metrics = models.JSONField(default=dict, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    # A retried upload carries the same key: it finds this row instead of adding another.
    idempotency_key = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["item__order", "position", "uploaded_at"]
        constraints = [
            # The database refuses two live images in one place, whatever the code does.
            models.UniqueConstraint(
                fields=["application", "item", "position"],
                condition=Q(status="active"),
                name="one_active_image_per_place",
            ),
            models.UniqueConstraint(
                fields=["application", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="idempotent_upload",
            ),
        ]

    def __str__(self) -> str:
        return f"Image {self.uuid} of {self.item_id}"

    def place_label(self, *, numbered: bool = False) -> str:
        """'身份证明（反面）'; with `numbered`, an item without named slots says which image
        ('毕业证书 第2张'). Reads `item` (select it along)."""
        slot = self.item.slot_label(self.slot)
        if slot:
            return f"{self.item.name}（{slot}）"
        return f"{self.item.name} 第{self.position + 1}张" if numbered else self.item.name

    @property
    def content_type(self) -> str:
        return "image/png" if self.format == "PNG" else "image/jpeg"


class SiteTally(models.Model):
    """Counters per exam site, changed in the same transaction as what they count
    (medexam.materials.tallies; states.transition is their one caller for transitions), so
    that statistics and the queue's counts read a few dozen rows at any population.

    kind / code: `state` / each state (every application, drafts included); `route` / online
    or offline (submitted at least once); `round` / r (applications that reached round r);
    `hours` / h (decisions taken h whole hours after the submission they decided on);
    `replace` / reason code (each "please replace" request); `reject` / the reason's text."""

    exam_site = models.ForeignKey("rules.ExamSite", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16)
    code = models.CharField(max_length=64)
    n = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            # The upsert's conflict target; also the statistics' read (site, kind).
            models.UniqueConstraint(fields=["exam_site", "kind", "code"], name="one_tally"),
        ]

    def __str__(self) -> str:
        return f"{self.exam_site_id} {self.kind}:{self.code}={self.n}"

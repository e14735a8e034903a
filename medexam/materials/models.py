import uuid

from django.conf import settings
from django.core.files.storage import Storage, default_storage
from django.db import models
from django.db.models import Q


def private_storage() -> Storage:
    """Candidate files live in the default storage, which settings configure as private:
    there is no public media URL at all (served only by materials.views.image_file)."""
    return default_storage


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
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["state", "submitted_at"])]

    def __str__(self) -> str:
        return f"Application {self.pk} ({self.state})"

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

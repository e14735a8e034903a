"""What reviewers decide and do. The application's state lives on materials.Application and
moves only through materials.states.transition; these rows keep the reviewer's side of it:
each overall decision with its per-image requests, on-site checks, and logged phone calls."""

import uuid

from django.conf import settings
from django.db import models

from medexam.jobs.models import JobRecord
from medexam.materials.models import ReplacementReason


class Decision(models.Model):
    class Outcome(models.TextChoices):
        APPROVE = "approve", "审核通过"
        REQUEST_CHANGES = "request_changes", "要求更换/补充材料"
        REJECT = "reject", "不符合报名条件"
        ONSITE = "onsite", "线上预审完成，待现场审核"
        ONSITE_APPROVED = "onsite_approved", "现场审核通过"
        ONSITE_REJECTED = "onsite_rejected", "现场审核不通过"
        REOPEN = "reopen", "考区重新审核"

    application = models.ForeignKey(
        "materials.Application", on_delete=models.PROTECT, related_name="decisions"
    )
    round = models.PositiveSmallIntegerField()  # the application round decided on
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    outcome = models.CharField(max_length=24, choices=Outcome.choices)
    reason = models.TextField(blank=True)  # the overall reason / note, Chinese
    # The application's version the reviewer's page showed: a stale page cannot decide.
    based_on_version = models.PositiveIntegerField()
    submitted_at = models.DateTimeField(null=True, blank=True)  # of the round decided on
    supplement_deadline = models.DateTimeField(null=True, blank=True)
    # Deadline reminders, each once: the day before, and the deadline's morning.
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    morning_reminder_sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} ({self.application_id})"


class ReplacementRequest(models.Model):
    """ "Please replace this image" (image set) or "please add to this item" (image null)."""

    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="requests")
    application = models.ForeignKey(
        "materials.Application", on_delete=models.PROTECT, related_name="+"
    )
    item = models.ForeignKey("rules.MaterialItem", on_delete=models.PROTECT, related_name="+")
    image = models.ForeignKey(
        "materials.UploadedImage",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="replacement_requests",
    )
    reason = models.CharField(max_length=32, choices=ReplacementReason.choices)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["reason"])]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.reason}"


class PhoneCall(models.Model):
    """A phone call a reviewer made to the candidate (附件2 §五: 电话), logged on the file."""

    class Outcome(models.TextChoices):
        REACHED = "reached", "已接通并告知"
        NO_ANSWER = "no_answer", "无人接听"
        WRONG_NUMBER = "wrong_number", "号码错误"
        OTHER = "other", "其他"

    application = models.ForeignKey(
        "materials.Application", on_delete=models.PROTECT, related_name="phone_calls"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    note = models.CharField(max_length=500, blank=True)
    called_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["called_at", "id"]

    def __str__(self) -> str:
        return f"call {self.pk} ({self.outcome})"


class ExportJob(JobRecord):
    """One export (results or the review queue) written by a worker to the private storage.

    Scope is the requester's, fixed at request time by `requested_by`; only the requester
    downloads it, every download is audited, and the file goes after EXPORT_TTL_HOURS."""

    task_path = "medexam.review.tasks.run_export"

    class Kind(models.TextChoices):
        RESULTS = "results", "审核结果"
        QUEUE = "queue", "审核队列"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    fmt = models.CharField(max_length=8)  # xlsx / csv
    exam = models.ForeignKey("rules.Exam", on_delete=models.PROTECT, related_name="+")
    # results: {"states": [...]}; queue: the queue page's filters (QueryDict as a dict)
    params = models.JSONField(default=dict, blank=True)
    source = models.CharField(max_length=16, default="page")  # page / review / api
    file = models.CharField(max_length=200, blank=True)  # name in the private storage
    size = models.PositiveBigIntegerField(default=0)
    filename = models.CharField(max_length=120, blank=True)  # offered to the browser
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The requester's recent exports (statistics and import pages).
            models.Index(fields=["requested_by", "-created_at"]),
            # The expiry schedule: finished files past their time.
            models.Index(fields=["status", "expires_at"]),
        ]

    def __str__(self) -> str:
        return f"Export {self.uuid} ({self.kind}, {self.status})"

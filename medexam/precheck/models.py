from django.db import models


class PrecheckResult(models.Model):
    """What the machine pre-check read on one image and how it compares with the
    registration and the exam. Never a refusal: the candidate and a reviewer decide.

    Privacy (PIPL): only the fields the checks need are kept; an ID number read is kept
    masked (2101********1234) with its outcome, never in clear (the registration's number is
    the one copy). Deleted with its image (CASCADE: a delete, the retention purge)."""

    class Outcome(models.TextChoices):
        MATCH = "match", "一致"
        MISMATCH = "mismatch", "不一致"
        UNREADABLE = "unreadable", "未能识别"

    image = models.OneToOneField(
        "materials.UploadedImage", on_delete=models.CASCADE, related_name="precheck"
    )
    expected_kind = models.CharField(max_length=16)
    kind = models.CharField(max_length=16)  # id_front / id_back / chsi_record / diploma / unknown
    looks_like = models.CharField(max_length=32, blank=True)  # e.g. student_status_record
    # {"name": "张三", "id_number": "2101********1234", ...}: the fields the checks read.
    fields = models.JSONField(default=dict, blank=True)
    # [{"check": "name", "outcome": "mismatch", "field": "name"}, ...]: see precheck.checks.
    checks = models.JSONField(default=list, blank=True)
    confidence = models.FloatField(default=0.0)
    # Some check came out `mismatch`; the candidate saw it and said it is right (or not yet).
    has_issues = models.BooleanField(default=False)
    confirmed = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Pre-check of image {self.image_id}: {self.kind}"

    @property
    def open_issues(self) -> bool:
        return self.has_issues and not self.confirmed

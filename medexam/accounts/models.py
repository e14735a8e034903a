from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """One login. Candidates log in with their ID number (see accounts.backends); their
    username is a server-chosen handle so the ID number never sits in auth tables or logs."""

    class Role(models.TextChoices):
        CANDIDATE = "candidate", "考生"
        SITE_REVIEWER = "site_reviewer", "考点审核人员"
        PROVINCE_REVIEWER = "province_reviewer", "考区审核人员"
        ADMIN = "admin", "系统管理员"

    role = models.CharField(max_length=32, choices=Role.choices, default=Role.CANDIDATE)
    display_name = models.CharField("姓名", max_length=64, blank=True)
    # Site reviewers are scoped to one exam site; province reviewers to a province.
    exam_site = models.ForeignKey(
        "rules.ExamSite", null=True, blank=True, on_delete=models.PROTECT, related_name="reviewers"
    )
    province = models.CharField(max_length=32, blank=True)

    @property
    def is_candidate(self) -> bool:
        return self.role == self.Role.CANDIDATE

    @property
    def is_reviewer(self) -> bool:
        return self.role in (self.Role.SITE_REVIEWER, self.Role.PROVINCE_REVIEWER)

    def __str__(self) -> str:
        return self.display_name or self.username

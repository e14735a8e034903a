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
        # Separation of duties (accounts/roles.py): accounts, and the audit log.
        SECURITY_ADMIN = "security_admin", "安全管理员"
        AUDIT_ADMIN = "audit_admin", "审计管理员"

    role = models.CharField(max_length=32, choices=Role.choices, default=Role.CANDIDATE)
    display_name = models.CharField("姓名", max_length=64, blank=True)
    # Site reviewers are scoped to one exam site; province reviewers to a province.
    exam_site = models.ForeignKey(
        "rules.ExamSite", null=True, blank=True, on_delete=models.PROTECT, related_name="reviewers"
    )
    province = models.CharField(max_length=32, blank=True)
    # When the password was last set (accounts.passwords records it): staff passwords expire.
    password_changed_at = models.DateTimeField(null=True, blank=True)
    # Goes up whenever one of the account's second-factor devices is removed (or made
    # unconfirmed): a session verified at an older value looks its device up again
    # (accounts.middleware.SecondFactorMiddleware); one at this value needs no query.
    second_factor_generation = models.PositiveIntegerField(default=0, editable=False)

    @property
    def is_candidate(self) -> bool:
        return self.role == self.Role.CANDIDATE

    @property
    def is_staff_member(self) -> bool:
        """Every account that is not a candidate's: these log in with a second factor."""
        return self.role != self.Role.CANDIDATE or self.is_staff or self.is_superuser

    @property
    def is_reviewer(self) -> bool:
        return self.role in (self.Role.SITE_REVIEWER, self.Role.PROVINCE_REVIEWER)

    def __str__(self) -> str:
        return self.display_name or self.username


class VerificationCode(models.Model):
    """An SMS code for activating an account or resetting a password. Only a keyed hash of
    the code is stored, and the person is found by a keyed hash of the ID number they typed,
    so rows exist (and rate limits count) for ID numbers that match nobody as well."""

    class Purpose(models.TextChoices):
        ACTIVATE = "activate", "激活账号"
        RESET = "reset", "找回密码"
        LOGIN = "login", "登录验证"

    user = models.ForeignKey(
        "accounts.User",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="verification_codes",
    )
    subject = models.CharField(max_length=64, db_index=True)  # HMAC of the ID number typed
    purpose = models.CharField(max_length=16, choices=Purpose.choices)
    code_hash = models.CharField(max_length=64, blank=True)
    # The code is derived from this and the secret key (services._code_for), so the delivery
    # task needs no copy of the code: it is stored nowhere, not even in the task queue.
    nonce = models.CharField(max_length=32, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(db_index=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["ip", "created_at"])]

    def __str__(self) -> str:
        return f"{self.purpose} code {self.pk}"


class LoginFailure(models.Model):
    """A password check that has not succeeded: written (and committed) before the password
    is checked, deleted when it succeeds, so in-flight checks count as failures do
    (accounts.throttling). The name typed is kept only as a keyed hash: for candidates it is
    an ID number."""

    subject = models.CharField(max_length=64)
    ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        indexes = [
            models.Index(fields=["subject", "created_at"]),
            models.Index(fields=["ip", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"login failure {self.pk}"


class PasswordHistory(models.Model):
    """The hashes of an account's earlier passwords, so that a new one cannot repeat the last
    few (accounts.passwords.HistoryValidator)."""

    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="+")
    password = models.CharField(max_length=128)  # a hash, as User.password
    created_at = models.DateTimeField()

    class Meta:
        # The validator reads one account's latest hashes.
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self) -> str:
        return f"password of user {self.user_id} at {self.created_at:%Y-%m-%d}"

import uuid

from django.conf import settings
from django.db import models


class Message(models.Model):
    """站内信: an in-app message to one user (a candidate, mostly)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="messages"
    )
    application = models.ForeignKey(
        "materials.Application",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="messages",
    )
    kind = models.CharField(max_length=48)  # e.g. submitted, changes_requested
    subject = models.CharField(max_length=200)
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self) -> str:
        return self.subject


class OutboxMessage(models.Model):
    """One SMS to deliver (healthchecks' outbox: a row per event, a command delivers it).

    Queued in the same transaction as its in-app Message, so an SMS exists exactly when its
    change does; `send_outbox` delivers it with retries and backoff. `key` is the idempotency
    key handed to the provider: a retry after an unknown outcome carries the same key."""

    class Status(models.TextChoices):
        PENDING = "pending", "待发送"
        SENDING = "sending", "发送中"
        SENT = "sent", "已发送"
        FAILED = "failed", "发送失败"
        SUPERSEDED = "superseded", "已被新的决定取代，未发送"

    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    message = models.OneToOneField(Message, on_delete=models.CASCADE, related_name="sms")
    application = models.ForeignKey(
        "materials.Application",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="outbox",
    )
    kind = models.CharField(max_length=48)
    phone = models.CharField(max_length=20)
    body = models.CharField(max_length=500)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(db_index=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    provider_id = models.CharField(max_length=128, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"SMS {self.pk} ({self.status})"

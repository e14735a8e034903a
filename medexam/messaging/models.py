from django.conf import settings
from django.db import models


class Message(models.Model):
    """站内信: an in-app message to one user (a candidate, mostly)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="messages"
    )
    application = models.ForeignKey(
        "materials.Application", null=True, blank=True, on_delete=models.CASCADE,
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

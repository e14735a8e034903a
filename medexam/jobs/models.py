"""The record every long-running job keeps of itself (an export, an import).

The row, not the engine's message, is the truth about a job: the page shows its progress
from it, the download and the result page read it, and the lease on it (`lease_token`,
`heartbeat_at`) is what lets a second worker take over from one that died and stops a
duplicate delivery from writing a result twice (medexam.jobs.leases).
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models


class JobRecord(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "排队中"
        RUNNING = "running", "进行中"
        DONE = "done", "已完成"
        FAILED = "failed", "失败"
        EXPIRED = "expired", "已过期"

    # The dotted path of the task that runs this kind of job; the stalled-job schedule
    # enqueues it again with the row's pk.
    task_path: ClassVar[str] = ""

    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    lease_token = models.CharField(max_length=32, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    # Progress: rows done of rows expected (0 while unknown), problems found so far.
    done_count = models.PositiveIntegerField(default=0)
    total_count = models.PositiveIntegerField(default=0)
    problem_count = models.PositiveIntegerField(default=0)
    # For people: why it failed, or a one-line summary of what it did (Chinese).
    message = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED, self.Status.EXPIRED)

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        if not self.total_count:
            return 0
        return min(99, int(100 * self.done_count / self.total_count))

from django.db import models


class PendingDeletion(models.Model):
    """A stored file whose row is gone, to be deleted from storage once `due_at` has passed.

    Why not at once: a backup copies the database first and the files after. A row in the
    database copy whose file was deleted before the file copy reached it would restore
    pointing at nothing. Deleting only after a grace period longer than a whole backup
    (settings.FILE_DELETE_GRACE) makes "database, then files" consistent."""

    name = models.CharField(max_length=200)
    due_at = models.DateTimeField()
    reason = models.CharField(max_length=32)  # image.deleted, exam.purged, …
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            # delete_due_files: the due rows, oldest first.
            models.Index(fields=["due_at"], name="files_pending_due"),
            # reconcile: names awaiting deletion are not orphans.
            models.Index(fields=["name"], name="files_pending_name"),
        ]

    def __str__(self) -> str:
        return f"{self.name} (due {self.due_at:%Y-%m-%d %H:%M})"

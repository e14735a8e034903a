"""Files' background task: deleting stored files whose grace period is over."""

from __future__ import annotations

from django_tasks import task


@task()
def delete_pending_files() -> int:
    from medexam.files.services import delete_due_files

    return delete_due_files()

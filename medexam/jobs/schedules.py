"""Every schedule, in one place, each with why. The engine runs them: Celery beat on many
machines (`python -m medexam worker --beat` on one of them, or `celery beat` alone), the
embedded worker's scheduler (APScheduler) on one machine. No cron.

Each scheduled task looks at what is due in the database and takes it under a row lock or a
conditional UPDATE, so two schedulers, or two runs that overlap, do each piece of work once:
running beat on two machines by mistake doubles the checks, never the effects.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Schedule:
    name: str
    task: str  # dotted path of a Django task
    cron: str  # minute hour day-of-month month day-of-week, in settings.TIME_ZONE
    why: str

    @property
    def expires_seconds(self) -> int:
        # A run still waiting in the queue when the next one is due is not worth running.
        return 50 if self.cron.startswith("* ") else 300


SCHEDULES: list[Schedule] = [
    Schedule(
        "deliver-due-sms",
        "medexam.messaging.tasks.deliver_due_sms",
        "* * * * *",
        "SMS retries with back-off (1, 2, 4 … minutes) and any SMS whose enqueue was lost; "
        "new SMS go out at once through their own task.",
    ),
    Schedule(
        "close-expired-supplements",
        "medexam.review.tasks.close_expired_supplements",
        "*/5 * * * *",
        "A supplement deadline passed: lock the images again, return the application to the "
        "queue, tell the candidate. Five minutes is the longest a candidate can still upload "
        "after the deadline (the upload itself refuses late files at once).",
    ),
    Schedule(
        "supplement-reminders",
        "medexam.review.tasks.send_supplement_reminders",
        "*/15 * * * *",
        "The day before a supplement deadline (from 09:00) and on its morning (from 08:00): "
        "SMS and in-app message, each once per deadline.",
    ),
    Schedule(
        "resume-stalled-jobs",
        "medexam.jobs.tasks.resume_stalled_jobs",
        "* * * * *",
        "Exports and imports whose worker died without the engine bringing the message back, "
        "or whose enqueue after the commit failed.",
    ),
    Schedule(
        "make-missing-thumbnails",
        "medexam.materials.tasks.make_missing_thumbnails",
        "*/10 * * * *",
        "Review thumbnails whose task was lost (broker down at upload time).",
    ),
    Schedule(
        "precheck-missing",
        "medexam.precheck.tasks.precheck_missing",
        "*/10 * * * *",
        "Machine pre-checks whose task was lost (broker down at upload time): queued again.",
    ),
    Schedule(
        "delete-expired-exports",
        "medexam.review.tasks.delete_expired_exports",
        "17 * * * *",
        "Export files are personal data on a shared disk: deleted when they expire (24 h).",
    ),
    Schedule(
        "delete-pending-files",
        "medexam.files.tasks.delete_pending_files",
        "5 * * * *",
        "Files of deleted rows wait out MEDEXAM_FILE_DELETE_GRACE_HOURS (longer than a backup "
        "interval), then go; safe on several machines (files.services).",
    ),
    Schedule(
        "sweep-orphan-files",
        "medexam.materials.tasks.sweep_orphan_files",
        "41 * * * *",
        "Files no row points at, left by a process that died between writing and committing.",
    ),
    Schedule(
        "purge-closed-exams",
        "medexam.materials.tasks.purge_closed_exams",
        "30 3 * * *",
        "Retention (PIPL art. 19, 47): the images of an exam an administrator closed are "
        "deleted the next night, files and thumbnails included.",
    ),
    Schedule(
        "prune-task-results",
        "medexam.jobs.tasks.prune_task_results",
        "10 4 * * *",
        "The database engine keeps a row per task run; finished ones older than 7 days go.",
    ),
]

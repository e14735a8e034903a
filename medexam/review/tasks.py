"""Review's background tasks: exports, supplement deadlines and their reminders."""

from __future__ import annotations

from django_tasks import task

from medexam.jobs.leases import run_leased


@task(queue_name="heavy")
def run_export(export_id: int) -> None:
    from medexam.review.export_jobs import perform_export
    from medexam.review.models import ExportJob

    run_leased(ExportJob, export_id, perform_export, task=run_export)


@task()
def delete_expired_exports() -> int:
    from medexam.review.export_jobs import delete_expired_exports as delete

    return delete()


@task()
def close_expired_supplements() -> int:
    from medexam.review.services import close_expired_supplements as close

    return close()


@task()
def send_supplement_reminders() -> int:
    from medexam.review.services import send_deadline_reminders

    return send_deadline_reminders()

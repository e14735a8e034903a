"""Candidates' background tasks: importing an uploaded registration file."""

from __future__ import annotations

from django_tasks import task

from medexam.jobs.leases import run_leased


@task(queue_name="heavy")
def run_import(import_id: int) -> None:
    from medexam.candidates.import_jobs import perform_import
    from medexam.candidates.models import ImportJob

    run_leased(ImportJob, import_id, perform_import, task=run_import)

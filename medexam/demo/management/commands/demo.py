"""`python -m medexam demo`: migrate, load the exam data, seed the demo, print the logins and
serve. Meant for a laptop: SQLite and files under ./var unless the environment says otherwise."""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from medexam.demo.jobs import embedded_engine, queue_demo_jobs, start_workers, stop_workers
from medexam.demo.seeding import (
    CANDIDATE_PASSWORD,
    REVIEWER_PASSWORD,
    open_upload_window,
    seed,
    submit_some,
    write_logins,
)
from medexam.rules.loading import default_exam_path, load_exam_file


class Command(BaseCommand):
    help = "Set up the demo (migrate, load Liaoning 2022, seed) and serve it."

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
        parser.add_argument("--no-serve", action="store_true", help="set up only")

    def handle(self, *args, addrport: str, no_serve: bool, **options):
        settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
        call_command("migrate", interactive=False, verbosity=0)
        exam = load_exam_file(default_exam_path())
        open_upload_window(exam)
        logins = seed(exam=exam)
        submit_some(exam=exam)
        queue_demo_jobs(exam)
        logins_file = settings.VAR_DIR / "demo-logins.tsv"
        write_logins(logins_file, exam=exam)
        url = f"http://{addrport}/"
        self.stdout.write(
            self.style.SUCCESS(
                "\n医师资格考试考生服务系统 (demo) is ready\n"
                f"  open:              {url}\n"
                f"  candidate login:   {logins.candidate_id_number} / {CANDIDATE_PASSWORD}"
                f"  ({logins.candidate_name}, {url}accounts/login/)\n"
                f"  reviewer login:    {logins.reviewer_username} / {REVIEWER_PASSWORD}\n"
                f"  province reviewer: {logins.province_username} / {REVIEWER_PASSWORD}\n"
                f"  all demo candidates (some already submitted): {logins_file}\n"
                f"  administrator:     admin / {REVIEWER_PASSWORD}  ({url}manage/candidates/import/:"
                " the demo's import of 2,000 rows runs there)\n"
                f"  security admin:    security / {REVIEWER_PASSWORD}  ({url}manage/staff/)\n"
                f"  audit admin:       auditor / {REVIEWER_PASSWORD}  ({url}audit/)\n"
                "  staff second step: the 6-digit code of `.venv/bin/python -m medexam demo_totp"
                f" {logins.reviewer_username}` (or any staff name: province, admin, security, auditor); it also prints the key for"
                " an authenticator app\n"
                f"  background work:   {'two worker processes run beside the server' if embedded_engine() else 'start workers yourself: python -m medexam worker'}"
                " (exports, imports, thumbnails, SMS, schedules)\n"
                "  a 100,000-row file to import: .venv/bin/python -m medexam"
                " sample_registration_file --exam liaoning-2022 --rows 100000 -o var/100k.xlsx\n"
            )
        )
        if not no_serve:
            workers = start_workers() if embedded_engine() else []
            try:
                call_command("runserver", addrport, use_reloader=False)
            finally:
                stop_workers(workers)

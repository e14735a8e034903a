from django.core.management.base import BaseCommand

from medexam.demo.seeding import CANDIDATE_PASSWORD, REVIEWER_PASSWORD, open_upload_window, seed
from medexam.rules.loading import default_exam_path, load_exam_file


class Command(BaseCommand):
    help = "Load Liaoning 2022 and create demo reviewers and ~50 candidates (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--candidates", type=int, default=50)

    def handle(self, *args, candidates: int, **options):
        exam = load_exam_file(default_exam_path())
        open_upload_window(exam)
        logins = seed(exam=exam, candidates=candidates)
        self.stdout.write(
            f"candidate: {logins.candidate_id_number} / {CANDIDATE_PASSWORD} ({logins.candidate_name})\n"
            f"site reviewer: {logins.reviewer_username} / {REVIEWER_PASSWORD}\n"
            f"province reviewer: {logins.province_username} / {REVIEWER_PASSWORD}"
        )

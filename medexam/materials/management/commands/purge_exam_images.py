from django.core.management.base import BaseCommand, CommandError

from medexam.errors import DomainError
from medexam.materials.retention import purge_exam_images
from medexam.rules.models import Exam


class Command(BaseCommand):
    help = "Delete all candidates' images (files and rows) of a closed exam year."

    def add_arguments(self, parser):
        parser.add_argument("exam", help="exam slug, e.g. liaoning-2022")
        parser.add_argument(
            "--close-exam",
            action="store_true",
            help="close the exam first (candidates can no longer log in)",
        )
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args, exam: str, close_exam: bool, dry_run: bool, **options):
        try:
            target = Exam.objects.get(slug=exam)
        except Exam.DoesNotExist as exc:
            raise CommandError(f"no exam {exam!r}") from exc
        if close_exam and not dry_run and target.is_active:
            target.is_active = False
            target.save(update_fields=["is_active"])
        try:
            report = purge_exam_images(exam=target, dry_run=dry_run)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        verb = "would delete" if dry_run else "deleted"
        self.stdout.write(f"{verb} {report.images} image(s), {report.files} file(s)")

from django.core.management.base import BaseCommand

from medexam.files.services import delete_due_files


class Command(BaseCommand):
    help = (
        "Delete stored files whose rows were deleted more than the grace period ago "
        "(MEDEXAM_FILE_DELETE_GRACE_HOURS; run hourly)."
    )

    def handle(self, *args, **options):
        self.stdout.write(f"deleted {delete_due_files()} file(s) past their grace period")

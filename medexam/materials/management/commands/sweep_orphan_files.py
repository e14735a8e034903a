import datetime as dt

from django.core.management.base import BaseCommand

from medexam.materials.sweep import sweep_orphan_files


class Command(BaseCommand):
    help = "Delete stored image files that no record references (run hourly from cron)."

    def add_arguments(self, parser):
        parser.add_argument("--older-than-minutes", type=int, default=60)
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args, older_than_minutes: int, dry_run: bool, **options):
        removed = sweep_orphan_files(
            older_than=dt.timedelta(minutes=older_than_minutes), dry_run=dry_run
        )
        verb = "would remove" if dry_run else "removed"
        self.stdout.write(f"{verb} {len(removed)} orphan file(s)")

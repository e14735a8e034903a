from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from medexam.materials.models import private_storage
from medexam.ops.backup import DUMP, SQLITE, restore_database, restore_files


class Command(BaseCommand):
    help = (
        "Restore a backup folder: the database (into the configured, empty database), then "
        "the files into the configured storage; then check_storage."
    )

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="source", required=True, type=Path)

    def handle(self, *args, source: Path, **options):
        if not ((source / DUMP).exists() or (source / SQLITE).exists()):
            raise CommandError(f"{source} holds no database backup")
        restore_database(source)
        restored = restore_files(source, private_storage())
        self.stdout.write(f"restored the database and {restored} file(s)")
        call_command("check_storage", stdout=self.stdout)

from pathlib import Path

from django.core.management.base import BaseCommand

from medexam.materials.models import private_storage
from medexam.ops.backup import backup


class Command(BaseCommand):
    help = "Back up the database, then every stored file, into a folder (safe under load)."

    def add_arguments(self, parser):
        parser.add_argument("--to", required=True, type=Path, help="an empty folder")

    def handle(self, *args, to: Path, **options):
        manifest = backup(to, private_storage())
        self.stdout.write(
            f"database at {manifest.database_done_at}; {manifest.files} file(s), "
            f"{manifest.bytes} bytes, done at {manifest.files_done_at}: {to}"
        )

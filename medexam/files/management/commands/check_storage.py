"""`python -m medexam check_storage [--json]`: rows without files and files without rows.

Exit status 0 when every row's file is there, 1 when some row points at a missing file
(a monitoring check can alert on it); files without rows alone are reported, not an error
(uploads in flight and crashes leave them; `sweep_orphan_files` removes the old ones)."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand

from medexam.files.reconcile import check_storage


class Command(BaseCommand):
    help = "Compare the storage with the database: rows without files, files without rows."

    def add_arguments(self, parser):
        parser.add_argument("--prefix", default="", help="only names under this folder")
        parser.add_argument("--json", action="store_true", help="one JSON summary")
        parser.add_argument("--limit", type=int, default=20, help="names listed per kind")

    def handle(self, *args, prefix: str, json: bool, limit: int, **options):
        report = check_storage(prefix=prefix)
        if json:
            self.stdout.write(_json(report))
        else:
            self.stdout.write(
                f"stored files: {report['files']}, referenced names: {report['referenced']}, "
                f"awaiting deletion: {report['pending']}"
            )
            self.stdout.write(f"rows without files: {len(report['missing'])}")
            for name, refs in report["missing"][:limit]:
                self.stdout.write(f"  {name} ({', '.join(refs)})")
            self.stdout.write(f"files without rows: {len(report['orphans'])}")
            for name in report["orphans"][:limit]:
                self.stdout.write(f"  {name}")
        if report["missing"]:
            raise SystemExit(1)


def _json(report: dict) -> str:
    return json.dumps(
        {
            "files": report["files"],
            "referenced": report["referenced"],
            "pending": report["pending"],
            "rows_without_files": len(report["missing"]),
            "files_without_rows": len(report["orphans"]),
            "missing": [name for name, _ in report["missing"]],
            "orphans": report["orphans"],
        }
    )
